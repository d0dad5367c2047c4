"""The webhooks tests' receiver, for tests/webhooks and the dashboard's Webhooks page. The root
conftest registers this module with pytest_plugins."""

import pytest

from tests.webhooks.support import Receiver


@pytest.fixture
def receiver(tmp_path):
    r = Receiver(tmp_path)
    r.start()
    yield r
    r.stop()
