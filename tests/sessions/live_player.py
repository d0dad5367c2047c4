"""A real server's player, for the browser tests: a package uploaded, a session and its
launch links over the REST API, the session and its runtime call log read back, and the
content's frame in the player's page."""

import requests

from tests.support import bearer


def upload(srv, data: bytes, name="course.zip") -> dict:
    resp = requests.post(
        srv.url + "/api/v1/packages/upload",
        headers=bearer(srv.admin_key),
        files={"file": (name, data)},
        timeout=60,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def new_session(srv, pkg, user="learner-1") -> dict:
    resp = requests.post(
        srv.url + "/api/v1/sessions",
        headers=bearer(srv.admin_key),
        timeout=10,
        json={"package_id": pkg["id"], "user_id": user, "user_name": "Ann Lee"},
    )
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


def relaunch(srv, session_id) -> str:
    return requests.post(
        f"{srv.url}/api/v1/sessions/{session_id}/launch", headers=bearer(srv.admin_key), timeout=10
    ).json()["launch_url"]


def session(srv, session_id) -> dict:
    return requests.get(
        f"{srv.url}/api/v1/sessions/{session_id}", headers=bearer(srv.admin_key), timeout=10
    ).json()["session"]


def read_log(srv, session_id) -> list:
    return requests.get(
        f"{srv.url}/api/v1/sessions/{session_id}/log", headers=bearer(srv.admin_key), timeout=10
    ).json()["entries"]


def content_frame(page, timeout_ms=20_000):
    """The content's frame once the player has delivered it (the iframe is made by script)."""
    page.wait_for_function(
        """() => { const f = document.getElementById('content');
        return f && f.contentWindow.location.href !== 'about:blank'
               && f.contentDocument.readyState === 'complete'; }""",
        timeout=timeout_ms,
    )
    return page.query_selector("iframe#content").content_frame()
