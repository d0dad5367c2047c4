"""The Webhooks page in Debian's Chromium against a real server and a real receiver process: a
webhook made with its events ticked and a chosen secret, its test event delivered and shown
in its delivery log (signature verified by the receiver), disabled and enabled, deleted."""

import pytest

from tests.dashboard.pages import first_sign_in
from tests.support import screenshot, wait_until
from tests.webhooks.support import SECRET

pytestmark = pytest.mark.browser


def test_a_webhook_made_tested_and_its_log(dash, receiver):
    srv, page = dash
    first_sign_in(srv, page)
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("heading", name="No webhooks").wait_for()
    page.get_by_label("Receiver URL").fill(receiver.url)
    page.get_by_label("All events").uncheck()
    page.get_by_label("session.completed").check()
    page.get_by_label("session.scored").check()
    page.get_by_label("Signing secret (optional)").fill(SECRET)
    page.get_by_role("button", name="Create webhook").click()
    assert page.get_by_label("The webhook's signing secret").input_value() == SECRET
    row = page.locator("tr[data-webhook]")
    row.wait_for()
    assert "session.completed, session.scored" in row.inner_text() and "enabled" in row.inner_text()

    row.get_by_role("button", name="Send test").click()
    wait_until(lambda: any(x["type"] == "webhook.test" for x in receiver.accepted()), timeout=30)
    row.get_by_role("button", name="Deliveries").click()
    delivered = page.locator("#delivery-log tr[data-delivery]", has_text="webhook.test")
    delivered.wait_for()
    wait_until(lambda: "delivered" in _refreshed(row, delivered), timeout=30)
    assert "200" in delivered.inner_text()
    screenshot(page, "dashboard-webhooks")

    row.get_by_role("button", name="Disable").click()
    page.locator("tr[data-webhook]", has_text="disabled").wait_for()
    page.locator("tr[data-webhook]").get_by_role("button", name="Enable").click()
    page.locator("tr[data-webhook]", has_text="enabled").wait_for()
    page.locator("tr[data-webhook]").get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete webhook").click()
    page.get_by_role("heading", name="No webhooks").wait_for()
    assert page.errors == []


def _refreshed(row, delivered) -> str:
    row.get_by_role("button", name="Deliveries").click()
    return delivered.inner_text()
