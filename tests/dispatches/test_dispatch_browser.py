"""A dispatched course in two real host LMSs, each on its own origin, in Debian's Chromium:

1. a second appliance imports the generated shell zip as an ordinary package and launches it
   for its learner; the real course (Rustici's Golf, SCORM 1.2) plays from the first
   appliance to its end; the host's session gets the bridged status and score, ours the full
   CMI; a relaunch resumes the same registration;
2. a minimal LMS page on scorm-again's own LMS-side API (SCORM 2004 shell) records what the
   shell commits there; a message from another origin is ignored;
and each refusal (revoked, expired, over the cap, wrong password, a page not allowed) is a
page the learner reads inside the host."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.dispatches.hosts import dispatched_frames, scorm_again_host
from tests.dispatches.support import expire_now
from tests.sessions.live_player import content_frame, new_session, session, upload
from tests.support import bearer, fixture, screenshot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COURSE = "golf_scorm12_runtime_basic.zip"
PAGES = 15  # the course's pageArray: 14 pages, then its test


def api(srv, method, path, **kw):
    resp = requests.request(method, srv.url + path, headers=bearer(srv.admin_key), timeout=30, **kw)
    assert resp.status_code < 300, resp.text
    return resp.json() if resp.headers.get("Content-Type", "").startswith("application/json") else resp


def shell_zip(srv, dispatch_id, standard="scorm12") -> bytes:
    api(srv, "POST", f"/api/v1/dispatches/{dispatch_id}/generate", json={"standard": standard})
    wait_until(
        lambda: api(srv, "GET", f"/api/v1/dispatches/{dispatch_id}")["zip"]["status"] == "ready", timeout=30
    )
    return api(srv, "GET", f"/api/v1/dispatches/{dispatch_id}/zip").content


def hostport(url: str) -> str:
    return urlsplit(url).netloc


def content_origin(srv) -> str:
    """A server's content origin (host:port): its API's address under the other loopback name."""
    return hostport(srv.url).replace("127.0.0.1", "localhost")


def ours(srv, dispatch_id) -> dict:
    regs = api(srv, "GET", f"/api/v1/dispatches/{dispatch_id}/registrations")["registrations"]
    assert len(regs) == 1, regs
    return session(srv, regs[0]["session_id"]) | {"registration": regs[0]}


def test_a_second_appliance_hosts_the_course_and_both_keep_the_results(live_server_factory, browser):
    provider, host = live_server_factory(), live_server_factory()
    pkg = upload(provider, fixture(COURSE).read_bytes(), COURSE)
    host_origin = content_origin(host)  # where the host's player and the shell run
    d = api(
        provider,
        "POST",
        "/api/v1/dispatches",
        json={"package_id": pkg["id"], "dispatch_name": "Golf for Partner", "allowed_domains": [host_origin]},
    )["dispatch"]
    shell = upload(host, shell_zip(provider, d["id"]), "golf-dispatch.zip")
    assert shell["status"] == "ready" and not shell.get("warnings"), shell
    created = new_session(host, shell, user="host-learner-7")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(created["launch_url"])
    _, player, sco = dispatched_frames(page)
    for _ in range(PAGES - 1):
        sco.click("#butNext")
        assert player.evaluate("window.API.LMSCommit('')") == "true"
        time.sleep(0.3)
    test = sco.frame_locator("#contentFrame")
    test.locator("input[value='Submit Answers']").click()
    test.locator("text=Score:").wait_for(timeout=10_000)
    screenshot(page, "dispatch-golf-in-host-appliance")
    sco.click("#butExit")  # LMSFinish in the course: the last commit here, then the bridge's final

    mine = wait_until(
        lambda: (s := ours(provider, d["id"]))["completion_status"] == "completed" and s, timeout=30
    )
    assert mine["user_id"] == f"{d['id']}/host-learner-7" and mine["user_name"] == "Ann Lee"
    assert mine["score"]["raw"] is not None
    full = api(provider, "GET", f"/api/v1/sessions/{mine['id']}")["session"]
    assert full["cmi_data"]  # the full CMI stays with the provider

    def hosted():
        s = session(host, created["session"]["id"])
        # No score until the bridge's results arrive (an unknown score is null, not 0).
        return s["score"] and s["score"]["raw"] is not None and s["completion_status"] == "completed" and s

    theirs = wait_until(hosted, timeout=30)
    assert theirs["success_status"] == mine["success_status"] and theirs["success_status"] in (
        "passed",
        "failed",
    )
    assert theirs["score"]["raw"] == pytest.approx(mine["score"]["raw"])
    assert theirs["time_spent_seconds"] > 0  # the bridged session time
    context.close()

    # A relaunch from the host (a new launch there) resumes the same registration here.
    context = browser.new_context()
    page = context.new_page()
    relaunch = api(host, "POST", f"/api/v1/sessions/{created['session']['id']}/launch")["launch_url"]
    page.goto(relaunch)
    dispatched_frames(page)
    again = ours(provider, d["id"])
    assert again["id"] == mine["id"] and again["registration"]["launch_count"] == 2
    got = api(provider, "GET", f"/api/v1/dispatches/{d['id']}")
    assert got["registration_count"] == 1 and got["figures"]["completions"] == 1
    context.close()


def test_a_scorm_again_lms_records_what_the_shell_commits(live_server_factory, browser):
    provider = live_server_factory()
    pkg = upload(provider, fixture(COURSE).read_bytes(), COURSE)
    d = api(provider, "POST", "/api/v1/dispatches", json={"package_id": pkg["id"]})["dispatch"]
    with scorm_again_host(shell_zip(provider, d["id"], "scorm2004"), "scorm2004") as lms:
        api(provider, "PATCH", f"/api/v1/dispatches/{d['id']}", json={"allowed_domains": [hostport(lms.url)]})
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(lms.url + "/")
        _shell, player, sco = dispatched_frames(page)
        sco.wait_for_selector("#butNext")
        # A page of another origin (the host's own) posts forged results: the shell ignores them.
        page.evaluate(
            """() => document.getElementById('content').contentWindow.postMessage({type: 'scorm-api:dispatch-results',
               version: 1, final: true, results: {completion: 'completed', success: 'passed',
               score: {scaled: 1, raw: 100, min: 0, max: 100}}}, '*')"""
        )
        page.wait_for_timeout(500)
        assert page.evaluate("window.API_1484_11.GetValue('cmi.success_status')") == "unknown"
        assert page.evaluate("window.API_1484_11.isTerminated()") is False
        # The course reports, as SCOs do; the appliance commits, the bridge carries it over.
        for call in (
            "API.LMSSetValue('cmi.core.lesson_location', 'page-5')",
            "API.LMSSetValue('cmi.suspend_data', 'visited=1,2,3,4,5')",
            "API.LMSSetValue('cmi.core.score.raw', '85')",
            "API.LMSSetValue('cmi.core.score.min', '0')",
            "API.LMSSetValue('cmi.core.score.max', '100')",
            "API.LMSSetValue('cmi.core.lesson_status', 'passed')",
            "API.LMSCommit('')",
        ):
            assert player.evaluate(f"window.{call}") == "true", call
        wait_until(lambda: lms.last("cmi.success_status") == "passed", timeout=20)
        assert lms.last("cmi.completion_status") == "completed"
        assert lms.last("cmi.score.raw") == "85" and lms.last("cmi.score.scaled") == "0.85"
        assert lms.last("cmi.location") == "page-5" and lms.last("cmi.suspend_data") == "visited=1,2,3,4,5"
        assert lms.last("cmi.learner_id") in (None, "partner-7")
        screenshot(page, "dispatch-in-scorm-again-lms")
        assert player.evaluate("window.API.LMSFinish('')") == "true"
        wait_until(lambda: page.evaluate("window.API_1484_11.isTerminated()"), timeout=20)
        assert lms.last("cmi.session_time") is not None and lms.last("cmi.exit") == "normal"
        reg = ours(provider, d["id"])
        assert reg["registration"]["learner_id"] == "partner-7" and reg["success_status"] == "passed"
        assert reg["registration"]["host_origin"] == lms.url
        context.close()


def _refusal_in_host(browser, lms_url) -> str:
    context = browser.new_context()
    page = context.new_page()
    page.goto(lms_url + "/")
    shell = content_frame(page)
    shell.wait_for_function("() => document.getElementById('course').src", timeout=20_000)
    ours_frame = shell.query_selector("iframe#course").content_frame()
    ours_frame.wait_for_selector("#error-code", timeout=20_000)
    code = ours_frame.inner_text("#error-code")
    context.close()
    return code


def test_each_refusal_is_a_page_inside_the_host(live_server_factory, browser):
    provider = live_server_factory()
    pkg = upload(provider, fixture("golf_scorm12_singlesco.zip").read_bytes())
    d = api(
        provider,
        "POST",
        "/api/v1/dispatches",
        json={"package_id": pkg["id"], "allowed_domains": ["lms.partner.com"]},
    )["dispatch"]
    with scorm_again_host(shell_zip(provider, d["id"]), "scorm12") as lms:
        assert _refusal_in_host(browser, lms.url) == "DISPATCH_DOMAIN_NOT_ALLOWED"
        path = f"/api/v1/dispatches/{d['id']}"
        api(provider, "PATCH", path, json={"allowed_domains": [], "registration_limit": 1})
        # Someone else took the one place first.
        requests.get(d["launch_url"], params={"learner_id": "first"}, timeout=10)
        assert _refusal_in_host(browser, lms.url) == "DISPATCH_REGISTRATION_LIMIT"
        api(provider, "PATCH", path, json={"registration_limit": None, "expires_in_hours": 1})
        expire_now(provider.data_dir, d["id"])
        assert _refusal_in_host(browser, lms.url) == "DISPATCH_EXPIRED"
        api(provider, "PATCH", path, json={"expires_in_hours": None, "password": "open sesame"})
        context = browser.new_context()
        page = context.new_page()
        page.goto(lms.url + "/")
        form = content_frame(page).query_selector("iframe#course")
        wait_until(lambda: (f := form.content_frame()) and f.query_selector("#password"), timeout=20)
        frame = form.content_frame()
        frame.fill("#password", "wrong guess")
        frame.click("button[type=submit]")
        frame.wait_for_selector("text=That access password is not right", timeout=10_000)
        screenshot(page, "dispatch-wrong-password")
        frame.fill("#password", "open sesame")
        frame.click("button[type=submit]")
        content_frame(frame)  # the course opens
        context.close()
        api(provider, "DELETE", path)
        assert _refusal_in_host(browser, lms.url) == "DISPATCH_REVOKED"


def test_the_shell_finds_the_api_of_the_window_that_opened_it(live_server_factory, browser):
    """An LMS that opens its SCOs in a window of their own: the API is in the opener."""
    provider = live_server_factory()
    pkg = upload(provider, fixture(COURSE).read_bytes(), COURSE)
    d = api(provider, "POST", "/api/v1/dispatches", json={"package_id": pkg["id"]})["dispatch"]
    with scorm_again_host(shell_zip(provider, d["id"]), "scorm12") as lms:
        context = browser.new_context()
        page = context.new_page()
        page.goto(lms.url + "/popup")
        with context.expect_page() as opened:
            page.click("#open")
        window = opened.value
        _, player, _ = dispatched_frames(window, shell=window.main_frame)
        player.wait_for_function(
            "document.getElementById('status').textContent === 'Tracking'", timeout=20_000
        )
        for call in ("API.LMSSetValue('cmi.core.lesson_status', 'completed')", "API.LMSCommit('')"):
            assert player.evaluate(f"window.{call}") == "true", call
        wait_until(lambda: lms.last("cmi.core.lesson_status") == "completed", timeout=20)
        screenshot(window, "dispatch-in-a-window-of-its-own")
        assert ours(provider, d["id"])["registration"]["learner_id"] == "partner-7"
        context.close()
