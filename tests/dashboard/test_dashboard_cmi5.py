"""A cmi5 learner's session page in Debian's Chromium: the AU sessions listed, one left open
abandoned from the page (with a confirmation), an AU waived with a reason."""

import pytest
import requests

from tests.dashboard.pages import first_sign_in
from tests.launches.browser_aus import cmi5_course
from tests.launches.cmi5_au import PUB
from tests.support import bearer, screenshot

pytestmark = pytest.mark.browser


def test_au_sessions_abandon_and_waive(dash):
    srv, page = dash
    first_sign_in(srv, page)
    h = bearer(srv.admin_key)
    pkg = requests.post(
        srv.url + "/api/v1/packages/upload",
        headers=h,
        timeout=60,
        files={"file": ("fire.zip", cmi5_course())},
    ).json()
    s = requests.post(
        srv.url + "/api/v1/sessions",
        headers=h,
        timeout=10,
        json={"package_id": pkg["id"], "user_id": "ann", "user_name": "Ann"},
    ).json()["session"]
    # the learner opens the intro AU (straight to the content) and leaves it open
    link = requests.post(
        f"{srv.url}/api/v1/sessions/{s['id']}/launch",
        headers=h,
        timeout=10,
        json={"item_id": f"{PUB}/au/intro", "redirect": True},
    ).json()["launch_url"]
    assert requests.get(link, allow_redirects=False, timeout=10).status_code in (302, 303)
    aus = requests.get(f"{srv.url}/api/v1/sessions/{s['id']}/au-sessions", headers=h, timeout=10).json()[
        "au_sessions"
    ]
    assert [a["status"] for a in aus] == ["launched"]

    page.goto(f"{srv.url}/dashboard/sessions/{s['id']}")
    card = page.locator("section").filter(has=page.get_by_role("heading", name="Activity launches"))
    card.get_by_role("cell", name="Introduction").wait_for()
    screenshot(page, "dashboard-cmi5-session")
    card.get_by_role("button", name="Abandon").click()
    page.get_by_role("dialog").get_by_role("button", name="Abandon").click()
    page.locator("#toast").filter(has_text="Marked as abandoned").wait_for()
    card.locator("tbody tr").filter(has_text="abandoned").wait_for()

    page.get_by_label("Waive").select_option(label="Quiz")
    page.get_by_label("because").select_option("Tested Out")
    page.get_by_role("button", name="Waive for this learner").click()
    page.locator("#toast").filter(has_text="Waived: Quiz").wait_for()
    statements = requests.get(
        srv.url + "/api/v1/xapi/statements",
        headers=h,
        timeout=10,
        params={"registration": s["id"], "limit": 100},
    ).json()["statements"]
    verbs = [st["verb"]["id"].rsplit("/", 1)[-1] for st in statements]
    assert "abandoned" in verbs and "waived" in verbs
    assert page.errors == []
