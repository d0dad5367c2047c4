"""The virtual X screen (Xvfb) as a session fixture, for the desktop tests and the binary
tests. The root conftest registers this module with pytest_plugins."""

import shutil

import pytest

from tests.desktop.support import VirtualScreen, need


@pytest.fixture(scope="session")
def screen():
    need("Xvfb", shutil.which("Xvfb") is not None)
    for module in ("PIL", "Xlib", "websocket"):
        try:
            __import__(module)
        except ImportError:
            need(f"the Python module {module}", False)
    s = VirtualScreen()
    yield s
    s.close()
