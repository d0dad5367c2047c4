"""The dashboard in Debian's Chromium against a real server: first sign-in, upload a real
package with its progress shown, launch it for a learner, create and revoke an API key;
forged (cross-site) requests are refused. Screenshots go to test-artifacts/."""

import pytest
import requests

from tests.dashboard.pages import PASSWORD, first_sign_in
from tests.support import bearer, fixture, screenshot

pytestmark = pytest.mark.browser


def test_trainer_journey(dash):
    srv, page = dash
    first_sign_in(srv, page)
    page.get_by_role("heading", name="No courses yet").wait_for()
    screenshot(page, "dashboard-packages-empty")

    # Upload through the presigned flow, with its progress bar.
    page.set_input_files("#file-input", str(fixture("golf_scorm2004_3ed_seq_forced_sequential.zip")))
    page.locator(".upload .step").filter(has_text="Ready").wait_for(timeout=30_000)
    assert page.locator(".upload progress").get_attribute("value") == "100"
    row = page.locator("tbody tr").first
    row.wait_for()
    assert "Golf Explained - Sequencing Forced Order" in row.inner_text()
    assert "SCORM 2004 3rd ed." in row.inner_text() and "ready" in row.inner_text()
    screenshot(page, "dashboard-packages")

    # Search narrows the list; no match shows an empty state that says so.
    page.get_by_label("Search packages by title").fill("zebra")
    page.get_by_role("heading", name="No package matches “zebra”").wait_for()
    page.get_by_label("Search packages by title").fill("forced")
    page.locator("tbody tr").first.wait_for()

    # The package page: details, structure, and a launch link for a learner.
    page.get_by_role("link", name="Golf Explained - Sequencing Forced Order").click()
    page.get_by_role("heading", name="Structure").wait_for()
    with page.context.expect_page() as preview_page:
        page.get_by_role("button", name="Preview").click()
    preview = preview_page.value
    preview.locator(".toc-item[aria-current=page]").wait_for(timeout=20_000)
    assert "/player/launch/" in preview.url
    preview.close()
    assert page.locator("dd").filter(has_text="SCORM 2004 3rd ed.").count() == 1
    # The learner is made explicitly (a typed id never becomes one by accident).
    launch = page.get_by_role("button", name="Launch for this learner")
    assert launch.is_disabled()
    page.get_by_label("Learner", exact=True).fill("ann.lee")
    page.get_by_role("button", name="New learner…").click()
    assert page.get_by_label("New learner's id").input_value() == "ann.lee"
    page.get_by_label("Their name").fill("Ann Lee")
    page.get_by_role("button", name="Create learner").click()
    page.get_by_text("Ann Lee (ann.lee)").wait_for()
    launch.click()
    link = page.get_by_label("Launch link")
    link.wait_for()
    launch_url = link.input_value()
    assert "/player/launch/" in launch_url and not launch_url.startswith(srv.url)  # content origin
    assert "works for 15 minutes" in page.locator(".launch-result").inner_text()
    screenshot(page, "dashboard-package")
    # The preview is a session marked as one, listed only when asked for.
    listed = requests.get(
        srv.url + "/api/v1/sessions?previews=true", headers=bearer(srv.admin_key), timeout=10
    )
    assert sorted((s["user_id"], s["preview"]) for s in listed.json()["sessions"]) == [
        ("ann.lee", False),
        ("dashboard-preview", True),
    ]

    # The link works for the learner.
    learner = page.context.new_page()
    learner.goto(launch_url)
    learner.locator(".toc-item[aria-current=page]").wait_for(timeout=20_000)
    learner.wait_for_function("document.getElementById('status').textContent === 'Tracking'")
    learner.close()

    # The learner's session: in the table (filtered by package), its page, the call log, CSV.
    page.get_by_role("link", name="Learners on this package").click()
    row = page.locator("tbody tr", has_text="Ann Lee (ann.lee)")
    row.wait_for()
    assert "incomplete" in row.inner_text()
    screenshot(page, "dashboard-sessions")
    with page.expect_download() as dl:
        page.get_by_role("link", name="Export CSV").click()
    csv_text = open(dl.value.path()).read()
    assert csv_text.splitlines()[0].startswith("user_id,user_name,package")
    assert "ann.lee,Ann Lee,Golf Explained - Sequencing Forced Order" in csv_text
    page.get_by_role("link", name="Ann Lee (ann.lee)").click()
    page.get_by_role("heading", name="Runtime call log").wait_for()
    page.locator(".log code", has_text="Initialize").first.wait_for(timeout=10_000)
    assert "null" not in page.locator(".log").inner_text()
    screenshot(page, "dashboard-session")
    page.get_by_role("button", name="Reset progress").click()
    page.get_by_role("dialog").get_by_role("button", name="Reset progress").click()
    page.get_by_text("Progress reset").wait_for()
    page.locator("dd .badge.not_attempted").first.wait_for()

    # API keys: create (shown once), then revoke.
    page.get_by_role("link", name="Keys", exact=True).click()
    page.get_by_label("Key name").fill("LMS integration")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("The new API key").input_value()
    assert key.startswith("ac_live_")
    assert requests.get(srv.url + "/api/v1/packages", headers=bearer(key), timeout=10).status_code == 200
    screenshot(page, "dashboard-keys")
    page.locator("tr", has_text="LMS integration").get_by_role("button", name="Revoke").click()
    page.get_by_role("button", name="Revoke key").click()
    page.locator("tr", has_text="LMS integration").get_by_text("revoked").wait_for()
    assert requests.get(srv.url + "/api/v1/packages", headers=bearer(key), timeout=10).status_code == 401
    # A key that expires, as the cloud's keys may.
    page.get_by_label("Key name").fill("Thirty days")
    page.get_by_label("Expires in (days, optional)").fill("30")
    page.get_by_role("button", name="Create key").click()
    row = page.locator("tr", has_text="Thirty days")
    row.wait_for()
    listed = requests.get(srv.url + "/api/v1/api-keys", headers=bearer(srv.admin_key), timeout=10).json()
    (made,) = [k for k in listed["api_keys"] if k["name"] == "Thirty days"]
    assert made["expires_at"] and "never" not in row.locator("td").nth(6).inner_text()

    # Delete the package, with a confirmation.
    page.get_by_role("link", name="Packages").click()
    page.get_by_role("link", name="Golf Explained - Sequencing Forced Order").click()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Delete package").click()
    page.get_by_role("heading", name="No courses yet").wait_for()
    assert page.errors == []


