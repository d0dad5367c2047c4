"""The player never strands a learner (issue 21): every state it can reach says in plain words
where the learner is and offers a way on. In Debian's Chromium, with real golf courses and
small scripted ones."""

import pytest
import requests

from tests.packages import zips
from tests.sessions.courses import scripted_course
from tests.sessions.live_player import content_frame, new_session, read_log, relaunch, session, upload
from tests.sessions.navigation import (
    FORCED,
    button,
    launch_fixture,
    open_page,
    play_forced_course_to_the_end,
    read_through,
    toc,
    wait_for_item,
)
from tests.support import bearer, screenshot, wait_until

pytestmark = pytest.mark.browser


def stage_heading(page) -> str:
    page.wait_for_selector("#stage .message h2", timeout=15_000)
    return page.inner_text("#stage .message h2")


def action(page, name: str):
    return page.locator("#stage .message .actions button", has_text=name)


def test_forced_order_continue_is_refused_before_the_part_is_done(live_server, browser):
    sid, context, page = launch_fixture(live_server, browser, FORCED, "playing_item")

    # The next part's precondition is not met: Continue is off, and says why.
    page.wait_for_function("() => document.getElementById('nav-continue').title !== ''", timeout=10_000)
    assert button(page, "continue").is_disabled()
    assert button(page, "continue").get_attribute("title") == "Finish this part first"
    assert page.locator("#content").count() == 1  # the content is still there

    # The SCO ends itself unfinished; Continue is then a request the engine refuses. The stage
    # says so and offers the part again, never a blank page.
    page.evaluate("window.API_1484_11.Terminate('')")
    wait_until(lambda: button(page, "continue").is_enabled(), timeout=10)
    button(page, "continue").click()
    assert stage_heading(page) == "You cannot go on yet"
    assert "finish “Playing the Game” first" in page.inner_text("#stage")
    screenshot(page, "player-ways-on-cannot-go-on")
    action(page, "Back to “Playing the Game”").click()
    wait_for_item(page, "playing_item")

    # Exit the course half way; the relaunch starts it again where the rules allow (it used
    # to answer "Your place is saved" with every button off, for ever).
    button(page, "exit").click()
    assert stage_heading(page) == "You have left the course"
    assert action(page, "Open the course again").is_visible()
    context.close()
    context, page = open_page(browser, relaunch(live_server, sid))
    wait_for_item(page, "playing_item")
    assert button(page, "exit").is_enabled() and button(page, "suspend").is_enabled()
    read_through(page)
    wait_until(lambda: button(page, "continue").is_enabled(), timeout=15)
    button(page, "continue").click()
    wait_for_item(page, "etuqiette_item")
    context.close()


def test_a_completed_course_reopens_to_review_or_a_new_attempt(live_server, browser):
    sid, context, page = launch_fixture(live_server, browser, FORCED, "playing_item")
    play_forced_course_to_the_end(page)
    button(page, "exit").click()
    assert stage_heading(page) == "You have left the course"
    assert action(page, "Review the course").is_visible()
    context.close()
    done = wait_until(lambda: (s := session(live_server, sid))["completion_status"] == "completed" and s)

    # Reopened: it says the course is done, and offers review and a new attempt.
    context, page = open_page(browser, relaunch(live_server, sid))
    assert stage_heading(page) == "You have completed this course"
    # The manifest rolls up no score (every objective measure weight is 0): none is shown.
    assert "Course completed, passed. Your results" in page.inner_text("#stage")
    assert done["score"] is None or done["score"]["scaled"] is None
    screenshot(page, "player-ways-on-completed")

    # Review: every part open to choice, the content in review mode, nothing recorded.
    action(page, "Review the course").click()
    wait_for_item(page, "playing_item")
    assert page.evaluate("window.API_1484_11.GetValue('cmi.mode')") == "review"
    assert page.evaluate("window.API_1484_11.GetValue('cmi.credit')") == "no-credit"
    assert all(t["enabled"] for t in toc(page))
    assert page.inner_text("#status") == "Review: nothing you do now changes your results"
    page.evaluate("API_1484_11.SetValue('cmi.completion_status', 'incomplete'); API_1484_11.Commit('')")
    page.click(".toc-item[data-item=assessment_item]")
    wait_for_item(page, "assessment_item")
    button(page, "exit").click()
    assert stage_heading(page) == "You have finished reviewing the course"
    after = session(live_server, sid)
    assert after["version"] == done["version"] and after["completion_status"] == "completed"

    # A new attempt: a new session for the learner, the finished one kept as it was.
    action(page, "Start a new attempt").click()
    wait_for_item(page, "playing_item")
    assert page.evaluate("window.API_1484_11.GetValue('cmi.entry')") == "ab-initio"
    context.close()
    old = session(live_server, sid)
    assert not old["is_current_attempt"] and old["completion_status"] == "completed"
    listed = requests.get(
        live_server.url + "/api/v1/sessions",
        params={"user_id": "learner-1"},
        headers=bearer(live_server.admin_key),
        timeout=10,
    ).json()
    current = [s for s in listed["sessions"] if s["id"] != sid]
    assert len(current) == 1 and current[0]["attempts"] == 2


