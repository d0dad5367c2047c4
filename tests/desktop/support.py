"""Driving the real desktop app on a virtual screen: Xvfb, X window closing (what a window
manager's close button sends), screenshots, and the pages inside the app's windows through
QtWebEngine's DevTools protocol."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from scorm_api.desktop import qtlibs

from tests.support import require, wait_until

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def need(what: str, ok: bool) -> None:
    """Skip where the desktop stack is absent, unless .ci/run requires it (then fail)."""
    require(what, ok, "SCORM_API_REQUIRE_DESKTOP")


def need_qt(environ: dict[str, str]) -> None:
    """pywebview and PySide6 importable, and the system libraries Qt loads for `environ`'s
    platform (the Debian packages named when they are missing)."""
    need("pywebview with PySide6 (QtWebEngine)", desktop_stack_available())
    lacking = qtlibs.missing(environ)
    need(
        "the system libraries Qt needs (apt-get install " + " ".join(sorted(set(lacking.values()))) + ")",
        not lacking,
    )


class VirtualScreen:
    def __init__(self, size: tuple[int, int] = (1400, 900)):
        self.size = size
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_fd),
                "-screen",
                "0",
                f"{size[0]}x{size[1]}x24",
                "-nolisten",
                "tcp",
            ],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def screenshot(self, name: str) -> tuple[Path, int]:
        """The whole screen as test-artifacts/<name>.png, and how many colours it has."""
        from PIL import ImageGrab

        image = ImageGrab.grab(xdisplay=self.display)
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        image.save(path)
        return path, len(image.getcolors(maxcolors=1 << 24))

    def window_titles(self) -> list[str]:
        with self._x() as (d, root):
            return [t for _, t in _top_windows(d, root)]

    def window_geometry(self, title_part: str) -> tuple[int, int, int, int]:
        """The first viewable top-level window titled *title_part*: x, y, width, height on the
        screen."""
        with self._x() as (d, root):
            window = next((w for w, t in _top_windows(d, root) if title_part in t), None)
            assert window is not None, f"no window titled *{title_part}*"
            g = window.get_geometry()
            at = root.translate_coords(window, 0, 0)
            return at.x, at.y, g.width, g.height

    def close_window(self, title_part: str, until=None, timeout: float = 60) -> None:
        """Send WM_DELETE_WINDOW, as a window manager's close button does; with `until`, click
        again every few seconds until it holds (as a user would if the first click were lost)."""
        deadline = time.monotonic() + timeout
        self._send_close(title_part)
        while until is not None and not until():
            assert time.monotonic() < deadline, f"windows *{title_part}* did not close"
            try:
                wait_until(until, 5)
            except AssertionError:
                if any(title_part in t for t in self.window_titles()):
                    self._send_close(title_part)

    def _send_close(self, title_part: str) -> None:
        from Xlib import X
        from Xlib.protocol import event

        with self._x() as (d, root):
            windows = _top_windows(d, root)
            matches = [w for w, t in windows if title_part in t]
            assert matches, f"no window titled *{title_part}* among {[t for _, t in windows]}"
            protocols, delete = d.intern_atom("WM_PROTOCOLS"), d.intern_atom("WM_DELETE_WINDOW")
            for w in matches:
                w.send_event(
                    event.ClientMessage(
                        window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
                    )
                )
            d.flush()

    def _x(self):
        from contextlib import contextmanager

        from Xlib import display

        @contextmanager
        def opened():
            d = display.Display(self.display)
            try:
                yield d, d.screen().root
            finally:
                d.close()

        return opened()


def _top_windows(d, root):
    out = []
    net_wm_name = d.intern_atom("_NET_WM_NAME")
    for w in root.query_tree().children:
        try:
            name = w.get_full_text_property(net_wm_name) or w.get_wm_name()
            attrs = w.get_attributes()
        except Exception:  # a window that went away meanwhile
            continue
        if name and attrs.map_state == 2:  # IsViewable
            out.append((w, str(name)))
    return out


def desktop_stack_available() -> bool:
    try:
        import webview  # noqa: F401
        from PySide6 import QtWebEngineWidgets  # noqa: F401
    except ImportError:
        return False
    return True


# ---- the pages in the app's windows (QtWebEngine's DevTools protocol) -----------------------


class Page:
    def __init__(self, info: dict):
        self.info = info
        self.url = info["url"]
        self.title = info["title"]

    def evaluate(self, expression: str, timeout: float = 20):
        """Run a script in the page (awaiting a promise) and return its JSON value."""
        import websocket

        ws = websocket.create_connection(
            self.info["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True
        )
        try:
            ws.send(
                json.dumps(
                    {
                        "id": 1,
                        "method": "Runtime.evaluate",
                        "params": {"expression": expression, "awaitPromise": True, "returnByValue": True},
                    }
                )
            )
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == 1:
                    break
        finally:
            ws.close()
        result = msg["result"]
        if "exceptionDetails" in result:
            raise AssertionError(f"script failed in {self.url}: {result['exceptionDetails']}")
        return result["result"].get("value")


@dataclass
class DesktopApp:
    proc: subprocess.Popen
    data_dir: Path
    debug_port: int
    out_path: Path
    url: str = ""
    started: float = field(default_factory=time.monotonic)

    def pages(self) -> list[Page]:
        try:
            listed = requests.get(f"http://127.0.0.1:{self.debug_port}/json", timeout=5).json()
        except requests.RequestException:
            return []
        return [Page(p) for p in listed if p.get("type") == "page"]

    def page(self, predicate, timeout: float = 30) -> Page:
        return wait_until(lambda: next((p for p in self.pages() if predicate(p)), None), timeout)

    def owns(self, pid: int) -> bool:
        """The app's own process, or (a one-file binary unpacks, then runs itself as a child)
        its child."""
        if pid == self.proc.pid:
            return True
        status = Path(f"/proc/{pid}/status").read_text()
        return f"PPid:\t{self.proc.pid}\n" in status

    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def wait(self, timeout: float = 60) -> int:
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def start_desktop(
    cmd: list[str], data_dir: Path, screen: VirtualScreen, debug_port: int, tmp_path: Path
) -> DesktopApp:
    out_path = tmp_path / f"desktop-{time.monotonic_ns()}.out"
    env = {
        **os.environ,
        "DISPLAY": screen.display,
        "PYTHONUNBUFFERED": "1",
        "QTWEBENGINE_REMOTE_DEBUGGING": f"127.0.0.1:{debug_port}",
    }
    env.pop("QT_QPA_PLATFORM", None)
    with out_path.open("w") as out:
        proc = subprocess.Popen(
            [*cmd, "desktop", "--data-dir", str(data_dir)], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    app = DesktopApp(proc, data_dir, debug_port, out_path)
    info = data_dir / "instance.json"

    def published():
        if proc.poll() is not None:
            raise AssertionError(f"the desktop app exited early ({proc.returncode}):\n{app.output()}")
        return info.exists() and json.loads(info.read_text())

    app.url = wait_until(published, 60)["url"]
    return app


def python_cmd() -> list[str]:
    return [sys.executable, "-m", "scorm_api"]


# ---- what the Qt wheels link against (their ELF files' DT_NEEDED entries) ------------------


def needed_libraries(path: Path) -> list[str]:
    """The shared libraries an ELF64 little-endian file names as DT_NEEDED, read from its
    section headers (the dynamic section and the string table it links to)."""
    import struct

    with path.open("rb") as f:
        head = f.read(64)
        assert head[:4] == b"\x7fELF" and head[4] == 2 and head[5] == 1, f"{path}: not ELF64 LE"
        (shoff,) = struct.unpack_from("<Q", head, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", head, 0x3A)
        f.seek(shoff)
        table = f.read(shentsize * shnum)
        sections = [struct.unpack_from("<IIQQQQIIQQ", table, i * shentsize) for i in range(shnum)]

        def read(section) -> bytes:
            f.seek(section[4])
            return f.read(section[5])

        dynamic = next((s for s in sections if s[1] == 6), None)  # SHT_DYNAMIC
        if dynamic is None:
            return []
        strings = read(sections[dynamic[6]])
        entries = read(dynamic)
    names = []
    for tag, value in struct.iter_unpack("<qQ", entries):
        if tag == 0:  # DT_NULL ends the table
            break
        if tag == 1:  # DT_NEEDED
            names.append(strings[value : strings.index(b"\0", value)].decode())
    return names
