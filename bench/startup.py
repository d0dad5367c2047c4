"""Server start (process spawn) to the first 200 on /api/health, from source, side by side with
a minimal Flask + waitress app started the same way (`python -m <program> serve --data-dir D
--port P`, spawn to its first 200 on /api/health). Alternating rounds, medians; target: ours
within 2x the minimal app.

Both programs' modules are compiled first (python -m compileall): an installed wheel has its
bytecode, and this environment sets PYTHONDONTWRITEBYTECODE, so a source tree would otherwise
be compiled again at every start, which is not what an installed appliance pays.
"""

import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from _common import quick
from tests.support import free_port, scratch_dir

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0

# The floor: Flask and waitress, one route, nothing else. It takes the same arguments as
# `scorm-api serve` so both are spawned by the same code.
MINIMAL_APP = """\
import signal
import sys
from pathlib import Path

from flask import Flask, jsonify
from waitress import serve

app = Flask(__name__)


@app.get("/api/health")
def health():
    return jsonify(status="ok")


def main(argv):
    args = dict(zip(argv[1::2], argv[2::2]))  # serve --data-dir D --port P
    Path(args["--data-dir"]).mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))  # stops cleanly, as ours
    serve(app, host="127.0.0.1", port=int(args["--port"]))


if __name__ == "__main__":
    main(sys.argv[1:])
"""


def write_minimal_app(folder: Path) -> Path:
    """The minimal app as a package `minimal_app` in `folder` (run with `-m` from there)."""
    package = folder / "minimal_app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(MINIMAL_APP)
    return folder


def compile_modules(*folders: Path) -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", *map(str, folders)], check=True)


def once(data_dir: Path, port: int, program: list[str] | None = None, cwd: Path = ROOT) -> float:
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
        cwd=cwd,
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


def alternate(programs: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each program once per round, in turn (the order swapped every other round), so that a
    busy spell on the machine falls on both alike."""
    times: dict[str, list[float]] = {name: [] for name in programs}
    names = list(programs)
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            times[name].append(programs[name]())
    return times


def compare(name: str, ours: list[float], baseline: list[float], baseline_name: str) -> None:
    """Both medians and the ratio of ours to the baseline, against TARGET_RATIO."""
    ratio = statistics.median(ours) / statistics.median(baseline)
    print(f"{baseline_name} median {statistics.median(baseline):.3f}  max {max(baseline):.3f}")
    print(f"{name} median {statistics.median(ours):.3f}  max {max(ours):.3f}")
    print(
        f"ratio {ratio:.2f}  (ours / {baseline_name}, medians; target <= {TARGET_RATIO:g}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})"
    )


if __name__ == "__main__":
    rounds = 3 if quick() else 9
    scratch = scratch_dir("scorm-start-")
    minimal = write_minimal_app(scratch / "minimal")
    compile_modules(ROOT / "scorm_api", minimal)
    print("bytecode compiled first for both programs (python -m compileall), as a wheel installs it")
    data_dir, minimal_data = scratch / "data", scratch / "minimal-data"
    first = once(data_dir, free_port())  # creates the database and the first key
    once(minimal_data, free_port(), [sys.executable, "-m", "minimal_app"], minimal)  # warms the cache
    times = alternate(
        {
            "ours": lambda: once(data_dir, free_port()),
            "minimal": lambda: once(
                minimal_data, free_port(), [sys.executable, "-m", "minimal_app"], minimal
            ),
        },
        rounds,
    )
    print(f"first_start_s {first:.3f}  (new data dir: schema + first key)")
    compare("start_to_first_200_s", times["ours"], times["minimal"], "minimal_flask_waitress_s")