def test_a_scorm12_course_that_exits_itself_shows_it_has_ended(live_server, browser):
    pkg = upload(live_server, scripted_course("1.2"), "scripted12.zip")
    created = new_session(live_server, pkg)
    context, page = open_page(browser, created["launch_url"])
    # The scripted SCO calls LMSFinish as soon as it loads: the player takes the content away.
    assert stage_heading(page) == "You have left the course"
    assert page.inner_text("#stage").startswith("You have left the course\n\nPassed.")
    assert page.locator("#content").count() == 0
    screenshot(page, "player-ways-on-scorm12-exit")
    action(page, "Open the course again").click()
    page.wait_for_selector("#stage .message", state="detached", timeout=10_000)
    assert stage_heading(page) == "You have left the course"  # it finished again at once
    sid = created["session"]["id"]
    log = wait_until(
        lambda: len(x := [e for e in read_log(live_server, sid) if e["call"] == "LMSInitialize"]) == 2 and x
    )
    assert all(e["result"] == "true" for e in log)
    context.close()


NEVER_STARTS = b"""<!doctype html><html><head><title>Needs the internet</title>
<script src="https://cdn.example.com/jquery-3.7.1.min.js"></script></head>
<body><p>Loading the course...</p><script>
if (window.jQuery) { window.parent.API.LMSInitialize(""); }
</script></body></html>"""


def test_a_course_that_never_starts_says_so_and_why(live_server, offline_page):
    pkg = upload(live_server, zips.build(zips.minimal(**{"index.html": NEVER_STARTS})), "needs-net.zip")
    assert any(w["code"] == "offline_hazard" for w in pkg.get("warnings", []))
    page = offline_page
    page.goto(new_session(live_server, pkg)["launch_url"])
    page.wait_for_selector("#notice:not([hidden])", timeout=45_000)
    text = page.inner_text("#notice")
    assert "This part of the course has not started" in text
    assert "https://cdn.example.com/jquery-3.7.1.min.js" in text
    assert "ask your trainer for a version of the course that works offline" in text
    assert page.inner_text("#status") == "Not started"
    screenshot(page, "player-ways-on-never-started")
    page.locator("#notice button", has_text="Try again").click()
    page.wait_for_selector("#notice", state="hidden", timeout=10_000)
    assert page.inner_text("#status") in ("Loading…", "Starting…")


HIDDEN_NAV_MANIFEST = """<?xml version="1.0"?>
<manifest identifier="hidenav" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
          xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Own navigation</title>
    <item identifier="one" identifierref="r"><title>One</title>
      <adlnav:presentation><adlnav:navigationInterface>
        <adlnav:hideLMSUI>continue</adlnav:hideLMSUI><adlnav:hideLMSUI>previous</adlnav:hideLMSUI>
      </adlnav:navigationInterface></adlnav:presentation></item>
    <item identifier="two" identifierref="r"><title>Two</title></item>
    <imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="index.html">
    <file href="index.html"/></resource></resources>
</manifest>"""

OWN_NAV_SCO = b"""<!doctype html><html><body><button id="next">Next part</button><script>
var api = window.parent.API_1484_11; api.Initialize("");
document.getElementById("next").onclick = function () {
  api.SetValue("adl.nav.request", "continue"); api.Terminate("");
};
</script></body></html>"""


def test_hide_lms_ui_hides_the_players_buttons_where_the_package_says(live_server, browser):
    data = zips.build({"imsmanifest.xml": HIDDEN_NAV_MANIFEST.encode(), "index.html": OWN_NAV_SCO})
    pkg = upload(live_server, data, "hidenav.zip")
    context, page = open_page(browser, new_session(live_server, pkg)["launch_url"])
    wait_for_item(page, "one")
    # The course has its own Next: the player shows one set of buttons, not two.
    assert button(page, "continue").is_hidden() and button(page, "previous").is_hidden()
    assert button(page, "exit").is_visible()
    screenshot(page, "player-ways-on-hide-lms-ui")
    content_frame(page).click("#next")
    wait_for_item(page, "two")
    assert button(page, "continue").is_visible() and button(page, "previous").is_visible()
    context.close()
