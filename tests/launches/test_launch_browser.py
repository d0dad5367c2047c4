"""xAPI and cmi5 content in the player, in Debian's Chromium against a real server: the AUs
fetch their token, read LMS.LaunchData, report, and return to the player through returnURL."""

import json

import pytest

from tests.launches.browser_aus import cmi5_course, tincan_course
from tests.launches.cmi5_au import PUB
from tests.sessions.live_player import content_frame, new_session, session, upload

pytestmark = pytest.mark.browser


def report_of(frame_or_page, timeout=15_000) -> dict:
    frame_or_page.wait_for_function(
        "document.getElementById('report').textContent !== 'running'", timeout=timeout
    )
    return json.loads(frame_or_page.inner_text("#report"))


def open_course(live_server, browser, data: bytes):
    """Upload, register a learner, open the launch link: (the session, the browser context, the page)."""
    created = new_session(live_server, upload(live_server, data))
    context = browser.new_context()
    page = context.new_page()
    page.goto(created["launch_url"])
    return created, context, page


def test_cmi5_course_in_the_player(live_server, browser):
    created, context, page = open_course(live_server, browser, cmi5_course())
    intro = report_of(content_frame(page))
    assert intro == {
        "statuses": {"initialized": 204, "completed": 204, "terminated": 204},
        "launchMode": "Normal",
        "prefs": 404,
        "finished": True,
    }
    # The AU went to its returnURL: the player takes over and shows where the learner is.
    page.wait_for_selector(".message h2:text('This part of the course has ended')", timeout=10_000)
    assert "Course not completed yet" in page.inner_text(".message")
    page.click(f"button.toc-item[data-item='{PUB}/au/quiz']")
    quiz = report_of(content_frame(page))
    assert quiz["statuses"] == {"initialized": 204, "passed": 204, "completed": 204, "terminated": 204}
    page.wait_for_selector(".message h2:text('This part of the course has ended')", timeout=10_000)
    assert "Course completed, passed" in page.inner_text(".message")
    assert page.get_attribute(f"button.toc-item[data-item='{PUB}/au/quiz'] .dot", "class") == "dot passed"
    s = session(live_server, created["session"]["id"])
    assert (s["completion_status"], s["success_status"], s["score"]["scaled"]) == ("completed", "passed", 0.9)
    context.close()


def test_own_window_au_takes_the_window_and_comes_back(live_server, browser):
    created, context, page = open_course(live_server, browser, cmi5_course(own_window=True))
    page.wait_for_url("**/intro/index.html?**", timeout=15_000)
    assert report_of(page)["statuses"]["completed"] == 204
    page.wait_for_url("**/player/launch/**", timeout=15_000)  # returnURL: the player again
    page.wait_for_selector("#toc button.toc-item", timeout=10_000)
    assert session(live_server, created["session"]["id"])["completion_status"] == "incomplete"
    context.close()


def test_tincan_content_in_the_player(live_server, browser):
    created, context, page = open_course(live_server, browser, tincan_course())
    assert report_of(content_frame(page)) == {"attempted": 200, "completed": 200, "terminated": 200}
    s = session(live_server, created["session"]["id"])
    assert (s["completion_status"], s["time_spent_seconds"]) == ("completed", 60)
    context.close()
