"""Dispatch helpers: a ready course, a dispatch of it, and a launch as the shell makes it (the
learner in the query, the host page's origin as its Referer)."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from scorm_api import jobs, state

from tests.support import bearer, fixture, upload_and_process

COURSE = "golf_scorm12_runtime_basic.zip"
HOST = "https://lms.partner.com"


def course(client, key, name: str = COURSE) -> str:
    made, _ = upload_and_process(client, key, fixture(name).read_bytes(), name)
    return made["id"]


def create(client, key, **body):
    return client.post("/api/v1/dispatches", headers=bearer(key), json=body)


def dispatch(client, key, package_id: str, **body) -> dict:
    resp = create(client, key, package_id=package_id, **body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["dispatch"]


def path_of(launch_url: str) -> str:
    return urlsplit(launch_url).path


def launch(
    client, d: dict, learner: str | None = "learner-1", name: str = "Ann Lee", origin=HOST, json=False
):
    query = {"learner_name": name}
    if learner is not None:
        query["learner_id"] = learner
    headers = {"Referer": origin + "/mod/scorm/player.php"} if origin else {}
    if json:
        headers["Accept"] = "application/json"
    return client.get(path_of(d["launch_url"]), query_string=query, headers=headers)


def zip_of(client, app, key, d: dict, **body) -> zipfile.ZipFile:
    queued = client.post(f"/api/v1/dispatches/{d['id']}/generate", headers=bearer(key), json=body)
    assert queued.status_code == 200, queued.get_json()
    jobs.run_due_jobs(state.of(app))
    got = client.get(f"/api/v1/dispatches/{d['id']}/zip", headers=bearer(key))
    assert got.status_code == 200, got.get_data(as_text=True)[:300]
    return zipfile.ZipFile(io.BytesIO(got.data))


def expire_now(data_dir: Path, dispatch_id: str) -> None:
    """A live server's dispatch past its expiry (the API only sets expiries ahead)."""
    db = sqlite3.connect(data_dir / "scorm-api.db", timeout=30)
    with db:
        db.execute("UPDATE dispatch SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?", (dispatch_id,))
    db.close()
