"""Courses dropped on the Packages page at once, in Debian's Chromium against a real server
whose upload bucket holds far fewer calls than they need (two per course: upload-url and
process): they queue, wait out each 429 the time the server names, and every one is imported;
one that the server refuses turns its bar red with the server's reason."""

import re
import time

import pytest
import requests

from tests.dashboard.pages import first_sign_in, laptop_page
from tests.packages import zips
from tests.support import bearer, fixture, screenshot

pytestmark = pytest.mark.browser

TIGHT = {"SCORM_API_RATE_LIMIT_UPLOAD": "4", "SCORM_API_RATE_LIMIT_WINDOW_SECONDS": "4"}
RED = "rgb(192, 57, 43)"  # dashboard.css --bad


def wait_for_uploads(page, settled: int, timeout: float = 240) -> None:
    """Until `settled` upload rows are done or failed (the page's CSP allows no evaluated
    script, so this polls)."""
    deadline = time.monotonic() + timeout
    rows = page.locator(".upload.done, .upload.failed")
    while rows.count() < settled:
        assert time.monotonic() < deadline, page.locator(".upload").all_inner_texts()
        page.wait_for_timeout(500)


def titles(srv) -> list[str]:
    listed = requests.get(srv.url + "/api/v1/packages?limit=100", headers=bearer(srv.admin_key), timeout=30)
    return sorted(p["title"] for p in listed.json()["packages"])


def test_a_folder_of_twenty_courses_imports_through_the_rate_limit(live_server_factory, browser, tmp_path):
    """The page waits out each 429 for its Retry-After, saying so, and every course is in."""
    srv = live_server_factory(env=TIGHT)
    paths = []
    for n in range(20):
        manifest = zips.MINIMAL_MANIFEST.replace(b"Tiny course", f"Course {n:02d}".encode())
        path = tmp_path / f"course-{n:02d}.zip"
        path.write_bytes(zips.build({"imsmanifest.xml": manifest, "index.html": b"<html>hi</html>"}))
        paths.append(str(path))
    context, page = laptop_page(browser)
    try:
        first_sign_in(srv, page)
        page.set_input_files("#file-input", paths)
        page.locator(".upload .step").filter(has_text="(rate limit)").first.wait_for(timeout=60_000)
        screenshot(page, "dashboard-uploads-waiting")
        wait_for_uploads(page, 20)
        failed = page.locator(".upload.failed").all_inner_texts()
        assert failed == [], failed
        screenshot(page, "dashboard-uploads-done")
        assert page.errors == []
    finally:
        context.close()
    assert titles(srv) == [f"Course {n:02d}" for n in range(20)]


COURSES = {
    "golf_scorm12_singlesco.zip": "Golf Explained - CP Single SCO",
    "golf_scorm12_multi_item_assets.zip": "Golf Explained - CP One File Per SCO",
    "golf_scorm12_multisco_runtime_min.zip": "Golf Explained - Minimum Run-time Calls",
    "golf_scorm12_runtime_basic.zip": "Golf Explained - Run-time Basic Calls",
    "golf_scorm2004_2ed_singlesco.zip": "Golf Explained - CP Single SCO",
    "golf_scorm2004_3ed_runtime_advanced.zip": "Golf Explained - Run-time Advanced Calls",
    "golf_scorm2004_3ed_seq_forced_sequential.zip": "Golf Explained - Sequencing Forced Order",
}
BROKEN = "broken_scorm12_malformed_xml.zip"


def test_seven_real_courses_and_a_broken_one_dropped_in_two_goes(live_server_factory, browser):
    """Seven real courses and a broken one, dropped in two goes while the first are still
    going: one queue takes them all, two at a time. The 429s reach the page without
    Retry-After (as from a proxy that drops it), so the page waits for X-RateLimit-Reset, the
    cloud's documented header. The broken one's bar ends full and red, with the server's
    reason; the seven are imported."""
    srv = live_server_factory(env=TIGHT)
    context, page = laptop_page(browser)
    refused = []

    def without_retry_after(route):
        answer = route.fetch()
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "retry-after"}
        if answer.status == 429:
            refused.append(headers.get("x-ratelimit-reset"))
        route.fulfill(response=answer, headers=headers)

    try:
        first_sign_in(srv, page)
        page.route(re.compile(r"/api/v1/packages/(upload-url|process)$"), without_retry_after)
        names = [*COURSES, BROKEN]
        page.set_input_files("#file-input", [str(fixture(n)) for n in names[:4]])
        page.locator(".upload.done").first.wait_for(timeout=60_000)
        page.set_input_files("#file-input", [str(fixture(n)) for n in names[4:]])
        page.locator(".upload .step").filter(has_text="(rate limit)").first.wait_for(timeout=60_000)
        # Never more than two under way at once, over both drops.
        assert (
            page.locator(".upload .step")
            .filter(has_text=re.compile("^(Preparing|Uploading|Processing)"))
            .count()
            <= 2
        )
        screenshot(page, "dashboard-uploads-queued")
        wait_for_uploads(page, len(names))

        broken = page.locator(".upload", has_text=BROKEN)
        assert broken.get_attribute("class").split() == ["upload", "failed"]
        reason = broken.locator(".step").inner_text()
        bar = broken.locator("progress")
        assert bar.get_attribute("value") == "100"
        assert bar.evaluate("(el) => getComputedStyle(el).accentColor") == RED
        assert page.locator(".upload.done").count() == len(COURSES)
        broken.scroll_into_view_if_needed()
        screenshot(page, "dashboard-uploads-one-failed")
        assert page.errors == []
    finally:
        context.close()
    assert refused and all(refused), refused  # it was the reset time that the page waited for
    assert titles(srv) == sorted(COURSES.values())
    # The reason shown is the server's own (its error envelope's message) for that zip.
    while True:
        answer = requests.post(
            srv.url + "/api/v1/packages/upload",
            headers=bearer(srv.admin_key),
            files={"file": (BROKEN, fixture(BROKEN).read_bytes())},
            timeout=60,
        )
        if answer.status_code != 429:
            break
        time.sleep(int(answer.headers["Retry-After"]))  # the page's last calls filled the window
    refusal = answer.json()["error"]
    assert refusal["details"]["reason"] == "malformed_xml"
    assert reason == "Failed: " + refusal["message"]
