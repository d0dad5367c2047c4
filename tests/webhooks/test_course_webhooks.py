"""A learner plays a real course (Rustici's Golf "run-time basic calls", SCORM 1.2) to its end in
Debian's Chromium; the partner's receiver (its own process, verifying both signatures) gets the
session's events: launched first, progress coalesced (fewer deliveries than commits), the
completion and the score, in the order they happened, each event once."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
import requests

from tests.sessions.live_player import content_frame, new_session, session, upload
from tests.support import fixture, screenshot, wait_until
from tests.webhooks.support import SECRET

pytestmark = pytest.mark.browser

COURSE = "golf_scorm12_runtime_basic.zip"
PAGES = 15  # the course's pageArray: 14 pages, then its test
SESSION_EVENTS = ["session.launched", "session.progress", "session.completed", "session.scored"]


def test_a_learner_playing_a_course_reaches_the_receiver(live_server_factory, receiver, browser):
    srv = live_server_factory(
        env={"SCORM_API_WEBHOOK_PROGRESS_INTERVAL_SECONDS": "2", "SCORM_API_WEBHOOK_RETRY_BASE_SECONDS": "1"}
    )
    api_headers = {"Authorization": f"Bearer {srv.admin_key}"}
    made = requests.post(
        srv.url + "/api/v1/webhooks",
        headers=api_headers,
        json={"url": receiver.url, "secret": SECRET, "events": SESSION_EVENTS},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    created = new_session(srv, upload(srv, fixture(COURSE).read_bytes(), COURSE))
    sid = created["session"]["id"]

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(created["launch_url"])
    sco = content_frame(page)
    commits = 0
    for _ in range(PAGES - 1):  # page by page to the test, the course committing each time
        sco.click("#butNext")
        assert page.evaluate("window.API.LMSCommit('')") == "true"
        commits += 1
        time.sleep(0.4)
    test = sco.frame_locator("#contentFrame")
    test.locator("input[value='Submit Answers']").click()
    test.locator("text=Score:").wait_for(timeout=10_000)
    screenshot(page, "webhooks-golf-test-submitted")
    sco.click("#butExit")  # LMSFinish: the last commit
    commits += 1
    done = wait_until(lambda: (s := session(srv, sid))["completion_status"] == "completed" and s, timeout=30)
    assert done["score"]["raw"] is not None
    context.close()

    def mine():
        return [x for x in receiver.accepted() if x["event"].get("session", {}).get("id") == sid]

    # The exit's own progress waits out its interval: then everything is in.
    got = wait_until(
        lambda: (
            (m := mine())
            and {"session.completed", "session.scored"} <= {x["type"] for x in m}
            and m[-1]["type"] == "session.progress"
            and m
        ),
        timeout=60,
    )
    assert all(x["verified"] for x in receiver.lines())
    types = [x["type"] for x in got]
    assert types[0] == "session.launched", types
    assert types.count("session.completed") == 1 and types.count("session.scored") >= 1, types
    progress = types.count("session.progress")
    assert 1 <= progress < commits, (progress, commits, types)  # coalesced
    # In the order they happened: a progress never arrives after an event that followed it.
    times = [datetime.fromisoformat(x["event"]["occurred_at"].replace("Z", "+00:00")) for x in got]
    assert times == sorted(times), list(zip(types, times, strict=True))
    assert len({x["id"] for x in got}) == len(got)  # each event once
    last = got[-1]["event"]["session"]
    assert last["completion_status"] == "completed" and last["score"]["raw"] == done["score"]["raw"]
