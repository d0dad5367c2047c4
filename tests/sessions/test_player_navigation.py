"""Multi-SCO packages in the player, in Debian's Chromium: the table of contents, flow between
SCOs (SCORM 1.2), and SCORM 2004 sequencing by the manifest's rules (forced order, suspend all,
resume, exit), with the session rolled up across SCOs."""

import time

import pytest

from tests.sessions.live_player import content_frame, read_log, relaunch, session
from tests.sessions.navigation import (
    FORCED,
    button,
    launch_fixture,
    open_page,
    pass_quiz,
    read_through,
    toc,
    wait_for_item,
)
from tests.support import screenshot, wait_until

pytestmark = pytest.mark.browser


# ---- SCORM 1.2: table of contents and flow ---------------------------------------------


def test_scorm12_multi_sco_contents_flow_and_rollup(live_server, browser):
    sid, context, page = launch_fixture(
        live_server, browser, "golf_scorm12_multisco_runtime_min.zip", "playing_playing_item"
    )

    items = toc(page)
    assert len(items) == 18 and all(t["enabled"] for t in items)
    assert [t["title"] for t in items[:2]] == ["How to Play", "Par"]
    clusters = page.eval_on_selector_all(".toc-cluster", "els => els.map(e => e.textContent)")
    assert clusters == ["Playing the Game", "Etiquette", "Handicapping", "Having Fun"]
    assert button(page, "previous").is_disabled() and button(page, "continue").is_enabled()
    assert button(page, "suspend").is_hidden() and button(page, "exit").is_hidden()

    # Continue: the SCO is unloaded (it finishes in its unload handler, without ever setting a
    # status, so the LMS marks it completed) and the next one starts.
    button(page, "continue").click()
    wait_for_item(page, "playing_par_item")
    assert toc(page)[0]["status"] == "completed"
    screenshot(page, "player-scorm12-multi-sco")

    # Choice from the table of contents, then every remaining item in turn.
    page.click(".toc-item[data-item=etiquette_quiz_item]")
    wait_for_item(page, "etiquette_quiz_item")
    for item in [t["id"] for t in toc(page) if t["status"] == "not-attempted" and not t["current"]]:
        page.click(f".toc-item[data-item={item}]")
        wait_for_item(page, item)
    page.click(".toc-item[data-item=playing_playing_item]")  # unloads the last one
    wait_for_item(page, "playing_playing_item")
    assert all(t["status"] == "completed" for t in toc(page))
    context.close()

    s = wait_until(lambda: (x := session(live_server, sid))["completion_status"] == "completed" and x)
    assert s["launch_count"] == 1
    log = read_log(live_server, sid)
    assert len({e["item_id"] for e in log}) == 18
    assert {e["call"] for e in log} == {"LMSInitialize", "LMSFinish"}

    # Relaunch: every item is completed, so the player starts at the first; the table of
    # contents shows the saved statuses straight away.
    context, page = open_page(browser, relaunch(live_server, sid))
    wait_for_item(page, "playing_playing_item")
    assert all(t["status"] == "completed" for t in toc(page))
    context.close()


# ---- SCORM 2004: sequencing ------------------------------------------------------------


