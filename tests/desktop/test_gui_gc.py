"""Cycles are collected on the GUI thread while the desktop's Qt loop runs (scorm_api/desktop/
gui_gc.py): a Qt window's wrappers collected on a server thread abort the whole app."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap

import pytest

from scorm_api.desktop import gui_gc

from tests.desktop.support import need_qt

# A real QApplication (offscreen: no display needed) with the collector started before it, as
# the desktop does; a request-like thread then makes more cyclic garbage than the youngest
# generation's threshold, which the automatic collector would reclaim right there on that
# thread. Where each cycle's finaliser ran is what the child prints.
CHILD = textwrap.dedent(
    """
    import gc, json, sys, threading, time
    from qtpy.QtCore import QTimer
    from qtpy.QtWidgets import QApplication
    from scorm_api.desktop.gui_gc import GuiThreadCollector

    CYCLES = 5000
    where = []

    class Cycle:
        def __init__(self):
            self.me = self
        def __del__(self):
            where.append(threading.current_thread().name)

    def server_thread():
        for _ in range(CYCLES):
            Cycle()

    collector = GuiThreadCollector()
    collector.start()
    app = QApplication(sys.argv)
    worker = threading.Thread(target=server_thread, name="request-thread")
    QTimer.singleShot(200, worker.start)
    QTimer.singleShot(2500, app.quit)
    app.exec()
    enabled_in_loop = gc.isenabled()
    collector.stop()
    print(json.dumps({"where": sorted(set(where)), "count": len(where),
                      "enabled_in_loop": enabled_in_loop, "enabled_after": gc.isenabled()}))
    """
)


@pytest.mark.desktop
def test_cycles_die_on_the_gui_thread_not_on_the_thread_that_allocates():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_API": "pyside6"}
    need_qt(env)
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["count"] == 5000  # every cycle was collected, within the loop's 2.5 s
    assert result["where"] == ["MainThread"], result
    assert result["enabled_in_loop"] is False and result["enabled_after"] is True


def test_collect_due_picks_the_oldest_generation_past_its_threshold(monkeypatch):
    collected = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
    monkeypatch.setattr(gc, "get_threshold", lambda: (700, 10, 10))
    for counts, expected in [((5, 0, 0), -1), ((701, 3, 0), 0), ((701, 11, 2), 1), ((701, 11, 11), 2)]:
        monkeypatch.setattr(gc, "get_count", lambda counts=counts: counts)
        assert gui_gc.collect_due() == expected
    assert collected == [0, 1, 2]
