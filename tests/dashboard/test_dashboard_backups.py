"""The settings page's Backups card in Chromium: schedule backups into a folder, back up now,
see the file listed, a missing folder said in words, stop the schedule."""

import pytest
import requests

from scorm_api.backup import reader

from tests.dashboard.pages import first_sign_in
from tests.support import bearer, screenshot

pytestmark = pytest.mark.browser

PASS = "stick passphrase"


def test_a_trainer_schedules_backups_and_backs_up_now(dash, tmp_path):
    srv, page = dash
    usb = tmp_path / "usb"
    usb.mkdir()
    first_sign_in(srv, page)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Backups").wait_for()
    page.get_by_label("Folder for the backups (its full path)").fill(str(tmp_path / "unplugged"))
    page.get_by_label("Passphrase").fill(PASS)
    page.get_by_role("button", name="Schedule backups").click()
    page.locator(".toast.bad", has_text="is the drive plugged in").wait_for()

    page.get_by_label("Folder for the backups (its full path)").fill(str(usb))
    page.get_by_label("Backups to keep").fill("3")
    page.get_by_role("button", name="Schedule backups").click()
    page.get_by_text("Backups scheduled into " + str(usb)).wait_for()
    page.get_by_role("button", name="Back up now").click()
    page.get_by_text("Backup written: scorm-api-backup-").wait_for(timeout=60_000)
    row = page.locator("#backups tbody tr").first
    row.wait_for()
    name = row.locator("td").first.inner_text()
    assert (usb / name).is_file() and "Last backup" in page.locator("#backups").inner_text()
    screenshot(page, "dashboard-settings-backups")
    assert reader.verify(usb / name, PASS).counts["api_key"] >= 1

    got = requests.get(srv.url + "/api/v1/settings/backups", headers=bearer(srv.admin_key), timeout=10).json()
    assert (got["folder"], got["keep"], got["every_hours"]) == (str(usb), 3, 24)

    page.get_by_role("button", name="Stop backups").click()
    page.get_by_role("dialog").get_by_role("button", name="Stop backups").click()
    page.get_by_text("Scheduled backups stopped").wait_for()
    page.get_by_role("button", name="Schedule backups").wait_for()
    assert (usb / name).is_file()  # the files written stay
    assert page.errors == []
