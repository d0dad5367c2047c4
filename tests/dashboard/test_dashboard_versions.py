"""A package's versions on its dashboard page, in Debian's Chromium against a real server: a new
version uploaded to the same package, the learner who started on the first one still there,
then moved to the newest with a confirmation."""

import pytest

from tests.dashboard.pages import first_sign_in
from tests.support import new_version_of, screenshot
from tests.sync.support import Api

pytestmark = pytest.mark.browser

GOLF = "golf_scorm12_runtime_basic.zip"


def test_a_new_version_and_moving_learners_to_it(dash, tmp_path):
    srv, page = dash
    api = Api(srv)
    pkg = api.upload(GOLF)
    api.call("POST", f"/api/v1/packages/{pkg['id']}/launch", json={"user_id": "ann", "session_id": "ann-1"})
    first_sign_in(srv, page)
    page.get_by_role("link", name=pkg["title"]).click()
    versions = page.locator("#versions")
    versions.get_by_role("heading", name="Versions").wait_for()
    assert versions.locator("tbody tr").count() == 1
    assert versions.get_by_role("button", name="Move all learners").count() == 0  # one version

    second = tmp_path / "golf-v2.zip"
    second.write_bytes(new_version_of(GOLF))
    page.set_input_files("#version-input", str(second))
    page.get_by_text("Version 2 added").wait_for(timeout=30_000)
    page.get_by_role("heading", name=f"{pkg['title']} · version 2").wait_for()
    rows = versions.locator("tbody tr")
    assert rows.count() == 2
    assert "golf-v2.zip" in rows.first.inner_text() and "new learners get this one" in rows.first.inner_text()
    screenshot(page, "dashboard-package-versions")
    # Ann is still on version 1 until moved.
    assert api.detail("ann-1")["package_version"] == 1

    versions.get_by_role("button", name="Move all learners to version 2").click()
    page.get_by_role("dialog").get_by_role("button", name="Move learners").click()
    page.get_by_text("Moved 1 learner session to version 2").wait_for()
    assert api.detail("ann-1")["package_version"] == 2
    page.goto(srv.url + "/dashboard/sessions/ann-1")
    page.locator("dt", has_text="Package version").wait_for()
    assert page.locator("dt:has-text('Package version') + dd").inner_text() == "2"
    assert page.errors == []