def test_sign_in_out_and_forged_requests(dash):
    srv, page = dash
    first_sign_in(srv, page)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="Wrong password").wait_for()
    screenshot(page, "dashboard-sign-in-failed")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Packages").wait_for()

    # A script on the dashboard's own origin without the CSRF token is refused...
    status = page.evaluate("""() => fetch('/api/v1/api-keys', {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify({scopes: ['read']})}).then(r => r.status)""")
    assert status == 403
    # ...and so is every request from the content origin, where course code runs.
    content = srv.url.replace("127.0.0.1", "localhost")
    page.goto(content + "/api/health")
    result = page.evaluate(
        """(dash) => fetch(dash + '/api/v1/packages', {credentials: 'include'})
        .then(r => 'read:' + r.status, () => 'blocked')""",
        srv.url,
    )
    assert result == "blocked"
    assert requests.get(content + "/dashboard/login", timeout=10).status_code == 403


def test_the_content_address_points_a_browser_to_the_dashboard(dash):
    """http://localhost:PORT/ (the content origin, one letter from the dashboard's address):
    a page naming the appliance with a link that leads to the dashboard, not raw JSON."""
    srv, page = dash
    content = srv.url.replace("127.0.0.1", "localhost")
    answer = page.goto(content + "/")
    assert answer.status == 403 and answer.headers["content-type"].startswith("text/html")
    heading = page.get_by_role("heading", name="SCORM API appliance")
    heading.wait_for()
    # Styled: the inline style's hash in the page's policy matches (no "refused" console error).
    assert "system-ui" in heading.evaluate("(el) => getComputedStyle(el).fontFamily")
    screenshot(page, "dashboard-content-origin-root")
    page.get_by_role("link", name=srv.url + "/dashboard/").click()
    page.get_by_role("button", name="Set password and sign in").wait_for()
    assert page.url.startswith(srv.url + "/dashboard/")
    assert page.errors == []


