"""/api/docs renders the API reference in a real browser with no network at all."""

import pytest

from tests.support import screenshot

pytestmark = pytest.mark.browser


def test_docs_render_offline(live_server, offline_page):
    page = offline_page
    refused = []  # what the page's Content-Security-Policy blocked, if anything
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    resp = page.goto(live_server.url + "/api/docs", wait_until="networkidle")
    assert resp.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    page.get_by_text("SCORM API appliance").first.wait_for(timeout=15_000)
    page.get_by_text("List packages").first.wait_for(timeout=15_000)
    shot = screenshot(page, "api-docs")
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    assert page.external_requests == []
    assert page.failed_local == []
    text = page.inner_text("body")
    for summary in ("Create an API key", "Service health", "List tenants"):
        assert summary in text
    assert refused == []
