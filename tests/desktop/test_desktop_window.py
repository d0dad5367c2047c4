"""The desktop app for real: `scorm-api desktop` on a virtual X screen (Xvfb), its windows
driven through QtWebEngine's DevTools port and closed the way a window manager closes them."""

from __future__ import annotations

import pytest

from tests.desktop.journey import run_desktop_journey
from tests.desktop.support import desktop_stack_available, need, python_cmd

pytestmark = pytest.mark.desktop


@pytest.fixture
def desktop_cmd():
    need("pywebview with PySide6 (QtWebEngine)", desktop_stack_available())
    return python_cmd()


def test_desktop_app_from_source(desktop_cmd, screen, tmp_path):
    run_desktop_journey(desktop_cmd, screen, tmp_path, "desktop")
