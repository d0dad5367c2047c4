"""Sync tests' shared parts: an API client for each of the two real servers (the laptop and
the "cloud"), what the laptop's data is made of, and the `scorm-api sync` command. The
servers and the data themselves are fixtures, in tests/sync/fixtures.py."""

from __future__ import annotations

import json
import subprocess
import sys

import requests

from tests.support import bearer, fixture

SINGLE, MULTI = "golf_scorm12_singlesco.zip", "golf_scorm12_multisco_runtime_min.zip"
MULTI_SECOND_ITEM = "playing_par_item"  # the multi-SCO fixture's second SCO
INTERACTIONS = {
    "cmi.interactions.0.id": "q1",
    "cmi.interactions.0.type": "choice",
    "cmi.interactions.0.student_response": "b",
    "cmi.interactions.0.result": "correct",
    "cmi.interactions.1.id": "q2",
    "cmi.interactions.1.type": "true-false",
    "cmi.interactions.1.student_response": "t",
    "cmi.interactions.1.result": "wrong",
}


class Api:
    def __init__(self, srv):
        self.srv, self.url = srv, srv.url

    def call(self, method, path, expect=(200, 201), **kw):
        resp = requests.request(method, self.url + path, headers=bearer(self.srv.admin_key), timeout=60, **kw)
        assert resp.status_code in expect, f"{method} {path}: {resp.status_code} {resp.text[:500]}"
        return (
            resp.json()
            if resp.content and resp.headers.get("Content-Type", "").startswith("application/json")
            else resp
        )

    def tenant_id(self):
        return self.call("GET", "/api/v1/tenants")["tenants"][0]["id"]

    def upload(self, name):
        return self.call(
            "POST", "/api/v1/packages/upload", files={"file": (name, fixture(name).read_bytes())}
        )

    def session(self, package_id, user, new_attempt=False):
        return self.call(
            "POST",
            "/api/v1/sessions",
            json={
                "package_id": package_id,
                "user_id": user,
                "user_name": user.title(),
                "new_attempt": new_attempt,
            },
        )["session"]

    def put(self, session_id, body):
        return self.call("PUT", f"/api/v1/sessions/{session_id}", json=body)

    def sessions(self):
        return self.call("GET", "/api/v1/sessions", params={"all_attempts": "true", "limit": 100})["sessions"]

    def detail(self, session_id):
        return self.call("GET", f"/api/v1/sessions/{session_id}")["session"]

    def packages(self):
        return self.call("GET", "/api/v1/packages", params={"limit": 100})["packages"]

    def statements(self):
        return self.call("GET", "/api/v1/xapi/statements", params={"limit": 100})


def sync(laptop, cloud, *extra, tenant_id=None):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "scorm_api",
            "sync",
            "--data-dir",
            str(laptop.srv.data_dir),
            "--to",
            cloud.url,
            "--api-key",
            cloud.srv.admin_key,
            "--tenant-id",
            tenant_id or cloud.tenant_id(),
            "--json",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.stdout, out.stderr
    return out.returncode, json.loads(out.stdout)


def created(report, kind):
    return report["counts"].get(kind, {}).get("created", 0)


def changed_on_both_sides(laptop, cloud, local_session_id) -> dict:
    """Sync, then change bob's session on the cloud and here: the next run meets a conflict.
    Returns the cloud's session."""
    assert sync(laptop, cloud)[0] == 0
    remote = next(s for s in cloud.sessions() if s["user_id"] == "bob")
    cloud.put(remote["id"], {"cmi_data": {"cmi.core.lesson_location": "cloud-side"}})
    laptop.put(local_session_id, {"cmi_data": {"cmi.core.lesson_location": "laptop-side"}})
    return remote
