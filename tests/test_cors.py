"""A partner's web app uploading a package from the browser (the seed's quick start): allowed
for the origins the operator lists, refused for others. Over the test client for the headers,
and from a real page on another origin in Chromium."""

from __future__ import annotations

import json

import pytest
import requests

from tests.packages import zips
from tests.support import bearer, http_server

PARTNER = "http://partner.localhost"


@pytest.fixture
def settings(make_settings):
    return make_settings(cors_origins=f"{PARTNER}, https://lms.example.com/")


def test_a_listed_origin_may_preflight_and_call(client, admin_key):
    pre = client.options(
        "/api/v1/packages/upload-url",
        headers={
            "Origin": PARTNER,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == PARTNER
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in pre.headers
    resp = client.get("/api/v1/packages", headers={**bearer(admin_key), "Origin": "https://lms.example.com"})
    assert resp.headers["Access-Control-Allow-Origin"] == "https://lms.example.com"
    assert "X-RateLimit-Remaining" in resp.headers["Access-Control-Expose-Headers"]
    put = client.options(
        "/storage/uploads/x/y/z.zip", headers={"Origin": PARTNER, "Access-Control-Request-Method": "PUT"}
    )
    assert put.status_code == 204 and put.headers["Access-Control-Allow-Origin"] == PARTNER


@pytest.mark.parametrize(
    "origin", ["http://evil.localhost", "null", PARTNER + ".evil.example", "http://partner.localhost:8080"]
)
def test_other_origins_are_refused(client, admin_key, origin):
    pre = client.options(
        "/api/v1/packages", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    assert pre.status_code == 403 and "Access-Control-Allow-Origin" not in pre.headers
    resp = client.get("/api/v1/packages", headers={**bearer(admin_key), "Origin": origin})
    assert "Access-Control-Allow-Origin" not in resp.headers


def test_no_origin_is_listed_by_default(make_settings):
    from scorm_api.factory import create_app

    app = create_app(make_settings(data_dir=make_settings().data_dir.parent / "plain"))
    pre = app.test_client().options(
        "/api/v1/packages", headers={"Origin": PARTNER, "Access-Control-Request-Method": "GET"}
    )
    assert pre.status_code == 403


PAGE = """<!doctype html><meta charset="utf-8"><title>Partner</title><pre id="out">running</pre>
<script>
const base = %(base)s, key = %(key)s, zip = new Uint8Array(%(zip)s);
const auth = { "Authorization": "Bearer " + key, "Content-Type": "application/json" };
(async () => {
  try {
    const mint = await (await fetch(base + "/api/v1/packages/upload-url", { method: "POST", headers: auth,
      body: JSON.stringify({ filename: "course.zip", file_size: zip.length }) })).json();
    const put = await fetch(mint.presigned_url, { method: "PUT", headers: mint.required_put_headers, body: zip });
    const done = await fetch(base + "/api/v1/packages/process", { method: "POST", headers: auth,
      body: JSON.stringify({ storage_path: mint.storage_path }) });
    const pkg = await done.json();
    document.getElementById("out").textContent = JSON.stringify({ put: put.status, process: done.status, status: pkg.status,
      remaining: done.headers.get("X-RateLimit-Remaining") });
  } catch (e) { document.getElementById("out").textContent = JSON.stringify({ error: String(e) }); }
})();
</script>"""


@pytest.fixture
def partner_site():
    """A web server for the partner's page, on its own origin (another port of loopback)."""
    pages: dict[str, bytes] = {}

    def answer(path):
        body = pages.get(path, b"")
        return (200 if body else 404), "text/html; charset=utf-8", body

    with http_server(answer) as port:
        yield f"http://localhost:{port}", pages


@pytest.mark.browser
def test_a_partner_page_uploads_from_the_browser(live_server_factory, browser, partner_site):
    origin, pages = partner_site
    srv = live_server_factory(env={"SCORM_API_CORS_ORIGINS": origin})
    stranger = live_server_factory()  # lists no origin
    course = list(zips.build(zips.minimal()))
    for name, target in (("/listed", srv), ("/unlisted", stranger)):
        pages[name] = (
            PAGE
            % {"base": json.dumps(target.url), "key": json.dumps(target.admin_key), "zip": json.dumps(course)}
        ).encode()
    page = browser.new_page()
    try:
        page.goto(origin + "/listed")
        page.wait_for_function("document.getElementById('out').textContent !== 'running'", timeout=30_000)
        result = json.loads(page.inner_text("#out"))
        assert result == {"put": 200, "process": 201, "status": "ready", "remaining": result["remaining"]}, (
            result
        )
        assert result["remaining"] is not None  # the rate-limit headers are readable cross-origin
        page.goto(origin + "/unlisted")
        page.wait_for_function("document.getElementById('out').textContent !== 'running'", timeout=30_000)
        assert "error" in json.loads(page.inner_text("#out"))  # the browser refused: CORS
    finally:
        page.close()
    assert (
        requests.get(srv.url + "/api/v1/packages", headers=bearer(srv.admin_key), timeout=10).json()["count"]
        == 1
    )
    assert (
        requests.get(
            stranger.url + "/api/v1/packages", headers=bearer(stranger.admin_key), timeout=10
        ).json()["count"]
        == 0
    )
