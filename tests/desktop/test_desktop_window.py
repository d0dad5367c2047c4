"""The desktop app for real: `scorm-api desktop` on a virtual X screen (Xvfb), its windows
driven through QtWebEngine's DevTools port and closed the way a window manager closes them."""

from __future__ import annotations

import pytest

from scorm_api.desktop.windows import DASHBOARD_SIZE, MARGIN

from tests.desktop.journey import run_desktop_journey
from tests.desktop.support import VirtualScreen, need_qt, python_cmd, start_desktop
from tests.support import free_port, wait_until

pytestmark = pytest.mark.desktop


@pytest.fixture
def desktop_cmd():
    need_qt({"DISPLAY": ":0"})  # the xcb plugin's libraries too: the app opens X windows
    return python_cmd()


def test_desktop_app_from_source(desktop_cmd, screen, tmp_path):
    run_desktop_journey(desktop_cmd, screen, tmp_path, "desktop")


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["laptop-1366x768", "full-hd-1920x1080"])
def test_the_dashboard_window_fits_its_screen_and_is_centred(desktop_cmd, screen, tmp_path, size):
    """A 1366x768 laptop shows the whole window, top included (it is shrunk to the screen); a
    larger screen gets the window's preferred size. Either way it is centred."""
    small = VirtualScreen(size)
    try:
        app = start_desktop(desktop_cmd, tmp_path / "data", small, free_port(), tmp_path)
        try:
            dashboard = app.page(lambda p: p.title.startswith("Packages ·"), 60)
            wait_until(lambda: dashboard.evaluate("document.body.innerText.includes('No courses yet')"), 30)
            x, y, width, height = wait_until(lambda: small.window_geometry("SCORM API appliance"), 30)
            name = f"desktop-window-{size[0]}x{size[1]}"
            wait_until(lambda: small.screenshot(name)[1] > 50, 20, interval=0.5)  # painted
            assert x >= 0 and y >= 0 and x + width <= size[0] and y + height <= size[1], (x, y, width, height)
            expected = tuple(
                min(want, have - margin)
                for want, have, margin in zip(DASHBOARD_SIZE, size, MARGIN, strict=True)
            )
            assert (width, height) == expected
            assert (x, y) == ((size[0] - width) // 2, (size[1] - height) // 2)  # centred
            small.close_window("SCORM API appliance", until=lambda: app.proc.poll() is not None)
            assert app.wait(60) == 0, app.output()
        finally:
            app.kill()
    finally:
        small.close()
