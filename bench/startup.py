"""Server start (process spawn) to the first 200 on /api/health, from source. Target < 1 s."""

import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import quick
from tests.support import free_port, scratch_dir

ROOT = Path(__file__).resolve().parent.parent


def once(data_dir: Path, port: int, program: list[str] | None = None) -> float:
    """Spawn to the first 200 on /api/health; `program` defaults to this Python's `-m app`."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            *(program or [sys.executable, "-m", "scorm_api"]),
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("server exited during start-up") from None
                time.sleep(0.005)
    finally:
        proc.terminate()
        if proc.wait(20) != 0:
            raise SystemExit(f"the server did not stop cleanly ({proc.returncode})")


if __name__ == "__main__":
    runs = 3 if quick() else 7
    data_dir = scratch_dir("scorm-start-") / "data"
    first = once(data_dir, free_port())  # creates the database and the first key
    times = [once(data_dir, free_port()) for _ in range(runs)]
    print(f"first_start_s {first:.3f}  (new data dir: schema + first key)")
    print(
        f"start_to_first_200_s median {statistics.median(times):.3f}  max {max(times):.3f}  "
        f"(target < 1.0: {'met' if statistics.median(times) < 1.0 else 'NOT met'})"
    )
