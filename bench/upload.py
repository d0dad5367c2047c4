"""A 1 GB presigned PUT (curl streaming from disk) against a plain `cp` of the same file, same
run, both after os.sync(). Targets: throughput >= 50% of cp; server RSS flat."""

import os
import shutil
import statistics
import subprocess
import time

from _common import bench_server, peak_rss_mb, presigned_put, quick, rss_mb
from tests.support import scratch_dir

ROUNDS = 3

if __name__ == "__main__":
    size = (64 if quick() else 1024) * 1024 * 1024
    work = scratch_dir("scorm-upload-")
    src = work / "big.zip"
    with src.open("wb") as f:  # content does not matter to the PUT: it is not processed
        block = os.urandom(1024 * 1024)
        for _ in range(size // len(block)):
            f.write(block)
    srv = bench_server(env={"SCORM_API_MAX_PACKAGE_BYTES": str(2 * size)})
    cp_times, put_times = [], []
    try:
        rss_before = rss_mb(srv.proc.pid)
        for _ in range(ROUNDS):  # alternate, each after os.sync(): page-cache state varies a lot
            os.sync()
            t0 = time.perf_counter()
            subprocess.run(["cp", str(src), str(work / "copy.zip")], check=True)
            cp_times.append(time.perf_counter() - t0)
            (work / "copy.zip").unlink()
            os.sync()
            put_times.append(presigned_put(srv, src)[1])
        rss_after = peak_rss_mb(srv.proc.pid)
    finally:
        srv.stop()
        shutil.rmtree(work, ignore_errors=True)
    cp_s, put_s = statistics.median(cp_times), statistics.median(put_times)
    mib = size / 2**20
    ratio = (mib / put_s) / (mib / cp_s)
    print(f"file: {mib:.0f} MiB")
    print(
        f"cp_mib_s {mib / cp_s:.0f} (median of {ROUNDS}; runs {', '.join(f'{mib / t:.0f}' for t in cp_times)})"
    )
    print(
        f"put_mib_s {mib / put_s:.0f} (median of {ROUNDS}; runs {', '.join(f'{mib / t:.0f}' for t in put_times)})"
    )
    print(f"ratio {ratio:.2f} (target >= 0.50: {'met' if ratio >= 0.5 else 'NOT met'})")
    print(f"server_rss_mb before {rss_before:.0f} peak {rss_after:.0f}")
