"""The Sync to cloud page in Debian's Chromium: save a target, a dry run, a run with its live
progress and report, then a conflict settled from the page. Two real servers."""

import re

import pytest
import requests

from tests.dashboard.pages import first_sign_in, laptop_page
from tests.support import bearer, screenshot
from tests.sync.support import changed_on_both_sides, sync

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def sync_page(pair, browser):
    context, page = laptop_page(browser)
    yield pair, page
    context.close()


def test_sync_from_the_dashboard(sync_page, laptop_data):
    (laptop, cloud), page = sync_page
    first_sign_in(laptop.srv, page)
    page.get_by_role("link", name="Sync", exact=True).click()
    page.get_by_role("heading", name="Not synced yet").wait_for()
    assert page.get_by_role("button", name="Sync now").is_disabled()
    screenshot(page, "dashboard-sync-empty")

    page.get_by_label("Target address").fill(cloud.url)
    page.get_by_label("Your tenant id on the target").fill(cloud.tenant_id())
    page.get_by_label("API key on the target").fill(cloud.srv.admin_key)
    page.get_by_role("button", name="Save target").click()
    page.locator("#toast").filter(has_text="Target saved").wait_for()
    assert page.get_by_label("API key on the target").input_value() == ""  # never shown again
    assert cloud.srv.admin_key[-4:] in page.get_by_label("API key on the target").get_attribute("placeholder")

    page.get_by_role("button", name="Dry run").click()
    page.get_by_text("Would send 2 packages").wait_for(timeout=30_000)
    page.get_by_text("The target would count 3 launches").wait_for()
    plan = page.locator(".sync-status").inner_text()
    assert re.search(r"3 sessions, \d+ activity records, 0 webhooks and 0 dispatches\.", plan), plan
    screenshot(page, "dashboard-sync-dry-run")
    assert cloud.packages() == []

    laptop.call("POST", "/api/v1/webhooks", json={"url": "https://lms.example.org/hook", "event_type": "*"})
    page.get_by_role("button", name="Sync now").click()
    page.get_by_role("heading", name="Last run").wait_for(timeout=60_000)
    report = page.locator(".sync-status table").first
    report.wait_for()
    assert "package" in report.inner_text() and "session" in report.inner_text()
    assert len(cloud.packages()) == 2 and len(cloud.sessions()) == 3
    # Started here, and said so (not "api").
    page.locator("tr", has_text="from the dashboard").first.wait_for()
    # The webhook made there, with the secret the target made: on the page this once.
    page.get_by_role("heading", name="Webhooks made on the target").wait_for()
    row = page.locator("tr", has_text="https://lms.example.org/hook")
    assert row.locator("code").inner_text().startswith("whsec_")
    screenshot(page, "dashboard-sync-done")
    page.reload()
    page.get_by_role("heading", name="Webhooks made on the target").wait_for(timeout=30_000)
    assert row.locator("code").count() == 0 and "shown" in row.inner_text()

    # a conflict, shown on the page and settled there
    changed_on_both_sides(laptop, cloud, laptop_data["sessions"][2])
    assert sync(laptop, cloud)[0] == 2
    page.reload()
    page.get_by_role("heading", name="Conflicts (1)").wait_for()
    # The choice is not blind: whose course, and both versions of what differs.
    row = page.locator("tr[data-conflict]")
    cells = row.locator(":scope > td")
    assert cells.nth(0).inner_text() == "Bob (bob)"
    assert cells.nth(1).inner_text() == "Golf Explained - Minimum Run-time Calls"
    sides = cells.nth(2).locator("table.sides")
    assert sides.locator("thead th").all_inner_texts()[1:] == ["This computer", "The target"]
    assert sides.locator("tbody tr", has_text="Bookmark").locator("td").all_inner_texts() == [
        "laptop-side",
        "cloud-side",
    ]
    assert "Changed here" in cells.nth(2).inner_text() and "on the target" in cells.nth(2).inner_text()
    row.scroll_into_view_if_needed()
    screenshot(page, "dashboard-sync-conflict")
    page.get_by_role("button", name="Keep this computer's").click()
    page.locator("#toast").filter(has_text="goes at the next sync").wait_for()
    page.get_by_role("heading", name="Conflicts (1)").wait_for(state="detached")
    open_now = requests.get(
        laptop.url + "/api/v1/sync/conflicts?status=open", headers=bearer(laptop.srv.admin_key), timeout=10
    ).json()
    assert open_now["conflicts"] == []
    assert page.errors == []


def test_a_dry_run_to_the_cloud_lists_what_cannot_travel(sync_page, laptop_data, cloud):
    (laptop, _), page = sync_page
    first_sign_in(laptop.srv, page)
    page.get_by_role("link", name="Sync", exact=True).click()
    page.get_by_label("Target address").fill(cloud.url)
    page.get_by_label("Your tenant id on the target").fill(cloud.tenant_id())
    page.get_by_label("API key on the target").fill(cloud.srv.admin_key)
    page.get_by_role("button", name="Save target").click()
    page.locator("#toast").filter(has_text="Target saved").wait_for()
    page.get_by_role("button", name="Dry run").click()
    page.get_by_role("heading", name="Not carried to this target").wait_for(timeout=30_000)
    listed = page.locator(".sync-status ul").inner_text()
    assert "The learner's name" in listed and "3 sessions" in listed
    assert "CMI data of a multi-SCO course's other SCOs (the cloud keeps one item's): 1 session\n" in listed
    screenshot(page, "dashboard-sync-dry-run-cloud")
    assert cloud.packages() == [] and page.errors == []
