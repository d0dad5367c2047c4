"""Numbers said as a trainer reads them, in Debian's Chromium: with one learner, one course
and one score, no page says "1 learners" (format.plural), and the analytics speak of what
learners did, not of xAPI statements."""

import re

import pytest

from tests.dashboard.data import learner_session, upload
from tests.dashboard.pages import first_sign_in
from tests.support import screenshot

pytestmark = pytest.mark.browser

# A count of one followed by a plural noun ("1 sessions"); "1 is", "1 was", "1 has" are fine.
ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 (?!is\b|was\b|has\b)[a-z]+s\b")


def test_a_single_learner_is_counted_in_the_singular(dash):
    srv, page = dash
    pkg = upload(srv, "golf_scorm12_singlesco.zip")
    learner_session(srv, pkg["id"], "ann", {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "95"})
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
