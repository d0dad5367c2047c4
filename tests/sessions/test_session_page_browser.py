"""What a trainer sees of a learner's numbers on the dashboard, in Debian's Chromium: a passed
sequenced course whose manifest rolls up no score shows no score (not 0%), one objective row
per objective with its real status, a runtime log with seconds, item titles and plain-word
error codes (a normal 2004 "not set yet" answer not flagged), and previews only on request."""

import json
import re
from urllib.parse import urlsplit

import pytest

from scorm_api.sessions.previews import PREVIEW_USER_ID

from tests.dashboard.pages import first_sign_in, laptop_page
from tests.sessions.live_player import new_session, upload
from tests.sessions.runtime import HttpClient, commit, deliver, page_config
from tests.support import fixture, screenshot

pytestmark = pytest.mark.browser

FORCED = "golf_scorm2004_3ed_seq_forced_sequential.zip"
ITEMS = [
    ("playing_item", "playing_satisfied"),
    ("etuqiette_item", "etiquette_satisfied"),
    ("handicapping_item", "handicapping_satisfied"),
    ("havingfun_item", "havingfun_satisfied"),
    ("assessment_item", "assessment_satisfied"),
]


def take_the_course(srv, launch_url) -> None:
    """What the player sends for a learner who passes every SCO of the forced-order golf
    course (the quiz scored 100%), and the engine's rollup as scorm-again reports it: passed,
    with a root measure of 0 "known" though every weight in the manifest is 0."""
    client = HttpClient(srv.url)
    cfg = page_config(client, launch_url)
    for n, (item, primary) in enumerate(ITEMS):
        data = {
            "cmi.completion_status": "completed",
            "cmi.success_status": "passed",
            "cmi.session_time": "PT1M",
            "cmi.objectives.0.id": primary,
            "cmi.objectives.0.success_status": "unknown",
        }
        if n:
            data |= {
                "cmi.objectives.1.id": "previous_sco_satisfied",
                "cmi.objectives.1.success_status": "passed",
            }
        if item == "assessment_item":
            data |= {
                "cmi.score.raw": "100",
                "cmi.score.min": "0",
                "cmi.score.max": "100",
                "cmi.score.scaled": "1",
            }
        assert (
            commit(client, deliver(client, cfg, item).get_json(), data, seq=1, terminate=True).status_code
            == 200
        )
    states = {item: {"objectiveMeasureStatus": False, "objectiveNormalizedMeasure": 0} for item, _ in ITEMS}
    states["assessment_item"] = {"objectiveMeasureStatus": True, "objectiveNormalizedMeasure": 1}
    states["golf_sample_default_org"] = {"objectiveMeasureStatus": True, "objectiveNormalizedMeasure": 0}
    body = {
        "state": json.dumps({"sequencing": {"activityStates": states}}),
        "seq": 1,
        "rollup": {"completion": "completed", "success": "passed", "scaled": 0},
    }
    assert (
        client.post(
            urlsplit(cfg["sequencingUrl"]).path, data=json.dumps(body), content_type="text/plain"
        ).status_code
        == 200
    )
    first = deliver(client, cfg, "playing_item").get_json()
    calls = [
        ("2026-03-02T09:15:01.250Z", "Initialize", [""], "true", "0"),
        ("2026-03-02T09:15:02.500Z", "GetValue", ["cmi.location"], "", "403"),
        ("2026-03-02T09:15:03.750Z", "SetValue", ["cmi.score.scaled", "7"], "false", "407"),
    ]
    entries = [
        {"t": t, "n": n, "call": call, "args": args, "result": result, "error": error}
        for n, (t, call, args, result, error) in enumerate(calls, 1)
    ]
    client.post(urlsplit(first["logUrl"]).path, data=json.dumps(entries), content_type="text/plain")


def test_a_learners_numbers_on_the_dashboard(live_server, browser):
    srv = live_server
    pkg = upload(srv, fixture(FORCED).read_bytes(), FORCED)
    ann = new_session(srv, pkg, user="ann")
    take_the_course(srv, ann["launch_url"])
    new_session(srv, pkg, user=PREVIEW_USER_ID)  # the trainer previewed the course

    context, page = laptop_page(browser)
    try:
        first_sign_in(srv, page)
        page.goto(srv.url + "/dashboard/sessions")
        rows = page.locator(".list tbody tr")
        rows.first.wait_for()
        assert rows.count() == 1  # the preview is not a learner
        cells = rows.first.locator("td").all_inner_texts()
        assert cells[0].startswith("Ann Lee (ann)") and cells[3] == "passed"
        assert cells[4] == "—", cells  # no score: the manifest rolls none up
        page.get_by_label("Show previews").check()
        page.locator(".list tbody tr").nth(1).wait_for()
        preview_row = page.locator(".list tbody tr").filter(has_text=PREVIEW_USER_ID)
        assert preview_row.locator(".badge").first.inner_text() == "preview"
        screenshot(page, "sessions-list-with-previews")

        page.goto(srv.url + "/dashboard/sessions/" + ann["session"]["id"])
        page.get_by_role("heading", name="Objectives").wait_for()
        status = page.locator("section.card").filter(has=page.get_by_role("heading", name="Status"))
        assert status.locator("dt:text('Score') + dd").inner_text() == "—"
        objectives = page.locator("section.card").filter(has=page.get_by_role("heading", name="Objectives"))
        got = [r.split("\t") for r in objectives.locator("tbody tr").all_inner_texts()]
        assert [(r[0], r[1], r[2].strip()) for r in got] == [
            ("Playing the Game", "playing_satisfied (main)", "passed"),
            ("Etiquette", "etiquette_satisfied (main)", "passed"),
            ("Handicapping", "handicapping_satisfied (main)", "passed"),
            ("Having Fun", "havingfun_satisfied (main)", "passed"),
            ("Quiz", "assessment_satisfied (main)", "passed"),
        ]
        assert got[4][4] == "100 / 100"  # the quiz's own score, rolled up from its SCO

        log = page.locator("section.card").filter(has=page.get_by_role("heading", name="Runtime call log"))
        log.locator("tbody tr").nth(2).wait_for()
        log.scroll_into_view_if_needed()
        screenshot(page, "session-page-numbers")
        times = log.locator("tbody tr td:first-child").all_inner_texts()
        assert re.search(r"2026", times[0]) and not re.search(r"2026", times[1])  # the date once
        assert all(re.search(r"\d{1,2}:\d{2}:\d{2}", t) for t in times), times  # to the second
        part = log.locator("tbody tr").first.locator("td").nth(1)
        assert part.inner_text() == "Playing the Game" and part.get_attribute("title") == "playing_item"
        normal, fault = log.locator("tbody tr").nth(1), log.locator("tbody tr").nth(2)
        assert "Read before the value was set" in normal.inner_text() and "bad" not in (
            normal.get_attribute("class") or ""
        )
        assert "407: Out of range" in fault.inner_text() and fault.get_attribute("class") == "bad"
        assert page.errors == []
    finally:
        context.close()
