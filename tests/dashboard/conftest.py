"""The dashboard's browser tests' fixture: a real server and a laptop-sized page."""

import pytest

from tests.dashboard.pages import laptop_page


@pytest.fixture
def dash(live_server, browser):
    context, page = laptop_page(browser)
    yield live_server, page
    context.close()
