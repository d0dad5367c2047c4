"""The Dispatches page in Debian's Chromium against a real server: a dispatch of a real course
made through the page, its launch link copied, its ZIP made and downloaded, one launch from the
partner's LMS shown in its figures and learners, its count reset, disabled and revoked."""

import io
import zipfile

import pytest
import requests

from tests.dashboard.pages import first_sign_in
from tests.support import bearer, screenshot
from tests.sync.support import Api

pytestmark = pytest.mark.browser

GOLF = "golf_scorm12_runtime_basic.zip"
PARTNER_PAGE = "https://lms.partner.example/course/7"  # the host LMS's page the shell runs in


def test_a_dispatch_made_sent_launched_and_revoked(dash, tmp_path):
    srv, page = dash
    pkg = Api(srv).upload(GOLF)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    first_sign_in(srv, page)
    page.get_by_role("link", name="Dispatches").click()
    page.get_by_role("heading", name="No dispatches yet").wait_for()
    page.get_by_label("Course").select_option(pkg["id"])
    page.get_by_label("Name", exact=True).fill("Golf for Partner Co")
    page.get_by_label("Learner limit").fill("5")
    page.get_by_label("Expires after").fill("30")
    domains = page.get_by_label("Allowed domains, one per line")
    domains.fill("partner example")  # refused, with the API's own words
    page.get_by_role("button", name="Create dispatch").click()
    page.locator(".toast.bad", has_text="is not a host name such as partner.com").wait_for()
    domains.fill("*.partner.example\n")
    page.get_by_label("SCORM version of the ZIP", exact=True).select_option(label="SCORM 2004")
    screenshot(page, "dashboard-dispatches-new")
    page.get_by_role("button", name="Create dispatch").click()

    # The dispatch's own page: its link, copied.
    page.get_by_role("heading", name="Golf for Partner Co").wait_for()
    launch_url = page.get_by_label("Launch link").input_value()
    assert "/player/dispatch/" in launch_url
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Link copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == launch_url
    # Without the clipboard API (the dashboard at a LAN address over http), the link is selected.
    page.evaluate("Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    page.get_by_role("button", name="Copy link").click()
    selected = "f => f.value.slice(f.selectionStart, f.selectionEnd)"
    assert page.get_by_label("Launch link").evaluate(selected) == launch_url
    settings = page.locator("dl").inner_text()
    assert "0 of 5" in settings and "*.partner.example" in settings and pkg["title"] in settings

    # The ZIP, made by its job and downloaded: a SCORM 2004 shell.
    with page.expect_download(timeout=60_000) as downloaded:
        page.get_by_role("button", name="Download ZIP").click()
    saved = tmp_path / downloaded.value.suggested_filename
    downloaded.value.save_as(saved)
    assert saved.suffix == ".zip"
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as z:
        assert "2004" in z.read("imsmanifest.xml").decode()
    page.get_by_text("Downloaded " + saved.name).wait_for()

    # One learner comes through the partner's LMS (as the shell's frame would), and passes.
    launched = requests.get(
        launch_url,
        params={"learner_id": "x", "learner_name": "Ann"},
        headers={"Referer": PARTNER_PAGE},
        timeout=60,
    )
    assert launched.status_code == 200, launched.text[:500]
    dispatch_id = page.url.rsplit("/", 1)[1]
    h = bearer(srv.admin_key)
    regs = requests.get(f"{srv.url}/api/v1/dispatches/{dispatch_id}/registrations", headers=h, timeout=30)
    session_id = regs.json()["registrations"][0]["session_id"]
    passed = requests.put(
        f"{srv.url}/api/v1/sessions/{session_id}",
        headers=h,
        json={"cmi_data": {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "80"}},
        timeout=30,
    )
    assert passed.status_code == 200, passed.text
    page.reload()
    learner = page.locator("tr[data-learner=x]")
    learner.wait_for()
    assert "Ann (x)" in learner.inner_text() and "https://lms.partner.example" in learner.inner_text()
    assert "passed" in learner.inner_text()
    assert _figure(page, "Launches") == "1" and _figure(page, "Learners") == "1"
    assert _figure(page, "Pass rate") == "100%"
    assert "1 of 5" in page.locator("dl").inner_text()
    screenshot(page, "dashboard-dispatch")
    assert (
        learner.get_by_role("link", name="Session").get_attribute("href")
        == f"/dashboard/sessions/{session_id}"
    )

    # The count reset, then paused: the partner's learners are turned away.
    page.get_by_role("button", name="Reset count").click()
    page.get_by_role("dialog").get_by_role("button", name="Reset count").click()
    page.get_by_text("Learner count reset").wait_for()
    page.locator("dd", has_text="0 of 5").wait_for()
    page.get_by_role("button", name="Disable").click()
    page.get_by_role("heading", name="Golf for Partner Co disabled").wait_for()
    assert "Paused" in page.locator("#dispatch-state").inner_text()
    paused = requests.get(
        launch_url,
        params={"learner_id": "x"},
        headers={"Referer": PARTNER_PAGE, "Accept": "application/json"},
        timeout=30,
    )
    assert paused.json()["error"]["code"] == "DISPATCH_DISABLED"

    # Revoked, for good: nothing left to send.
    page.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke dispatch").click()
    page.get_by_role("heading", name="Golf for Partner Co revoked").wait_for()
    assert page.get_by_role("button", name="Download ZIP").count() == 0
    assert page.get_by_role("button", name="Enable").count() == 0
    screenshot(page, "dashboard-dispatch-revoked")
    page.get_by_role("link", name="← Dispatches").click()
    row = page.locator("tr[data-dispatch]")
    row.wait_for()
    assert all(x in row.inner_text() for x in ("Golf for Partner Co", pkg["title"], "revoked", "0 of 5"))
    screenshot(page, "dashboard-dispatches")
    assert page.errors == []


def _figure(page, label: str) -> str:
    return page.locator(".figure", has_text=label).locator(".value").inner_text()
