"""GET /api/health latency while slow clients hold connections open: none (the baseline),
200 sockets trickling one header line a second from ten addresses, and 200 from a single
address (past its per-client cap). Target: p99 < 100 ms with the 200 open.

    python bench/slow_clients.py [--quick]

Linux only (the other clients are sockets bound across 127.0.0.0/8).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import requests

from _common import bench_server, quick

SOCKETS = 200
PROBES = 100 if quick() else 1000


def probe(url: str) -> tuple[float, float]:
    """p50 and p99 of health, in ms, one request after another on fresh connections."""
    took = []
    for _ in range(PROBES):
        t0 = time.perf_counter()
        assert requests.get(url + "/api/health", timeout=60).status_code == 200
        took.append((time.perf_counter() - t0) * 1000)
    took.sort()
    return took[len(took) // 2], took[int(len(took) * 0.99) - 1]


def slow_sockets(port: int, addresses: int) -> list[socket.socket]:
    out = []
    for n in range(SOCKETS):
        s = socket.socket()
        s.bind((f"127.0.0.{2 + n % addresses}", 0))
        s.connect(("127.0.0.1", port))
        with contextlib.suppress(OSError):  # refused past the per-client cap
            s.sendall(b"GET /api/health HTTP/1.1\r\n")
        out.append(s)
    return out


def trickle(sockets: list[socket.socket], stop: threading.Event) -> None:
    while not stop.is_set():
        for s in sockets:
            with contextlib.suppress(OSError):
                s.sendall(b"X-Slow: 1\r\n")
        stop.wait(1.0)


if __name__ == "__main__":
    # A header deadline longer than the run, so the sockets stay open throughout.
    srv = bench_server(env={"SCORM_API_HEADER_TIMEOUT_SECONDS": "600"})
    port = int(srv.url.rsplit(":", 1)[1])
    try:
        probe(srv.url)  # warm-up
        rows = [("none", probe(srv.url))]
        for label, addresses in (("200 from 10 addresses", 10), ("200 from 1 address", 1)):
            sockets, stop = slow_sockets(port, addresses), threading.Event()
            threading.Thread(target=trickle, args=(sockets, stop), daemon=True).start()
            try:
                rows.append((label, probe(srv.url)))
            finally:
                stop.set()
                for s in sockets:
                    s.close()
            time.sleep(1.5)  # the server notices the closes
        print(f"{PROBES} sequential health requests per row")
        for label, (p50, p99) in rows:
            print(f"  slow sockets {label:22s} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
        worst = max(p99 for _, (_, p99) in rows[1:])
        print(f"health_p99_ms_baseline {rows[0][1][1]:.1f}")
        print(f"health_p99_ms_slow_clients {worst:.1f}")
        print(f"(target p99 < 100 ms with {SOCKETS} open: {'met' if worst < 100 else 'NOT met'})")
    finally:
        srv.stop()
