"""Requests/s serving a course's small static files (several concurrent clients), and the
ratio to /api/health requests/s in the same run."""

import json
import urllib.request

from _common import bench_server, load_tool, presigned_put, quick, requests_per_second
from tests.support import fixture

FILES = ("shared/scormfunctions.js", "shared/style.css", "Playing/Playing.html")

if __name__ == "__main__":
    srv = bench_server()
    try:
        ticket, _ = presigned_put(srv, fixture("golf_scorm12_runtime_basic.zip"))
        req = urllib.request.Request(
            srv.url + "/api/v1/packages/process",
            method="POST",
            data=json.dumps({"storage_path": ticket["storage_path"]}).encode(),
            headers={"Authorization": f"Bearer {srv.admin_key}", "Content-Type": "application/json"},
        )
        pkg = json.load(urllib.request.urlopen(req))
        base = f"{srv.url}/content/{pkg['id']}/"
        seconds = 2 if quick() else 8
        requests_per_second(srv.url + "/api/health", seconds=1)  # warm-up
        health = requests_per_second(srv.url + "/api/health", seconds=seconds)
        per_file = {f: requests_per_second(base + f, seconds=seconds) for f in FILES}
    finally:
        srv.stop()
    content = sum(per_file.values()) / len(per_file)
    print(f"load: {load_tool()}, 16 connections, {seconds} s per URL")
    print(f"health_rps {health:.0f}")
    for f, rps in per_file.items():
        print(f"  {f}: {rps:.0f} req/s")
    print(f"content_rps {content:.0f}")
    print(f"ratio {content / health:.2f} (content / health)")
