"""The single-file binaries: their size, the server binary's start to the first 200 on
/api/health (target < 1.5 s), and the desktop binary's start to the dashboard shown in its
window (target < 3 s, on a virtual X screen).

    python bench/binary.py [--quick] [--server dist/scorm-api-server] [--desktop dist/scorm-api]

Cold figures drop the page cache first (root only; otherwise only warm figures are printed).
A missing binary is built first (pyinstaller build.spec).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import quick
from startup import once
from tests.desktop.support import VirtualScreen
from tests.support import free_port, scratch_dir

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024


def ensure_built(path: Path, which: str) -> Path:
    if not path.exists():
        print(f"building {path.name} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--log-level",
                "WARN",
                "build.spec",
                "--",
                "--only",
                which,
            ],
            cwd=ROOT,
            check=True,
        )
    return path


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def server_start(binary: Path, data_dir: Path) -> float:
    return once(data_dir, free_port(), [str(binary)])


def desktop_start(binary: Path, data_dir: Path, display: str) -> float:
    """Spawn to the log line the shell writes when the dashboard has loaded in its window."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(binary), "desktop", "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DISPLAY": display},
        cwd=data_dir.parent,
    )
    try:
        for line in proc.stderr:
            if "dashboard shown in the window" in line:
                return time.perf_counter() - t0
        raise SystemExit("the desktop binary exited before showing the dashboard")
    finally:
        proc.send_signal(signal.SIGTERM)  # closes the windows; the server stops cleanly
        if proc.wait(60) != 0:
            raise SystemExit(f"the desktop binary did not stop cleanly ({proc.returncode})")


def measure(fn, runs: int) -> tuple[float | None, list[float]]:
    data_dir = scratch_dir("scorm-binary-") / "data"
    fn(data_dir)  # first start: creates the database; not counted
    cold = fn(data_dir) if drop_caches() else None
    warm = [fn(data_dir) for _ in range(runs)]
    shutil.rmtree(data_dir.parent, ignore_errors=True)
    return cold, warm


def report(name: str, cold: float | None, warm: list[float], target: float) -> None:
    worst = cold if cold is not None else max(warm)
    cold_text = f"cold {cold:.3f}  " if cold is not None else "cold n/a (not root)  "
    print(
        f"{name} median {statistics.median(warm):.3f}  {cold_text}max_warm {max(warm):.3f}  "
        f"(target < {target}: {'met' if worst < target else 'NOT met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--server", type=Path, default=ROOT / "dist" / "scorm-api-server")
    parser.add_argument("--desktop", type=Path, default=ROOT / "dist" / "scorm-api")
    parser.add_argument("--no-desktop", action="store_true")
    args = parser.parse_args()
    runs = 3 if quick() else 7

    server = ensure_built(args.server.resolve(), "server")
    print(f"server_binary_mib {server.stat().st_size / MiB:.1f}")
    cold, warm = measure(lambda d: server_start(server, d), runs)
    report("server_start_to_first_200_s", cold, warm, 1.5)

    if args.no_desktop:
        return
    desktop = ensure_built(args.desktop.resolve(), "desktop")
    print(f"desktop_binary_mib {desktop.stat().st_size / MiB:.1f}")
    screen = VirtualScreen()
    try:
        cold, warm = measure(lambda d: desktop_start(desktop, d, screen.display), runs)
    finally:
        screen.close()
    report("desktop_start_to_dashboard_s", cold, warm, 3.0)


if __name__ == "__main__":
    main()
