"""`scorm-api desktop`: the server in this process on a free loopback port, and the dashboard
in a native window (pywebview: Qt with PySide6 on Linux, the system's web view on Windows and
macOS). Closing the last dashboard window stops the server the same way Ctrl-C stops `serve`.

A second launch on the same data dir does not start a second server: it says the app is
already running, asks the running desktop to open another dashboard window (in front), or,
when a headless `serve` holds the data dir, opens a window on that server, and exits.

Before anything is written or Qt is loaded, `qtlibs.problem` checks there is a display and the
system libraries Qt needs (Qt itself would abort the process with a misleading message).
"""

from __future__ import annotations

import hmac
import importlib.util
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass

import requests
from flask import Blueprint, abort, request

from scorm_api import state
from scorm_api.config import Settings
from scorm_api.datadir import check_writable
from scorm_api.desktop import qtlibs
from scorm_api.desktop.gui_gc import GuiThreadCollector
from scorm_api.desktop.windows import Windows
from scorm_api.hooks import Hook
from scorm_api.instance import InstanceLock, RunningInstance, claim

log = logging.getLogger(__name__)

TITLE = "SCORM API appliance"
SHOW_PATH = "/_desktop/show-window"
SECRET_HEADER = "X-Desktop-Secret"


@dataclass(frozen=True)
class Link:
    """What a second launch's show-window request needs: the secret it must send (from
    instance.json) and the windows to open one more dashboard in."""

    secret: str
    windows: Windows


LINK: Hook[Link] = Hook("desktop: the second launch's show-window request")


class DesktopUnavailable(RuntimeError):
    pass


NO_WINDOW = (
    "this build has no desktop window (pywebview is missing): "
    "run `scorm-api serve` and open the dashboard in a browser"
)


def load_webview():
    """Import pywebview with the Qt binding this product ships (PySide6, LGPL), once the system
    has what Qt needs to open a window."""
    # A build without pywebview (the server binary) says so first: what the system lacks for
    # a window does not matter to it. Looked up, not imported: the settings below must come
    # before pywebview loads.
    if importlib.util.find_spec("webview") is None:
        raise DesktopUnavailable(NO_WINDOW)
    unable = qtlibs.problem()
    if unable:
        raise DesktopUnavailable(unable)
    os.environ.setdefault("QT_API", "pyside6")
    gui = gui_name()
    if gui:
        # What pywebview loads when asked for the screens before the GUI loop (windows.py): else
        # it tries GTK first, and logs that failure with a traceback.
        os.environ.setdefault("PYWEBVIEW_GUI", gui)
    if sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium (inside QtWebEngine) refuses to run as root with its sandbox on; a root
        # session is a container or a kiosk, where the sandbox cannot work anyway.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    try:
        import webview
    except ImportError as e:
        raise DesktopUnavailable(NO_WINDOW) from e
    webview.settings["ALLOW_DOWNLOADS"] = True  # CSV exports, dispatch zips: a save dialog
    webview.settings["OPEN_EXTERNAL_LINKS_IN_BROWSER"] = True  # docs links: the user's browser
    return webview


def gui_name() -> str | None:
    return "qt" if sys.platform.startswith("linux") else None  # None: the platform's own


def gui_loop(webview, **options) -> None:
    """pywebview's GUI loop on this (the main) thread, until the last window closes. Under Qt,
    Python's cycle collector runs on the GUI thread meanwhile (gui_gc says why)."""
    gui = gui_name()
    collector = GuiThreadCollector() if gui == "qt" else None
    if collector:
        collector.start()
    try:
        webview.start(gui=gui, **options)
    finally:
        if collector:
            collector.stop()


def sign_in_url(base_url: str) -> str:
    from scorm_api.dashboard import logins

    return f"{base_url}/dashboard/auto-login?token={logins.one_time_token()}&shell=desktop"


def run(settings: Settings, webview=None) -> int:
    webview = webview or load_webview()
    check_writable(settings.data_dir)  # before the lock, itself a file in it
    lock = claim(settings.data_dir)
    if isinstance(lock, RunningInstance):
        return _hand_over(lock, settings, webview)
    try:
        return _run_owner(settings, webview, lock)
    finally:
        lock.release()


