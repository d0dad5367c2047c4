"""The desktop's windows: dashboard windows (signed in through a one-time token) and course
windows, and closing them without losing a learner's progress.

A course window is closed in two steps: first it navigates away from the player, which runs
the player's pagehide handler (the last commit goes out as a beacon, a sequenced course is
suspended where the learner was), then the window goes. Closing the last dashboard window
closes every course window that way before the GUI loop ends and the server stops.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

DASHBOARD_SIZE = (1280, 820)
COURSE_SIZE = (1100, 780)
# A page that runs no pagehide handler answers its blank page at once; this is the longest a
# hung course may hold up closing its window.
UNLOAD_WAIT_SECONDS = 3.0


class Windows:
    def __init__(
        self, webview, *, title: str, dashboard_url: Callable[[], str], allowed_prefixes: tuple[str, ...]
    ):
        self._webview = webview
        self._title = title
        self._dashboard_url = dashboard_url  # mints a fresh one-time sign-in each call
        self._allowed = allowed_prefixes
        self._lock = threading.Lock()
        self._dashboards: list = []
        self._courses: list = []
        self._closable: set[str] = set()  # uids whose closing may now go through
        self.first_dashboard_loaded = threading.Event()

    # ---- opening ---------------------------------------------------------------------------

    def open_dashboard(self):
        window = self._webview.create_window(
            self._title,
            self._dashboard_url(),
            width=DASHBOARD_SIZE[0],
            height=DASHBOARD_SIZE[1],
            min_size=(800, 560),
        )
        with self._lock:
            self._dashboards.append(window)
        window.events.closing += lambda: self._closing_dashboard(window)
        window.events.closed += lambda: self._forget(window)
        window.events.loaded += lambda: self._loaded(window)
        return window

    def open_course(self, url: str, title: str | None = None):
        if not isinstance(url, str) or not url.startswith(self._allowed):
            raise ValueError("only this appliance's launch links open in a course window")
        window = self._webview.create_window(
            (title or "Course")[:200], url, width=COURSE_SIZE[0], height=COURSE_SIZE[1], min_size=(480, 360)
        )
        with self._lock:
            self._courses.append(window)
        window.events.closing += lambda: self._closing_course(window)
        window.events.closed += lambda: self._forget(window)
        log.info("course window opened", extra={"fields": {"url": url.split("?", 1)[0]}})
        return window

    def _loaded(self, window) -> None:
        if window in self._dashboards and not self.first_dashboard_loaded.is_set():
            self.first_dashboard_loaded.set()
            log.info("dashboard shown in the window")

    # ---- closing ---------------------------------------------------------------------------

    @staticmethod
    def _drop(group: list, window) -> None:
        if window in group:
            group.remove(window)

    def _forget(self, window) -> None:
        with self._lock:
            self._drop(self._dashboards, window)
            self._drop(self._courses, window)
            self._closable.discard(window.uid)

    def _closing_course(self, window) -> bool:
        """pywebview asks before a window closes: False keeps it open for now."""
        with self._lock:
            if window.uid in self._closable:
                self._drop(self._courses, window)
                return True
        threading.Thread(
            target=self._unload_and_destroy, args=(window,), daemon=True, name="close-course"
        ).start()
        return False

    def _closing_dashboard(self, window) -> bool:
        # A window whose closing goes through leaves the lists now, not when pywebview's
        # "closed" event gets round to it: two dashboards closed together must not each see
        # the other and leave the course windows (and the app) open.
        with self._lock:
            others = [w for w in self._dashboards if w is not window]
            courses = list(self._courses)
            if window.uid in self._closable or others or not courses:
                self._drop(self._dashboards, window)
                return True
        # The last dashboard window takes the course windows with it, each closed gently.
        threading.Thread(
            target=self._close_all_then, args=(courses, window), daemon=True, name="close-all"
        ).start()
        return False

    def _unload_and_destroy(self, window) -> None:
        log.info("closing a course window: unloading the player first")
        try:
            window.events.loaded.clear()
            window.load_url("about:blank")
            if not window.events.loaded.wait(UNLOAD_WAIT_SECONDS):
                log.warning("a course window did not unload in time; closing it anyway")
        except Exception:  # the window went while we were unloading it
            log.info("course window gone while unloading", exc_info=True)
        with self._lock:
            self._closable.add(window.uid)
        try:
            window.destroy()
        except Exception:
            log.info("course window already gone", exc_info=True)

    def _close_all_then(self, courses: list, *dashboards) -> None:
        workers = [threading.Thread(target=self._unload_and_destroy, args=(w,), daemon=True) for w in courses]
        for t in workers:
            t.start()
        for t in workers:
            t.join(UNLOAD_WAIT_SECONDS + 2)
        for dashboard in dashboards:
            with self._lock:
                self._closable.add(dashboard.uid)
            dashboard.destroy()

    def close_all(self) -> None:
        """Close every window as if the user had (SIGTERM, a logout): courses first, gently."""
        with self._lock:
            courses, dashboards = list(self._courses), list(self._dashboards)
        self._close_all_then(courses, *dashboards)