def test_tenants_and_quotas(dash):
    srv, page = dash
    first_sign_in(srv, page)
    page.get_by_role("link", name="Tenants").click()
    page.get_by_label("Name", exact=True).fill("Sales training")
    page.get_by_label("Package quota", exact=True).fill("1")
    page.get_by_role("button", name="Create tenant").click()
    key = page.get_by_label("The new tenant's API key").input_value()
    row = page.locator("tr", has_text="Sales training")
    row.wait_for()
    assert row.get_by_label("Package quota of Sales training").input_value() == "1"
    screenshot(page, "dashboard-tenants")
    # The quota holds for the new tenant's own key: a second package is refused.
    for n in range(2):
        resp = requests.post(
            srv.url + "/api/v1/packages/upload",
            headers=bearer(key),
            timeout=60,
            files={"file": ("c.zip", fixture("golf_scorm12_runtime_basic.zip").read_bytes())},
        )
        assert resp.status_code == (201 if n == 0 else 403), resp.text
    row.get_by_label("Package quota of Sales training").fill("")
    row.get_by_role("button", name="Save").click()
    page.get_by_text("Quota saved for Sales training").wait_for()
    tenants = requests.get(srv.url + "/api/v1/tenants", headers=bearer(srv.admin_key), timeout=10).json()[
        "tenants"
    ]
    assert next(t for t in tenants if t["name"] == "Sales training")["quotas"]["max_packages"] is None
    assert page.errors == []


def test_settings_page(dash):
    srv, page = dash
    first_sign_in(srv, page)
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Limit how many requests each tenant may make").uncheck()
    page.get_by_label("Reads (GET)").fill("500")
    page.get_by_role("button", name="Save rate limits").click()
    page.get_by_text("Rate limits saved").wait_for()
    page.get_by_label("Address in launch links").fill(srv.url)  # the dashboard's own: refused
    page.get_by_role("button", name="Save address").click()
    page.locator(".toast.bad", has_text="Must differ from the dashboard's address").wait_for()
    lan = srv.url.replace("127.0.0.1", "127.0.0.2")
    page.get_by_label("Address in launch links").fill(lan)
    page.get_by_role("button", name="Save address").click()
    page.get_by_text("Launch links now use " + lan).wait_for()
    screenshot(page, "dashboard-settings")
    s = requests.get(srv.url + "/api/v1/settings", headers=bearer(srv.admin_key), timeout=10).json()
    assert (s["rate_limits_enabled"], s["rate_limit_read"], s["content_url"]) == (False, 500, lan)
    assert page.errors == []


def test_lrs_credentials(dash):
    srv, page = dash
    first_sign_in(srv, page)
    page.get_by_role("link", name="Keys", exact=True).click()
    page.get_by_label("Credentials name").fill("Authoring tool")
    page.get_by_role("button", name="Create LRS credentials").click()
    password = page.get_by_label("The new LRS password").input_value()
    username = page.locator(".secret dd code").nth(1).inner_text()
    auth = (username, password)
    about = requests.get(
        srv.url + "/xapi/statements", auth=auth, timeout=10, headers={"X-Experience-API-Version": "2.0.0"}
    )
    assert about.status_code == 200
    screenshot(page, "dashboard-lrs-credentials")
    page.locator("tr", has_text="Authoring tool").get_by_role("button", name="Revoke").click()
    page.get_by_role("button", name="Revoke credentials").click()
    page.locator("tr", has_text="Authoring tool").get_by_text("revoked").wait_for()
    assert (
        requests.get(
            srv.url + "/xapi/statements", auth=auth, timeout=10, headers={"X-Experience-API-Version": "2.0.0"}
        ).status_code
        == 401
    )
    assert page.errors == []


def test_a_low_disk_is_said_on_every_page(live_server_factory, browser):
    """Told before a class, not when progress stops saving: a server whose disk is "low"
    (the threshold set above any disk) shows the warning on every dashboard page."""
    from tests.dashboard.pages import first_sign_in, laptop_page
    from tests.support import screenshot

    srv = live_server_factory(env={"SCORM_API_DISK_LOW_BYTES": str(10**18)})
    context, page = laptop_page(browser)
    try:
        first_sign_in(srv, page)
        for name in ("packages", "sessions", "settings"):
            page.goto(srv.url + f"/dashboard/{name}")
            banner = page.get_by_role("alert")
            banner.wait_for()
            assert "The disk is almost full" in banner.inner_text()
        screenshot(page, "dashboard-low-disk")
        assert page.errors == []
    finally:
        context.close()
    # And a server with room says nothing.
    plain = live_server_factory()
    context, page = laptop_page(browser)
    try:
        first_sign_in(plain, page)
        assert page.get_by_role("alert").count() == 0
    finally:
        context.close()
