"""Learners in Debian's Chromium against a real server: the launch dialog picks a learner as
you type (or makes one on purpose), the Learners page renames, merges and erases (after the id
is typed), lasting links are printed and revoked, and a session is deleted from its page."""

import pytest
import requests

from tests.dashboard.pages import first_sign_in
from tests.support import screenshot
from tests.sync.support import Api

pytestmark = pytest.mark.browser

GOLF = "golf_scorm12_runtime_basic.zip"


def learner_ids(api) -> list[str]:
    return [x["learner_id"] for x in api.call("GET", "/api/v1/learners")["learners"]]


def test_a_trainer_picks_renames_merges_links_and_erases_learners(dash):
    srv, page = dash
    api = Api(srv)
    course = api.upload(GOLF)
    api.session(course["id"], "ann.lee")
    api.session(course["id"], "ann.le")  # last week's typo
    first_sign_in(srv, page)

    # The launch dialog: the learner found as the trainer types, a lasting link for them.
    page.get_by_role("link", name="Sessions", exact=True).click()
    page.get_by_role("button", name="Launch for a learner").click()
    dialog = page.locator("dialog")
    make = dialog.get_by_role("button", name="Make the link")
    assert make.is_disabled()  # no learner chosen yet: nothing typed becomes one
    dialog.get_by_label("Learner", exact=True).fill("lee")
    dialog.locator("button.match", has_text="(ann.le)").wait_for(state="detached")  # the typo: no match
    dialog.get_by_role("button", name="Ann.Lee (ann.lee)").click()
    dialog.get_by_label("Course").select_option(course["id"])
    dialog.get_by_label("Link", exact=True).select_option(label="Lasting: until revoked")
    make.click()
    link = dialog.get_by_label("Launch link")
    link.wait_for()
    lasting = link.input_value()
    assert "/player/link/" in lasting and "until you revoke it" in dialog.inner_text()
    screenshot(page, "dashboard-launch-dialog")
    dialog.get_by_role("button", name="Close").click()

    # A new learner, made explicitly in the same dialog, with a link for now.
    page.get_by_role("button", name="Launch for a learner").click()
    dialog.get_by_label("Learner", exact=True).fill("cy")
    dialog.get_by_role("button", name="New learner…").click()
    assert dialog.get_by_label("New learner's id").input_value() == "cy"
    dialog.get_by_label("Their name").fill("Cy Young")
    dialog.get_by_role("button", name="Create learner").click()
    dialog.get_by_text("Cy Young (cy)").wait_for()
    dialog.get_by_label("Course").select_option(course["id"])
    dialog.get_by_role("button", name="Make the link").click()
    assert "/player/launch/" in dialog.get_by_label("Launch link").input_value()
    assert "works for 15 minutes" in dialog.inner_text()
    screenshot(page, "dashboard-launch-dialog-new-learner")
    dialog.get_by_role("button", name="Close").click()
    assert sorted(learner_ids(api)) == ["ann.le", "ann.lee", "cy"]

    # The Learners page: search, rename, merge the typo into the real learner.
    page.get_by_role("link", name="Learners", exact=True).click()
    rows = page.locator("tbody tr")
    rows.nth(2).wait_for()
    screenshot(page, "dashboard-learners")
    page.get_by_label("Search learners").fill("young")
    page.locator("tr[data-learner='ann.lee']").wait_for(state="detached")
    assert rows.count() == 1
    page.get_by_role("button", name="Rename").click()
    dialog.get_by_label("Name").fill("Cyrus Young")
    dialog.get_by_role("button", name="Save name").click()
    page.get_by_text("Renamed to Cyrus Young (cy)").wait_for()
    page.get_by_label("Search learners").fill("")
    page.locator("tr[data-learner='ann.le']").get_by_role("button", name="Merge…").click()
    dialog.get_by_label("Learner", exact=True).fill("ann")
    dialog.get_by_role("button", name="Ann.Lee (ann.lee)").click()
    screenshot(page, "dashboard-learners-merge")
    dialog.get_by_role("button", name="Merge").click()
    page.get_by_text("both kept as attempts of " + course["title"]).wait_for()
    assert sorted(learner_ids(api)) == ["ann.lee", "cy"]

    # The printable list of lasting links, then one revoked: it says so to the learner.
    page.get_by_role("link", name="Printable launch links").click()
    page.locator("td.link-cell", has_text=lasting).wait_for()
    qr = page.get_by_alt_text("QR code of Ann.Lee's link")
    assert qr.get_attribute("src").startswith("data:image/gif;base64,")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")  # drawn, of a readable size
    page.emulate_media(media="print")
    screenshot(page, "dashboard-launch-links-print")
    assert not page.get_by_role("button", name="Print").is_visible()
    assert "null" not in page.inner_text("main")
    page.emulate_media(media="screen")
    page.get_by_role("button", name="Revoke").click()
    page.locator("dialog").get_by_role("button", name="Revoke link").click()
    page.get_by_role("heading", name="No lasting links").wait_for()
    learner = page.context.new_page()
    learner.goto(lasting)
    learner.get_by_role("heading", name="This link does not open the course").wait_for()
    assert "withdrawn" in learner.inner_text("main")
    screenshot(learner, "learner-link-revoked")
    learner.close()

    # Erasing asks for the id, typed.
    page.get_by_role("link", name="← Learners").click()
    page.locator("tr[data-learner='ann.lee']").get_by_role("button", name="Delete…").click()
    erase = dialog.get_by_role("button", name="Delete learner")
    assert erase.is_disabled()
    dialog.get_by_label("Type ann.lee to confirm").fill("ann.le")
    assert erase.is_disabled()
    dialog.get_by_label("Type ann.lee to confirm").fill("ann.lee")
    screenshot(page, "dashboard-learners-erase")
    erase.click()
    page.get_by_text("Deleted ann.lee: 2 sessions").wait_for()
    assert learner_ids(api) == ["cy"]
    assert page.errors == []


def test_a_session_deleted_from_its_page(dash):
    srv, page = dash
    api = Api(srv)
    course = api.upload(GOLF)
    gone = api.session(course["id"], "ann")
    api.session(course["id"], "ann", new_attempt=True)
    first_sign_in(srv, page)
    page.goto(srv.url + "/dashboard/sessions/" + gone["id"])
    page.get_by_role("button", name="Delete session").click()
    screenshot(page, "dashboard-session-delete")
    page.locator("dialog").get_by_role("button", name="Delete session").click()
    page.get_by_role("heading", name="Learners and sessions").wait_for()
    left = requests.get(
        srv.url + "/api/v1/sessions",
        params={"all_attempts": "true"},
        headers={"Authorization": f"Bearer {srv.admin_key}"},
        timeout=30,
    ).json()["sessions"]
    assert [s["attempts"] for s in left] == [2]
    assert page.errors == []
