"""The player in Debian's Chromium against a real server: courses initialise, track, commit,
resume; invalid values get SCORM error codes; content cannot reach the API's origin."""

import time
from urllib.parse import urlsplit

import pytest

from tests.sessions.courses import SUSPEND_CHARS, scripted_course
from tests.sessions.live_player import content_frame, new_session, read_log, relaunch, session, upload
from tests.support import fixture, screenshot, wait_until

pytestmark = pytest.mark.browser


def run_course(browser, launch_url) -> dict:
    """Open the launch link, wait for the course's report, close the page; return the report."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(launch_url)
    page.wait_for_function("() => window.scriptedReport", timeout=20_000)
    report = page.evaluate("window.scriptedReport")
    page.close()
    context.close()
    return report


@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_scripted_course_tracks_and_resumes(live_server, browser, standard):
    pkg = upload(live_server, scripted_course(standard))
    created = new_session(live_server, pkg)
    sid = created["session"]["id"]

    first = run_course(browser, created["launch_url"])
    assert first["found"] and first["init"] == "true" and first["student"] == "Ann Lee"
    assert first["entry"] == "ab-initio"
    assert first["commit"] == "true" and first["finish"] == "true"
    assert first["suspend_set"] == "true"
    # Invalid values get the standard's error codes from the runtime.
    assert first["bad_status"] == "false"
    assert first["bad_status_error"] == ("405" if standard == "1.2" else "406")
    assert first["readonly"] == "false"
    assert first["readonly_error"] == ("403" if standard == "1.2" else "404")

    s = wait_until(lambda: (x := session(live_server, sid))["completion_status"] == "completed" and x)
    assert s["success_status"] == "passed"
    assert s["score"]["raw"] == 85 and s["score"]["scaled"] == 0.85
    assert s["time_spent_seconds"] == 120
    assert s["cmi_data"]["cmi.suspend_data"] == "s" * SUSPEND_CHARS
    response_key = "learner_response"
    assert s["interactions"][0]["id"] == "q1" and s["interactions"][0][response_key] == "b"
    assert s["interactions"][0]["result"] == "correct"

    second = run_course(browser, relaunch(live_server, sid))
    assert second["entry"] == "resume"
    assert second["location"] == "page-7"
    assert second["suspend_length"] == SUSPEND_CHARS
    assert second["total_time"] in ("0000:02:00", "00:02:00", "PT2M", "PT2M0S", "PT120S")
    s = wait_until(lambda: (x := session(live_server, sid))["time_spent_seconds"] == 150 and x)
    assert s["completion_status"] == "completed" and s["launch_count"] == 2

    log = wait_until(lambda: read_log(live_server, sid))
    calls = [e["call"] for e in log]
    assert calls[0] in ("LMSInitialize", "Initialize")
    assert any(e["result"] == "false" and e["error"] in ("405", "406") for e in log)


@pytest.mark.parametrize(
    "name,api",
    [
        ("golf_scorm12_runtime_basic.zip", "LMSInitialize"),
        ("scorm12_debugger_nested_prereq.zip", "LMSInitialize"),
        ("golf_scorm2004_3ed_runtime_advanced.zip", "Initialize"),
        ("golf_scorm2004_3ed_seq_forced_sequential.zip", "Initialize"),
        ("storyline360_scorm2004_cam13_big.zip", "Initialize"),
    ],
)
def test_real_packages_initialise_and_track(live_server, browser, name, api):
    pkg = upload(live_server, fixture(name).read_bytes(), name)
    created = new_session(live_server, pkg)
    sid = created["session"]["id"]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(created["launch_url"])
    page.get_by_text("Tracking").wait_for(timeout=20_000)
    time.sleep(1.5)
    screenshot(page, f"player-{name.removesuffix('.zip')}")
    page.close()
    context.close()
    s = wait_until(lambda: (x := session(live_server, sid))["launch_count"] == 1 and x["cmi_data"] and x)
    assert s["completion_status"] in ("incomplete", "completed")
    log = wait_until(lambda: (x := read_log(live_server, sid)) and any(e["call"] == api for e in x) and x)
    assert log[0]["call"] == api and log[0]["result"] == "true"


def test_content_cannot_reach_the_api_origin(live_server, browser):
    pkg = upload(live_server, fixture("odd_scorm2004_parent_dom_access.zip").read_bytes())
    created = new_session(live_server, pkg)
    content_origin = "{0.scheme}://{0.netloc}".format(urlsplit(created["launch_url"]))
    assert content_origin != live_server.url  # localhost vs 127.0.0.1: two origins
    context = browser.new_context()
    page = context.new_page()
    page.goto(created["launch_url"])
    frame = content_frame(page)
    assert frame.url.endswith("sco.html")
    # The course can touch its own player page (same origin), but nothing on the API origin:
    # cross-origin reads fail without CORS, and no credentials ride along.
    result = frame.evaluate(
        """async (api) => {
        try { const r = await fetch(api + '/api/v1/packages', {credentials: 'include'});
              return 'read:' + r.status; }
        catch (e) { return 'blocked'; } }""",
        live_server.url,
    )
    assert result == "blocked"
    assert frame.evaluate("window.top.location.origin") == content_origin
    context.close()
