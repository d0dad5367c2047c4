"""Sync by file against the HTTP sync of the same data (issue 24): 20 packages totalling
~1 GB, 10,000 sessions with CMI data and 100,000 xAPI statements on one appliance (the laptop,
filled as bench/sync.py fills it). In one run: `scorm-api sync` over HTTP to a second
appliance (the office), and `scorm-api sync --to-file` then `scorm-api import` of that file
into a third, fresh one, as a user types them (each command a process of its own, every
server running). Then a no-change file and its import.

Target: sync-to-file + import <= 1.2x the HTTP sync. Prints met / NOT met; exits 0.
--quick: 20 x 2 MB, 500 sessions, 5,000 statements."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from sync import PACKAGE_BYTES, PACKAGES, SESSIONS, STATEMENTS, fill_laptop, tenant_of

from _common import bench_server, stop_servers
from tests.support import scratch_dir, write_generated_package


def cli(*args: str) -> tuple[float, dict]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "scorm_api", *args, "--json"], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(
            f"scorm-api {args[0]} failed ({out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}"
        )
    return elapsed, json.loads(out.stdout)


def created(report: dict) -> str:
    return ", ".join(f"{c['created']} {k}" for k, c in report["counts"].items())


def main() -> None:
    work = scratch_dir("sync-file-bench-")
    zips = [
        write_generated_package(work / f"course-{i:02d}.zip", files=100, total_bytes=PACKAGE_BYTES, seed=i)
        for i in range(PACKAGES)
    ]
    total = sum(z.stat().st_size for z in zips)
    print(
        f"data: {PACKAGES} packages, {total / 2**20:,.0f} MiB; {SESSIONS:,} sessions; {STATEMENTS:,} statements"
    )
    servers = [bench_server() for _ in range(3)]
    laptop, office_http, office_file = servers
    try:
        t0 = time.perf_counter()
        fill_laptop(laptop, zips)
        print(f"laptop filled in {time.perf_counter() - t0:.1f} s")

        http_s, run = cli(
            "sync",
            "--data-dir",
            str(laptop.data_dir),
            "--to",
            office_http.url,
            "--api-key",
            office_http.admin_key,
            "--tenant-id",
            tenant_of(office_http),
        )
        print(f"HTTP sync to an appliance: {http_s:.1f} s; created {created(run['report'])}")

        path = work / "laptop.sync"
        export_s, made = cli("sync", "--data-dir", str(laptop.data_dir), "--to-file", str(path))
        print(f"sync --to-file: {export_s:.1f} s, {made['bytes'] / 2**20:,.0f} MiB, {made['counts']}")
        import_s, done = cli("import", str(path), "--data-dir", str(office_file.data_dir), "--trust")
        print(f"import: {import_s:.1f} s; created {created(done['run']['report'])}")

        again = work / "again.sync"
        export2_s, _ = cli("sync", "--data-dir", str(laptop.data_dir), "--to-file", str(again))
        import2_s, _ = cli("import", str(again), "--data-dir", str(office_file.data_dir))
        print(f"no-change file + import: {export2_s + import2_s:.2f} s")

        ratio = (export_s + import_s) / http_s
        print()
        print(
            f"sync-to-file + import / HTTP sync: {ratio:.2f}x  "
            f"(target <= 1.2x: {'met' if ratio <= 1.2 else 'NOT met'})"
        )
        print()
        print(f"file_over_http {ratio:.3f}")
    finally:
        stop_servers(servers, work)


if __name__ == "__main__":
    main()
