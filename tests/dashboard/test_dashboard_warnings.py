"""A package's warnings as a trainer sees them, in Debian's Chromium against a real server: the
list flags each package that has any (how many), a course that needs the internet in red; its
own page lists that offline hazard first, in red, before the harmless ones."""

import pytest

from tests.dashboard.data import upload
from tests.dashboard.pages import first_sign_in
from tests.support import screenshot

pytestmark = pytest.mark.browser

RED = "rgb(192, 57, 43)"  # dashboard.css --bad
OFFLINE = "golf_scorm2004_4ed_seq_post_test_rollup.zip"  # jQuery from a CDN; 3 files not listed
ODD = "scorm12_debugger_nested_prereq.zip"  # a missing default organization; unlisted files
CLEAN = "golf_scorm12_runtime_basic.zip"


def test_warnings_are_flagged_and_the_offline_hazard_comes_first_in_red(dash):
    srv, page = dash
    offline, odd, clean = (upload(srv, n) for n in (OFFLINE, ODD, CLEAN))
    first_sign_in(srv, page)

    def cell(pkg):
        row = page.locator("tbody tr", has=page.get_by_role("link", name=pkg["title"], exact=True))
        return row.locator("td").nth(5)

    cell(offline).wait_for()
    assert page.locator("thead th").nth(5).inner_text() == "Warnings"
    badge = cell(offline).locator(".badge")
    assert badge.inner_text() == "Needs the internet" and "ajax.googleapis.com" in badge.get_attribute(
        "title"
    )
    assert badge.evaluate("(el) => getComputedStyle(el).color") == RED
    assert cell(offline).locator(".hint").inner_text() == "3 warnings"
    assert cell(odd).locator(".badge").count() == 0 and cell(odd).inner_text() == "2 warnings"
    assert cell(clean).inner_text() == "—"
    screenshot(page, "dashboard-packages-warnings")

    page.get_by_role("link", name=offline["title"], exact=True).click()
    box = page.locator(".warnings")
    box.wait_for()
    assert box.locator("h3").all_inner_texts() == ["Needs the internet", "Other warnings"]
    first = box.locator(".critical")
    assert first.locator("h3").evaluate("(el) => getComputedStyle(el).color") == RED
    hazards = first.locator("li").all_inner_texts()
    assert len(hazards) == 2 and all("ajax.googleapis.com" in t and "from the internet" in t for t in hazards)
    assert box.locator(":scope > ul li").all_inner_texts() == [
        "3 files in the zip are not listed in <resources>; imported and served anyway"
    ]
    screenshot(page, "dashboard-package-offline-hazard")

    # Harmless warnings only: listed as warnings, nothing in red.
    page.goto(srv.url + "/dashboard/packages/" + odd["id"])
    page.locator(".warnings h3").wait_for()
    assert page.locator(".warnings h3").all_inner_texts() == ["Warnings"]
    assert page.locator(".warnings .critical").count() == 0 and page.locator(".warnings li").count() == 2
    assert page.errors == []
