"""The Analytics page in Debian's Chromium: an empty state first, then four charts (drawn by
the vendored Chart.js) from the seed's analytics endpoints, each with its figures as a table."""

import pytest
import requests

from scorm_api.sessions.previews import PREVIEW_USER_ID

from tests.dashboard.pages import first_sign_in
from tests.support import bearer, fixture, screenshot

pytestmark = pytest.mark.browser


def test_analytics_charts(dash):
    srv, page = dash
    first_sign_in(srv, page)
    page.get_by_role("link", name="Analytics").click()
    page.get_by_role("heading", name="No learner activity yet").wait_for()
    screenshot(page, "dashboard-analytics-empty")

    h = bearer(srv.admin_key)
    pkg = requests.post(
        srv.url + "/api/v1/packages/upload",
        headers=h,
        timeout=60,
        files={"file": ("golf.zip", fixture("golf_scorm12_singlesco.zip").read_bytes())},
    ).json()
    outcomes = {
        "ann": ("passed", 95),
        "bob": ("failed", 40),
        "cy": ("passed", 81),
        "dee": ("incomplete", None),
        # The trainer's preview: its score would pull the average down, were it counted.
        PREVIEW_USER_ID: ("passed", 5),
    }
    for user, (status, raw) in outcomes.items():
        s = requests.post(
            srv.url + "/api/v1/sessions",
            headers=h,
            timeout=10,
            json={"package_id": pkg["id"], "user_id": user, "user_name": user.title()},
        ).json()["session"]
        cmi = {
            "cmi.core.lesson_status": status,
            **({"cmi.core.score.raw": str(raw)} if raw is not None else {}),
        }
        assert (
            requests.put(
                f"{srv.url}/api/v1/sessions/{s['id']}", headers=h, json={"cmi_data": cmi}, timeout=10
            ).status_code
            == 200
        )

    page.reload()
    page.get_by_role("heading", name="Completion and pass rates").wait_for()
    assert page.locator("canvas").count() == 4
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas')].every(c => window.Chart.getChart(c))"
    )
    screenshot(page, "dashboard-analytics")
    rates = page.locator("section.chart").filter(has_text="Completion and pass rates")
    rates.get_by_text("Show as a table").click()
    row = rates.locator("tbody tr").first.inner_text().split("\t")
    # the course's learning records name 3 learners (dee's PUT left no course-level record):
    # all 3 completed, 2 passed, 1 failed
    # The average is over the three scores there are (dee has none, and is not a 0).
    assert row == [pkg["title"], "3", "100%", "67%", "33%", "72% (of 3 scores)"], row
    learners = page.locator("section.chart").filter(has_text="Learner progress")
    learners.get_by_text("Show as a table").click()
    assert learners.locator("tbody tr").count() == 3  # the learners with learning records
    assert learners.locator("tbody tr").first.locator("td").nth(5).inner_text().endswith("(of 1 score)")
    scores = page.locator("section.chart").filter(has_text="Score distribution")
    scores.get_by_text("Show as a table").click()
    bins = [r.split("\t") for r in scores.locator("tbody tr").all_inner_texts()]
    assert [b for b in bins if b[1] != "0"] == [["40–49%", "1"], ["80–89%", "1"], ["90–100%", "1"]]
    assert page.errors == []
