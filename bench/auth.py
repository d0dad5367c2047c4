"""Requests/s of an authenticated GET /api/v1/packages (empty list) against /api/health, same
run, same load. Target: authenticated >= 70% of health (auth, rate limiting and logging cheap)."""

from _common import bench_server, load_tool, quick, requests_per_second

TARGET = 0.70

if __name__ == "__main__":
    srv = bench_server()
    try:
        seconds = 2 if quick() else 10
        auth = {"Authorization": f"Bearer {srv.admin_key}"}
        requests_per_second(srv.url + "/api/health", seconds=1)  # warm-up
        requests_per_second(srv.url + "/api/v1/packages", auth, seconds=1)
        health = requests_per_second(srv.url + "/api/health", seconds=seconds)
        packages = requests_per_second(srv.url + "/api/v1/packages", auth, seconds=seconds)
        ratio = packages / health
        print(f"load: {load_tool()}, 16 connections, {seconds} s each")
        print(f"health_rps {health:.0f}")
        print(f"auth_packages_rps {packages:.0f}")
        print(f"ratio {ratio:.2f} (target >= {TARGET:.2f}: {'met' if ratio >= TARGET else 'NOT met'})")
    finally:
        srv.stop()
