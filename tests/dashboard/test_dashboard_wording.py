"""Numbers said as a trainer reads them, in Debian's Chromium: with one learner, one course
and one score, no page says "1 learners" (format.plural), and the analytics speak of what
learners did, not of xAPI statements."""

import re

import pytest
import requests

from tests.dashboard.pages import first_sign_in
from tests.support import bearer, fixture, screenshot

pytestmark = pytest.mark.browser

# A count of one followed by a plural noun ("1 sessions"); "1 is", "1 was", "1 has" are fine.
ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 (?!is\b|was\b|has\b)[a-z]+s\b")


def test_a_single_learner_is_counted_in_the_singular(dash):
    srv, page = dash
    h = bearer(srv.admin_key)
    pkg = requests.post(
        srv.url + "/api/v1/packages/upload",
        headers=h,
        timeout=60,
        files={"file": ("golf.zip", fixture("golf_scorm12_singlesco.zip").read_bytes())},
    ).json()
    session = requests.post(
        srv.url + "/api/v1/sessions",
        headers=h,
        timeout=10,
        json={"package_id": pkg["id"], "user_id": "ann", "user_name": "Ann"},
    ).json()["session"]
    put = requests.put(
        f"{srv.url}/api/v1/sessions/{session['id']}",
        headers=h,
        json={"cmi_data": {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "95"}},
        timeout=10,
    )
    assert put.status_code == 200
    first_sign_in(srv, page)

    page.get_by_role("link", name="Analytics").click()
    page.get_by_role("heading", name="Score distribution").wait_for()
    captions = page.locator("section.chart > p.hint").all_inner_texts()
    assert "Average score of 1 learner with a score, among 1 recently active learner." in captions
    assert (
        "How many courses and lessons each learner completed, passed and failed "
        "(1 learner, the most recently active)." in captions
    )
    activity = next(c for c in captions if c.startswith("What learners did each day"))
    assert "last 14 days" in activity
    text = page.locator("#main").inner_text()
    assert "xAPI" not in text and "statement" not in text.lower() and "things each" not in text
    assert not ONE_PLURAL.search(text), ONE_PLURAL.search(text)
    screenshot(page, "dashboard-analytics-one-learner")

    for name in ("packages", "account", "settings", "sync"):
        page.goto(f"{srv.url}/dashboard/{name}")
        page.locator("#main h1").first.wait_for()
        page.locator("#main .loading").wait_for(state="detached")
        text = page.locator("#main").inner_text()
        assert not ONE_PLURAL.search(text), (name, ONE_PLURAL.search(text))
    page.goto(f"{srv.url}/dashboard/packages/{pkg['id']}")
    page.get_by_role("heading", name="Details").wait_for()
    assert not ONE_PLURAL.search(page.locator("#main").inner_text())
    assert page.errors == []
