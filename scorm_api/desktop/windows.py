"""The desktop's windows: dashboard windows (signed in through a one-time token) and course
windows, and closing them without losing a learner's progress.

A course window is closed in two steps: first it navigates away from the player, which runs
the player's pagehide handler (the last commit goes out as a beacon, a sequenced course is
suspended where the learner was), then the window goes. Closing the last dashboard window
closes every course window that way before the GUI loop ends and the server stops.

Windows open at their preferred size when the screen has room for it, and shrink to the
screen (less a margin for panels and the title bar) when it has not, centred on it: a 1366x768
laptop must show the window's top, where the navigation is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

DASHBOARD_SIZE = (1280, 820)
COURSE_SIZE = (1100, 780)
DASHBOARD_MIN, COURSE_MIN = (800, 560), (480, 360)
# Kept free around a window shrunk to its screen: a top panel, a task bar and the window's
# own title bar fit in the height's share, where the screen says nothing of them.
MARGIN = (48, 112)


@dataclass(frozen=True)
class Area:
    """Where windows may go on a screen, in its logical pixels, from its top-left corner (as
    create_window's x and y are)."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Placement:
    x: int
    y: int
    width: int
    height: int
    min_size: tuple[int, int]


def place(area: Area, preferred: tuple[int, int], smallest: tuple[int, int]) -> Placement:
    """The preferred size when it fits in `area` with the margin to spare, else as much as does
    (never under the smallest useful size, nor over the area); centred in the area."""
    room = (max(1, area.width - MARGIN[0]), max(1, area.height - MARGIN[1]))
    width, height = (min(want, have) for want, have in zip(preferred, room, strict=True))
    width, height = min(max(width, smallest[0]), area.width), min(max(height, smallest[1]), area.height)
    return Placement(
        x=area.x + (area.width - width) // 2,
        y=area.y + (area.height - height) // 2,
        width=width,
        height=height,
        min_size=(min(smallest[0], width), min(smallest[1], height)),
    )


def primary_area(webview) -> Area | None:
    """The first screen's usable area: without the panels when the toolkit tells them (Qt's
    available geometry), else the whole screen; None when the toolkit names no screen."""
    screens = webview.screens
    if not screens:
        return None
    screen = screens[0]
    available = getattr(screen.frame, "availableGeometry", None)  # a QScreen under Qt
    if callable(available):
        g = available()
        if g.width() > 0 and g.height() > 0:
            return Area(g.x() - screen.x, g.y() - screen.y, g.width(), g.height())
    return Area(0, 0, screen.width, screen.height)


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
        self._area: Area | None = None
        self.first_dashboard_loaded = threading.Event()

    # ---- opening ---------------------------------------------------------------------------

    def _placed(self, preferred: tuple[int, int], smallest: tuple[int, int]) -> dict:
        """create_window's size and position options for a window of this kind. The screen is
        read once, on the first window (the main thread's, before the GUI loop runs)."""
        if self._area is None:
            self._area = primary_area(self._webview)
        if self._area is None:
            return {"width": preferred[0], "height": preferred[1], "min_size": smallest}
        p = place(self._area, preferred, smallest)
        return {"x": p.x, "y": p.y, "width": p.width, "height": p.height, "min_size": p.min_size}

    def open_dashboard(self):
        window = self._webview.create_window(
            self._title, self._dashboard_url(), **self._placed(DASHBOARD_SIZE, DASHBOARD_MIN)
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
            (title or "Course")[:200], url, **self._placed(COURSE_SIZE, COURSE_MIN)
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