def test_scorm2004_forced_sequence_suspend_resume_and_exit(live_server, browser):
    sid, context, page = launch_fixture(live_server, browser, FORCED, "playing_item")

    # Precondition rules: each SCO is disabled until the one before it is satisfied.
    assert [(t["id"], t["enabled"]) for t in toc(page)] == [
        ("playing_item", True),
        ("etuqiette_item", False),
        ("handicapping_item", False),
        ("havingfun_item", False),
        ("assessment_item", False),
    ]
    assert button(page, "previous").is_disabled()
    read_through(page)
    button(page, "continue").click()
    wait_for_item(page, "etuqiette_item")
    items = {t["id"]: t for t in toc(page)}
    assert items["playing_item"]["status"] == "passed"
    assert items["etuqiette_item"]["enabled"] and not items["handicapping_item"]["enabled"]
    screenshot(page, "player-scorm2004-sequencing")

    # Save and exit (suspend all) in the middle of the second SCO.
    frame = content_frame(page)
    frame.locator("#butNext").click()
    page.wait_for_timeout(300)
    button(page, "suspend").click()
    page.get_by_role("heading", name="Your place is saved").wait_for(timeout=10_000)
    assert button(page, "continue").is_disabled()
    context.close()
    s = wait_until(lambda: (x := session(live_server, sid))["completion_status"] == "incomplete" and x)
    assert s["success_status"] == "unknown"

    # Relaunch: resume all brings back the suspended SCO, at its bookmark, with entry=resume.
    context, page = open_page(browser, relaunch(live_server, sid))
    wait_for_item(page, "etuqiette_item")
    assert page.evaluate("window.API_1484_11.GetValue('cmi.entry')") == "resume"
    assert {t["id"]: t["status"] for t in toc(page)}["playing_item"] == "passed"
    # The SCO read its bookmark (its second visit; the first found none).
    bookmarks = wait_until(
        lambda: (
            len(
                x := [
                    e
                    for e in read_log(live_server, sid)
                    if e["item_id"] == "etuqiette_item"
                    and e["call"] == "GetValue"
                    and e["args"] == ["cmi.location"]
                ]
            )
            == 2
            and x
        ),
        timeout=20,
    )
    assert [b["result"] for b in bookmarks] == ["", "1"]
    read_through(page)
    for item in ("handicapping_item", "havingfun_item"):
        button(page, "continue").click()
        wait_for_item(page, item)
        read_through(page)
    button(page, "continue").click()
    wait_for_item(page, "assessment_item")
    read_through(page)
    pass_quiz(page)
    button(page, "exit").click()
    page.get_by_role("heading", name="You have left the course").wait_for(timeout=10_000)
    screenshot(page, "player-scorm2004-finished")
    context.close()

    # The course's status is the sequencing engine's rollup of the whole activity tree.
    s = wait_until(lambda: (x := session(live_server, sid))["completion_status"] == "completed" and x)
    assert s["success_status"] == "passed" and s["launch_count"] == 2
    assert s["time_spent_seconds"] > 0
    log = read_log(live_server, sid)
    assert {e["item_id"] for e in log} == {
        "playing_item",
        "etuqiette_item",
        "handicapping_item",
        "havingfun_item",
        "assessment_item",
    }


def test_closing_a_sequenced_course_suspends_it(live_server, browser):
    sid, context, page = launch_fixture(live_server, browser, FORCED, "playing_item")
    read_through(page)
    button(page, "continue").click()
    wait_for_item(page, "etuqiette_item")
    page.close()  # no Save and exit: the window just closes
    context.close()

    # The page's last beacons (commit, sequencing state, call log) go out in that order.
    wait_until(lambda: any(e["item_id"] == "etuqiette_item" for e in read_log(live_server, sid)))
    time.sleep(0.5)
    s = session(live_server, sid)
    context, page = open_page(browser, relaunch(live_server, sid))
    wait_for_item(page, "etuqiette_item")
    assert page.evaluate("window.API_1484_11.GetValue('cmi.entry')") == "resume"
    assert {t["id"]: t["status"] for t in toc(page)}["playing_item"] == "passed"
    assert s["completion_status"] == "incomplete"
    context.close()


@pytest.mark.parametrize(
    "name,first,choosable",
    [
        # Flow with choice: all four lessons can be chosen; the (hidden) tests cannot.
        (
            "golf_scorm2004_3ed_seq_random_test.zip",
            "playing_item",
            {"playing_item", "etuqiette_item", "handicapping_item", "havingfun_item"},
        ),
        # Flow only (choice="false"): nothing in the contents can be chosen.
        ("golf_scorm2004_3ed_seq_simple_remediation.zip", "playing_item", set()),
        # A pre-test first; the lessons are open to choice, the post-test is not yet.
        (
            "golf_scorm2004_3ed_seq_pre_or_post_test_rollup.zip",
            "pretest_item",
            {"playing_item", "etuqiette_item", "handicapping_item", "havingfun_item"},
        ),
    ],
)
def test_sequencing_packages_start_where_their_rules_say(live_server, browser, name, first, choosable):
    sid, context, page = launch_fixture(live_server, browser, name, first)
    assert {t["id"] for t in toc(page) if t["enabled"]} == choosable
    assert button(page, "continue").is_enabled() and button(page, "previous").is_disabled()
    # The page's log batches (its periodic flush, the closing beacon) may land in any order;
    # waited for while the page is open, as a context closed at once on a busy machine can
    # drop the beacon before it is sent.
    log = wait_until(
        lambda: (x := read_log(live_server, sid)) and any(e["call"] == "Initialize" for e in x) and x
    )
    context.close()
    assert log[0]["call"] == "Initialize" and log[0]["item_id"] == first
