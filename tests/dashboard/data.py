"""What the dashboard's browser tests set up through a real server's API (as any client, with
its first-run admin key) before a page shows it: packages and learners' sessions."""

import requests

from tests.support import bearer, fixture


def upload(srv, name: str) -> dict:
    """One of the shared SCORM fixtures, imported (the multipart upload)."""
    resp = requests.post(
        srv.url + "/api/v1/packages/upload",
        headers=bearer(srv.admin_key),
        timeout=60,
        files={"file": (name, fixture(name).read_bytes())},
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def learner_session(srv, package_id: str, user_id: str, cmi_data: dict) -> dict:
    """A learner's session of the package (its name the id, capitalised), with the CMI data
    the course would have sent."""
    h = bearer(srv.admin_key)
    session = requests.post(
        srv.url + "/api/v1/sessions",
        headers=h,
        timeout=10,
        json={"package_id": package_id, "user_id": user_id, "user_name": user_id.title()},
    ).json()["session"]
    put = requests.put(
        f"{srv.url}/api/v1/sessions/{session['id']}", headers=h, json={"cmi_data": cmi_data}, timeout=10
    )
    assert put.status_code == 200, put.text
    return session
