"""Driving the player's navigation in the browser tests: a fixture course launched, its table
of contents read, waiting for an item, the player's buttons, and playing golf SCOs through."""

from tests.sessions.live_player import content_frame, new_session, upload
from tests.support import fixture, screenshot, wait_until


def open_page(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())  # golf asks "resume where you left off?"
    page.goto(url)
    return context, page


def toc(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".toc-item",
        """els => els.map(e => ({
        id: e.dataset.item, title: e.querySelector('span:nth-child(2)').textContent,
        enabled: !e.disabled, status: e.querySelector('.dot').className.replace('dot ', ''),
        current: e.getAttribute('aria-current') === 'page'}))""",
    )


def launch_fixture(srv, browser, name: str, first_item: str):
    """Upload a fixture package, launch it for a new learner, wait for its first item."""
    pkg = upload(srv, fixture(name).read_bytes(), name)
    created = new_session(srv, pkg)
    context, page = open_page(browser, created["launch_url"])
    wait_for_item(page, first_item)
    return created["session"]["id"], context, page


def wait_for_item(page, item_id: str) -> None:
    try:
        _wait_for_item(page, item_id)
    except Exception:
        screenshot(page, f"failed-wait-for-{item_id}")
        raise AssertionError(
            f"{item_id} never started: status {page.inner_text('#status')!r}, contents {toc(page)}"
        ) from None


def _wait_for_item(page, item_id: str) -> None:
    page.wait_for_function(
        """id => { const b = document.querySelector('.toc-item[aria-current=page]');
        const f = document.getElementById('content');
        return b && b.dataset.item === id && f && f.contentDocument
               && f.contentDocument.readyState === 'complete'
               && !['Loading…', 'Starting…'].includes(document.getElementById('status').textContent); }""",
        arg=item_id,
        timeout=20_000,
    )


def button(page, name: str):
    return page.locator(f"#nav-{name}")


FORCED = "golf_scorm2004_3ed_seq_forced_sequential.zip"


def read_through(page) -> None:
    """Page through a golf SCO with its own Next button until its last page (which sets
    completed and passed)."""
    frame = content_frame(page)
    for _ in range(20):
        nxt = frame.locator("#butNext")
        if nxt.is_disabled():
            return
        nxt.click()
        page.wait_for_timeout(100)
    raise AssertionError("the SCO's pages never ended")


def pass_quiz(page) -> None:
    frame = content_frame(page)
    quiz = frame.frame_locator("#contentFrame")
    quiz.locator("input[type=button][value='Submit Answers']").wait_for(timeout=10_000)
    for radio in quiz.locator(".correctAnswer input[type=radio]").all():
        radio.check()
    for box in quiz.locator(".correctAnswer input[type=text]").all():
        box.fill(box.locator("xpath=..").inner_text().strip().strip("()"))
    quiz.locator("input[type=button][value='Submit Answers']").click()
    quiz.locator("text=Score: 100").wait_for(timeout=10_000)


def play_forced_course_to_the_end(page) -> None:
    """Every SCO of the forced-order golf course read in turn, then its quiz passed."""
    read_through(page)
    for item in ("etuqiette_item", "handicapping_item", "havingfun_item", "assessment_item"):
        wait_until(lambda: button(page, "continue").is_enabled(), timeout=15)
        button(page, "continue").click()
        wait_for_item(page, item)
        read_through(page)
    pass_quiz(page)
