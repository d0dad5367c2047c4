"""Requests/s of GET /api/health on loopback with concurrent clients."""

from _common import bench_server, load_tool, quick, requests_per_second

if __name__ == "__main__":
    srv = bench_server()
    try:
        seconds = 2 if quick() else 10
        requests_per_second(srv.url + "/api/health", seconds=1)  # warm-up
        rps = requests_per_second(srv.url + "/api/health", seconds=seconds)
        print(f"load: {load_tool()}, 16 connections, {seconds} s")
        print(f"health_rps {rps:.0f}")
    finally:
        srv.stop()
