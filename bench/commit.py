"""Runtime commits/s with 20 concurrent learners (each commit ~4 KB of suspend_data and a few
interactions) on loopback, with p50/p99 latency, against /api/health in the same run.
Targets: commits/s >= 50% of health requests/s; p99 under 10x p50."""

import json
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from _common import api_call, bench_server, quick, requests_per_second
from tests.sessions.courses import scripted_course
from tests.support import scratch_dir

LEARNERS = 20


def commit_paths(srv) -> list[str]:
    boundary = "benchboundary"
    zip_bytes = scripted_course("2004")
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.zip"\r\n'
            f"Content-Type: application/zip\r\n\r\n"
        ).encode()
        + zip_bytes
        + f"\r\n--{boundary}--\r\n".encode()
    )
    pkg = json.loads(
        api_call(
            srv, "/api/v1/packages/upload", raw=form, content_type=f"multipart/form-data; boundary={boundary}"
        )
    )
    paths = []
    for n in range(LEARNERS):
        s = json.loads(
            api_call(srv, "/api/v1/sessions", {"package_id": pkg["id"], "user_id": f"learner-{n}"})
        )
        page = urllib.request.urlopen(s["launch_url"]).read().decode()
        cfg = json.loads(
            re.search(r'id="launch-config" type="application/json">(.*?)</script>', page, re.S).group(1)
        )
        delivered = urllib.request.urlopen(
            urllib.request.Request(  # what the player does next
                cfg["deliverUrl"],
                data=json.dumps({"item_id": cfg["start"]}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
        ).read()
        paths.append(urlsplit(json.loads(delivered)["commitUrl"]).path)
    return paths


def lua_script(paths: list[str]) -> str:
    cmi = {
        "cmi.location": "page-12",
        "cmi.completion_status": "incomplete",
        "cmi.exit": "suspend",
        "cmi.session_time": "PT5M",
        "cmi.suspend_data": "x" * 4096,
    }
    for i in range(3):
        cmi.update(
            {
                f"cmi.interactions.{i}.id": f"q{i}",
                f"cmi.interactions.{i}.type": "choice",
                f"cmi.interactions.{i}.learner_response": "b",
                f"cmi.interactions.{i}.result": "correct",
            }
        )
    body = json.dumps(cmi)[:-1]  # the sequence number is appended per request
    return """
local paths = {%s}
local seq = {}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local i = (n %% #paths) + 1
  seq[i] = (seq[i] or 0) + 1
  return wrk.format(nil, paths[i], nil, '%s, "commitSequence": ' .. seq[i] .. '}')
end
""" % (", ".join(f'"{p}"' for p in paths), body)


def run_wrk(url, script: Path, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{LEARNERS}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit("commits failed under load:\n" + out)
    lat = dict(
        re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", out, re.M)
        and [(p, _ms(v, u)) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", out, re.M)]
    )
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), **lat}


def _ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


if __name__ == "__main__":
    if not shutil.which("wrk"):
        raise SystemExit("bench/commit.py needs wrk (apt-get install wrk)")
    seconds = 3 if quick() else 10
    srv = bench_server()
    try:
        paths = commit_paths(srv)
        script = scratch_dir("commit-bench-") / "commit.lua"
        script.write_text(lua_script(paths))
        requests_per_second(srv.url + "/api/health", seconds=1)
        health = requests_per_second(srv.url + "/api/health", seconds=seconds, connections=LEARNERS)
        result = run_wrk(srv.url, script, seconds)
    finally:
        srv.stop()
    ratio = result["rps"] / health
    print(f"load: wrk, {LEARNERS} learners (connections), {seconds} s; commit body ~4.5 KB")
    print(f"health_rps {health:.0f}")
    print(f"commits_per_s {result['rps']:.0f}")
    print(f"ratio {ratio:.2f} (target >= 0.50: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(
        f"p50_ms {result['50']:.2f}  p99_ms {result['99']:.2f}  "
        f"(p99/p50 {result['99'] / result['50']:.1f}, target < 10: {'met' if result['99'] < 10 * result['50'] else 'NOT met'})"
    )
