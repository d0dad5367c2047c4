"""Python's cyclic garbage collection moved onto the GUI thread while Qt windows are open.

The collector runs in whichever thread happens to allocate when a generation's threshold is
crossed: in this process usually one of the server's request threads. A closed window leaves
Qt wrappers in reference cycles; collected on a request thread, their destructors tear down
QtWebEngine's GL context there, and Qt answers a GL context used from another thread with
qFatal: the whole app aborts (the desktop journey test met this in some checkouts and not in
others, because when the collector fires depends on how much every thread has allocated).

So automatic collection is off while the GUI loop runs, and a timer on the GUI thread collects
whatever generations the allocation counts say are due, exactly as the automatic collector
would, just always on this thread. Reference counting still frees everything not in a cycle at
once, on any thread; only cycles wait for the next tick.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

log = logging.getLogger(__name__)

TICK_MS = 500  # cycles wait at most this long: garbage, not latency, on any request


def collect_due() -> int:
    """Collect the oldest generation whose count passed its threshold (what CPython's own
    collector would pick); returns the generation collected, or -1 when none was due."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    due = -1
    for generation in range(3):
        if counts[generation] > thresholds[generation]:
            due = generation
    if due >= 0:
        gc.collect(due)
    return due


class GuiThreadCollector:
    """`start` before the GUI loop (automatic collection stops at once), `stop` after it."""

    def __init__(self, wait_seconds: float = 60.0) -> None:
        self._wait_seconds = wait_seconds
        self._timer: object = None  # the GUI thread's; kept here so Python does not drop it

    def start(self) -> None:
        gc.disable()
        threading.Thread(target=self._install, name="gui-gc", daemon=True).start()

    def stop(self) -> None:
        """After the GUI loop: no window is left, the collector may run anywhere again."""
        gc.enable()

    def _install(self) -> None:
        from qtpy.QtCore import QTimer
        from qtpy.QtWidgets import QApplication

        deadline = time.monotonic() + self._wait_seconds
        while (app := QApplication.instance()) is None:
            if time.monotonic() > deadline:
                log.warning("no Qt application appeared: garbage collection stays automatic")
                gc.enable()
                return
            time.sleep(0.05)
        # A zero-delay single shot with a context object runs on that object's thread: the
        # timer is created, started and fired on the GUI thread.
        QTimer.singleShot(0, app, self._start_timer)

    def _start_timer(self) -> None:
        from qtpy.QtCore import QTimer
        from qtpy.QtWidgets import QApplication

        timer = QTimer(QApplication.instance())
        timer.timeout.connect(collect_due)
        timer.start(TICK_MS)
        self._timer = timer
        log.info("garbage collection runs on the GUI thread")
