"""The Sync page's sync by file in Debian's Chromium, on two real servers: the laptop writes a
file and it is downloaded; the office imports it, shown the signer's fingerprint (the one the
laptop's page shows) before trusting it; a later change on both sides is a conflict settled
from the office's page."""

import pytest

from tests.dashboard.pages import first_sign_in, laptop_page
from tests.support import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def pages(pair, browser):
    contexts = [laptop_page(browser) for _ in range(2)]
    yield pair, [page for _, page in contexts]
    for context, _ in contexts:
        context.close()


def open_sync(srv, page):
    first_sign_in(srv, page)
    page.get_by_role("link", name="Sync", exact=True).click()
    page.get_by_role("heading", name="Sync by file").wait_for()


def write_and_download(page, path):
    page.get_by_role("button", name="Write a sync file").click()
    page.locator("#toast").filter(has_text="written").wait_for()
    row = page.locator("tr[data-file]").first
    row.wait_for()
    with page.expect_download() as download:
        row.get_by_role("link", name="Download").click()
    download.value.save_as(path)
    return row


def import_on(page, path):
    page.get_by_label("A sync file another appliance wrote").set_input_files(str(path))
    page.get_by_role("button", name="Import", exact=True).click()


def test_sync_by_file_from_the_dashboard(pages, laptop_data, tmp_path):
    (laptop, office), (here, there) = pages
    open_sync(laptop.srv, here)
    row = write_and_download(here, tmp_path / "1.sync")
    assert "No. 1 (everything)" in row.inner_text() and "3 sessions" in row.inner_text()
    shown = (
        here.locator(".card", has_text="Sync by file")
        .locator("p.hint", has_text="key fingerprint")
        .inner_text()
    )
    fingerprint = shown.split("key fingerprint ")[1].split(".")[0]
    screenshot(here, "dashboard-sync-file-written")

    open_sync(office.srv, there)
    import_on(there, tmp_path / "1.sync")
    notice = there.locator(".trust-question", has_text="not trusted here yet")
    notice.wait_for()
    assert notice.locator(".fingerprint").inner_text() == fingerprint  # what to compare
    assert office.sessions() == []  # nothing applied before the operator trusts it
    there.get_by_role("button", name="Trust and import").scroll_into_view_if_needed()
    screenshot(there, "dashboard-sync-file-trust")
    there.get_by_label("A name for it (optional)").fill("Laptop 3")
    there.get_by_role("button", name="Trust and import").click()
    there.get_by_role("heading", name="Last run").wait_for(timeout=60_000)
    report = there.locator(".sync-status table").first
    report.wait_for()
    assert "session" in report.inner_text()
    assert len(office.sessions()) == 3 and len(office.packages()) == 2
    there.locator("tr", has_text="Laptop 3").wait_for()
    there.locator("tr", has_text="a sync file imported").first.wait_for()
    screenshot(there, "dashboard-sync-file-imported")

    # The same learner goes on at both ends: the next file meets a conflict in the office.
    bob_here = next(s for s in laptop.sessions() if s["user_id"] == "bob")["id"]
    bob_there = next(s for s in office.sessions() if s["user_id"] == "bob")["id"]
    laptop.put(bob_here, {"cmi_data": {"cmi.core.lesson_location": "laptop-side"}})
    office.put(bob_there, {"cmi_data": {"cmi.core.lesson_location": "office-side"}})
    here.reload()
    write_and_download(here, tmp_path / "2.sync")
    there.reload()
    import_on(there, tmp_path / "2.sync")
    there.get_by_role("heading", name="Conflicts (1)").wait_for(timeout=60_000)
    conflict = there.locator("tr[data-conflict]")
    sides = conflict.locator("table.sides")
    assert sides.locator("thead th").all_inner_texts()[1:] == ["This computer", "The sync file"]
    assert sides.locator("tbody tr", has_text="Bookmark").locator("td").all_inner_texts() == [
        "office-side",
        "laptop-side",
    ]
    conflict.scroll_into_view_if_needed()
    screenshot(there, "dashboard-sync-file-conflict")
    conflict.get_by_role("button", name="Keep the sync file's").click()
    there.locator("#toast").filter(has_text="The sync file's progress is written here").wait_for()
    assert office.detail(bob_there)["cmi_data"]["cmi.core.lesson_location"] == "laptop-side"
    assert here.errors == [] and there.errors == []