def _hand_over(other: RunningInstance, settings: Settings, webview) -> int:
    if other.kind == "desktop":
        print(
            f"The SCORM API appliance is already running on {settings.data_dir} "
            f"(process {other.pid}, {other.url})."
        )
        try:
            resp = requests.post(other.url + SHOW_PATH, headers={SECRET_HEADER: other.secret}, timeout=30)
        except requests.RequestException as e:
            raise DesktopUnavailable(
                f"it does not answer ({type(e).__name__}); if it hangs, stop process {other.pid}"
            ) from None
        if resp.status_code != 204:
            raise DesktopUnavailable(f"it did not open a window: HTTP {resp.status_code}")
        print("Opened a window on the running instance, in front.")
        return 0
    # A headless server holds the data dir: a window on it, without a server of our own.
    from scorm_api.factory import open_data_dir

    open_data_dir(settings)
    windows = Windows(
        webview,
        title=TITLE,
        dashboard_url=lambda: sign_in_url(other.url),
        allowed_prefixes=_allowed(other.url, None),
    )
    windows.open_dashboard()
    print(f"Showing the server at {other.url} (pid {other.pid}) in a window.")
    sys.stdout.flush()
    gui_loop(webview)
    return 0


def _allowed(base_url: str, content_url: str | None) -> tuple[str, ...]:
    return tuple(u.rstrip("/") + "/" for u in (base_url, content_url) if u)


def _run_owner(settings: Settings, webview, lock: InstanceLock) -> int:
    from scorm_api import appliance
    from scorm_api.dashboard.routes import COURSE_WINDOWS

    settings = settings.replace(
        host="127.0.0.1", port=0, log_file=settings.log_file or settings.logs_dir / "scorm-api.log"
    )
    running = appliance.start(settings, blueprints=[show_window_bp])
    shared = state.of(running.app)
    live = shared.settings
    windows = Windows(
        webview,
        title=TITLE,
        dashboard_url=lambda: sign_in_url(running.url),
        allowed_prefixes=_allowed(running.url, live.content_base_url),
    )
    # Both read by requests, which wait in the socket's backlog until serving starts below.
    shared.hooks.add(COURSE_WINDOWS, windows)  # the dashboard's "open course" goes here
    shared.hooks.add(LINK, Link(lock.publish(running.url, "desktop", live.public_url).secret, windows))

    serving = threading.Thread(target=running.server.serve_forever, name="http", daemon=True)
    serving.start()
    print(f"Data dir: {running.settings.data_dir}")
    print(f"Serving on {running.url}  (log: {running.settings.log_file})")
    sys.stdout.flush()
    windows.open_dashboard()
    # SIGTERM (a logout, a service manager) closes the windows as the user would, so course
    # windows still send their last commit; the GUI loop ends and the server stops below.
    signal.signal(
        signal.SIGTERM,
        lambda signum, frame: threading.Thread(
            target=windows.close_all, name="close-on-sigterm", daemon=True
        ).start(),
    )
    try:
        gui_loop(webview, private_mode=True)
    finally:
        log.info("last window closed: stopping the server")
        running.server.stop()
        running.server.wait_stopped(60)
        serving.join(5)
    print("Stopped.")
    return 0


def exit_now(code: int) -> None:
    """End the process once the server has stopped and the database is closed. Python's own
    exit would then tear down QtWebEngine's objects from the interpreter's finalisers, which
    can hang for good; nothing is left to save by then."""
    from scorm_api.server import close_database

    close_database()  # this thread's connection: the last one open, so the WAL folds away
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


# The second launch's request: open another dashboard window. Only a process that can read the
# data dir's instance.json knows the secret.
show_window_bp = Blueprint("desktop", __name__)


@show_window_bp.post(SHOW_PATH)
def show_window():
    link = state.current().hooks.one(LINK)
    if link is None or not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), link.secret):
        abort(404)
    link.windows.open_dashboard()
    log.info("a second launch asked for a window")
    return "", 204
