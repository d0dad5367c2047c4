"""Shared by the benchmarks: a real server process and a load generator.

Load comes from wrk (Debian package `wrk`) when installed: it is written in C, so on a small
machine the client steals far less CPU from the server than a Python client would. Without
wrk, a multi-process Python client with keep-alive connections is used (and says so).

A bench stops what it starts and removes what it writes, also when it is stopped: SIGTERM (a
timeout's first signal, tests/test_bench_smoke.py) ends it as an exception does, so `finally`
blocks and the atexit hooks (each server's stop, each scratch dir's removal) run. Against
SIGKILL, the smoke test kills the bench's whole process group and removes its TMPDIR.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support import LiveServer, scratch_dir, start_server

# Limits on, but out of reach: the limiter's cost is part of what is measured.
BENCH_ENV = {
    "SCORM_API_RATE_LIMIT_READ": "1000000000",
    "SCORM_API_RATE_LIMIT_WRITE": "1000000000",
    "SCORM_API_RATE_LIMIT_UPLOAD": "1000000000",
}


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)


# Imported only by the bench scripts (their main program): Python's default SIGTERM would end
# the process without its finally blocks and atexit hooks, leaving servers and data dirs behind.
signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _stop_at_exit(srv: LiveServer) -> None:
    """A bench that fails or is stopped between start and its own `finally` still stops it."""
    with contextlib.suppress(Exception):
        if srv.proc.poll() is None:
            srv.stop(timeout=30)
    if srv.proc.poll() is None:
        srv.proc.kill()
        srv.proc.wait(10)


def bench_server(*args: str, env: dict | None = None) -> LiveServer:
    data_dir = scratch_dir("scorm-bench-") / "data"
    srv = start_server(data_dir, *args, env={**BENCH_ENV, **(env or {})})
    atexit.register(_stop_at_exit, srv)  # runs before the scratch dir's removal (registered first)
    return srv


def stop_servers(servers: list[LiveServer], *folders: Path) -> None:
    """Stop the servers and remove their data dirs and the given folders now, not at exit."""
    for srv in servers:
        srv.stop()
    for folder in [*folders, *(srv.data_dir.parent for srv in servers)]:
        shutil.rmtree(folder, ignore_errors=True)


def peak_rss_mb(pid: int) -> float:
    """The process's resident-set high-water mark (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def presigned_put(srv, path: Path) -> tuple[dict, float]:
    """Mint and PUT `path` with curl (streams from disk); return (ticket, seconds of the PUT)."""
    import json
    import time
    import urllib.request

    req = urllib.request.Request(
        srv.url + "/api/v1/packages/upload-url",
        method="POST",
        data=json.dumps({"filename": path.name, "file_size": path.stat().st_size}).encode(),
        headers={"Authorization": f"Bearer {srv.admin_key}", "Content-Type": "application/json"},
    )
    ticket = json.load(urllib.request.urlopen(req))
    t0 = time.perf_counter()
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PUT",
            "-H",
            "Content-Type: application/zip",
            "-T",
            str(path),
            ticket["presigned_url"],
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - t0
    if out.stdout != "200":
        raise SystemExit(f"PUT failed: HTTP {out.stdout}")
    return ticket, elapsed


def _wrk(url: str, headers: dict, seconds: int, connections: int) -> float:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} failed responses under load")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def _py_worker(args) -> int:
    url, headers, deadline = args
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    n = 0
    while time.time() < deadline:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise SystemExit(f"{url}: HTTP {resp.status}")
        n += 1
    return n


def _python_load(url: str, headers: dict, seconds: int, connections: int) -> float:
    deadline = time.time() + seconds
    with multiprocessing.Pool(connections) as pool:
        total = sum(pool.map(_py_worker, [(url, headers, deadline)] * connections))
    return total / seconds


def requests_per_second(
    url: str, headers: dict | None = None, seconds: int = 10, connections: int = 16
) -> float:
    headers = headers or {}
    if shutil.which("wrk"):
        return _wrk(url, headers, seconds, connections)
    return _python_load(url, headers, seconds, min(connections, os.cpu_count() or 2))


def load_tool() -> str:
    return "wrk" if shutil.which("wrk") else "python http.client (install wrk for truer figures)"


def quick() -> bool:
    return "--quick" in sys.argv


def api_call(
    srv,
    path: str,
    body=None,
    raw: bytes | None = None,
    content_type: str = "application/json",
    method: str | None = None,
) -> bytes:
    """One request with the server's admin key; POST when there is a body. Returns the body."""
    import json
    import urllib.request

    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(
        srv.url + path,
        data=data,
        method=method or ("POST" if data else "GET"),
        headers={"Authorization": f"Bearer {srv.admin_key}", "Content-Type": content_type},
    )
    return urllib.request.urlopen(req).read()
