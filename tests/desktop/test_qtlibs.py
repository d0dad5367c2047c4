"""The desktop's check for what Qt needs from the system (scorm_api/desktop/qtlibs.py): its table
keeps up with the Qt wheels, and a missing library or display is one clear message and exit 1,
before anything is written (no data dir, no stale instance.json), never Qt's abort."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scorm_api.desktop import qtlibs

from tests.desktop.support import needed_libraries
from tests.support import require

# Every Linux system has these (glibc and the C++ runtime): nothing to install.
BASE = {
    "ld-linux-x86-64.so.2",
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libresolv.so.2",
    "libgcc_s.so.1",
    "libstdc++.so.6",
}


def pyside6_dir() -> Path:
    spec = importlib.util.find_spec("PySide6")
    require("PySide6 (pip install -e '.[desktop]')", spec is not None, "SCORM_API_REQUIRE_DESKTOP")
    return Path(next(iter(spec.submodule_search_locations)))


def system_libraries_of(starts: list[Path], bundled: Path) -> dict[str, set[str]]:
    """The system libraries (not in the wheels' Qt/lib, not glibc's) that `starts` and the
    wheels' libraries they load, transitively, link against; each with who needs it."""
    seen: set[Path] = set()
    todo = list(starts)
    found: dict[str, set[str]] = {}
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in needed_libraries(path):
            if (bundled / name).exists():
                todo.append(bundled / name)
            elif name not in BASE and not name.startswith(("libpyside6", "libshiboken6")):
                found.setdefault(name, set()).add(path.name)
    return found


def test_the_table_names_every_system_library_the_qt_window_links_against():
    root = pyside6_dir()
    starts = [
        root / "Qt" / "plugins" / "platforms" / "libqxcb.so",
        root / "Qt" / "libexec" / "QtWebEngineProcess",
        *(
            next(root.glob(f"{module}.*.so"))
            for module in (
                "QtCore",
                "QtGui",
                "QtWidgets",
                "QtNetwork",
                "QtWebEngineCore",
                "QtWebEngineWidgets",
            )
        ),
    ]
    linked = system_libraries_of(starts, root / "Qt" / "lib")
    assert "libxcb-cursor.so.0" in linked and "libnss3.so" in linked  # the walk reached both halves
    unknown = {name: sorted(users) for name, users in linked.items() if name not in qtlibs.LIBRARIES}
    assert not unknown, f"add these to qtlibs with their Debian packages: {unknown}"
    # The xcb half is what only the X11 plugin needs.
    xcb_only = system_libraries_of([starts[0]], root / "Qt" / "lib")
    assert set(qtlibs.XCB) <= set(xcb_only)


def test_this_machine_has_what_the_window_needs_or_says_which_packages():
    lacking = qtlibs.missing({"DISPLAY": ":0"})
    require(
        "Qt's system libraries (apt-get install " + " ".join(sorted(set(lacking.values()))) + ")",
        not lacking,
        "SCORM_API_REQUIRE_DESKTOP",
    )
    assert qtlibs.problem({"DISPLAY": ":0"}) is None


def desktop(
    data_dir: Path, env: dict[str, str], wrap: list[str] | None = None
) -> subprocess.CompletedProcess:
    script = [sys.executable, "-m", "scorm_api", "desktop", "--data-dir", str(data_dir)]
    return subprocess.run([*(wrap or []), *script], capture_output=True, text=True, timeout=120, env=env)


def assert_clean_refusal(out: subprocess.CompletedProcess, data_dir: Path) -> None:
    assert out.returncode == 1, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr and "Qt platform plugin" not in out.stderr, out.stderr
    assert "scorm-api serve" in out.stderr  # what to do meanwhile
    assert not data_dir.exists()  # nothing written: no data dir, so no instance.json either


def test_without_a_display_the_desktop_says_so_and_writes_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = desktop(tmp_path / "data", env)
    assert_clean_refusal(out, tmp_path / "data")
    assert "no display" in out.stderr


def test_a_missing_qt_library_names_its_package_and_writes_nothing(tmp_path):
    """libxcb-cursor0 hidden for real: /dev/null bound over the library file in a private mount
    namespace (the system's file is untouched, and nothing outlives the process)."""
    found = next(
        (
            p
            for p in (Path("/usr/lib/x86_64-linux-gnu"), Path("/lib/x86_64-linux-gnu"))
            if (p / "libxcb-cursor.so.0").exists()
        ),
        None,
    )
    if found is None or not shutil.which("unshare"):
        pytest.skip("needs libxcb-cursor0 installed (to hide it) and unshare")
    real = (found / "libxcb-cursor.so.0").resolve()
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind /dev/null {real}"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a private mount here: {probe.stderr.strip()}")
    env = {**os.environ, "DISPLAY": ":0"}
    env.pop("QT_QPA_PLATFORM", None)
    out = desktop(
        tmp_path / "data",
        env,
        ["unshare", "-m", "sh", "-c", f'mount --bind /dev/null {real} && exec "$@"', "sh"],
    )
    assert_clean_refusal(out, tmp_path / "data")
    assert "libxcb-cursor.so.0" in out.stderr and "sudo apt-get install libxcb-cursor0" in out.stderr, (
        out.stderr
    )
