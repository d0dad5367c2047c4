"""The single-file binaries: their size, the server binary's start to the first 200 on
/api/health side by side with a minimal Flask + waitress binary built the same way (target:
ours within 2x of it), and the desktop binary's start to the dashboard shown in its window
(target < 3 s, on a virtual X screen).

    python bench/binary.py [--quick] [--server dist/scorm-api-server] [--desktop dist/scorm-api]

The minimal binary is bench/startup.py's minimal app, built by PyInstaller with build.spec's
server options (one file, zlib-compressed archive, no UPX, the same excludes) into
build/minimal-server/ (not committed). Both servers are started in alternating rounds.
Cold figures drop the page cache first (root only; otherwise only warm figures are printed).
A missing binary is built first (pyinstaller build.spec).
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import quick
from startup import MINIMAL_APP, TARGET_RATIO, alternate, once
from tests.desktop.support import VirtualScreen
from tests.support import free_port, scratch_dir

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024


def pyinstaller(*args: str, cwd: Path = ROOT) -> None:
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", *args],
        cwd=cwd,
        check=True,
    )


def ensure_built(path: Path, which: str) -> Path:
    if not path.exists():
        print(f"building {path.name} ...", flush=True)
        pyinstaller("build.spec", "--", "--only", which)
    return path


# build.spec's server binary, less our package: the same PyInstaller options.
MINIMAL_SPEC = """
a = Analysis([{entry!r}], excludes={excludes!r}, noarchive=False)
pyz = PYZ(a.pure)
EXE(pyz, a.scripts, a.binaries, a.datas, [], name="minimal-server", console=True, upx=False,
    strip=False, debug=False, runtime_tmpdir=None)
"""


def server_excludes() -> list[str]:
    """build.spec's excludes for the server binary (NEVER + QT), read from it."""
    lists = {
        target.id: ast.literal_eval(node.value)
        for node in ast.parse((ROOT / "build.spec").read_text()).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in ("NEVER", "QT")
    }
    return lists["NEVER"] + lists["QT"]


def build_minimal(folder: Path) -> Path:
    """The minimal Flask + waitress server binary (built again when its source changed)."""
    entry, spec = folder / "minimal_server.py", folder / "minimal.spec"
    binary = folder / "dist" / "minimal-server"
    if binary.exists() and entry.exists() and entry.read_text() == MINIMAL_APP:
        return binary
    print(f"building {binary.name} ...", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    entry.write_text(MINIMAL_APP)
    spec.write_text(MINIMAL_SPEC.format(entry=str(entry), excludes=server_excludes()))
    pyinstaller("--distpath", str(folder / "dist"), "--workpath", str(folder / "work"), str(spec), cwd=folder)
    return binary


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


def report(name: str, cold: float | None, warm: list[float], target: float | None) -> None:
    worst = cold if cold is not None else max(warm)
    cold_text = f"cold {cold:.3f}  " if cold is not None else "cold n/a (not root)  "
    verdict = f"  (target < {target}: {'met' if worst < target else 'NOT met'})" if target else ""
    print(f"{name} median {statistics.median(warm):.3f}  {cold_text}max_warm {max(warm):.3f}{verdict}")


def compare_servers(server: Path, minimal: Path, runs: int) -> None:
    """Ours and the minimal binary, each from a data dir of its own, alternating."""
    scratch = scratch_dir("scorm-binary-")
    dirs = {"ours": scratch / "data", "minimal": scratch / "minimal-data"}
    programs = {"ours": server, "minimal": minimal}
    for name in programs:  # first start: ours creates its database; not counted
        server_start(programs[name], dirs[name])
    cold = {n: server_start(programs[n], dirs[n]) if drop_caches() else None for n in programs}
    warm = alternate({n: (lambda n=n: server_start(programs[n], dirs[n])) for n in programs}, runs)
    report("minimal_binary_start_to_first_200_s", cold["minimal"], warm["minimal"], None)
    report("server_start_to_first_200_s", cold["ours"], warm["ours"], None)
    ratio = statistics.median(warm["ours"]) / statistics.median(warm["minimal"])
    print(
        f"server_ratio {ratio:.2f}  (ours / minimal binary, warm medians; target <= {TARGET_RATIO:g}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})"
    )
    shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--server", type=Path, default=ROOT / "dist" / "scorm-api-server")
    parser.add_argument("--desktop", type=Path, default=ROOT / "dist" / "scorm-api")
    parser.add_argument("--no-desktop", action="store_true")
    args = parser.parse_args()
    runs = 3 if quick() else 7

    server = ensure_built(args.server.resolve(), "server")
    minimal = build_minimal(ROOT / "build" / "minimal-server")
    print(f"server_binary_mib {server.stat().st_size / MiB:.1f}")
    print(f"minimal_binary_mib {minimal.stat().st_size / MiB:.1f}")
    compare_servers(server, minimal, runs)

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
