"""The sync by file's API on one appliance (sync/file_routes.py): a file written and kept to
download, the newest three per destination; another tenant cannot see, download or confirm
it; what the import endpoint refuses before anything is applied (not a sync file, no body,
too large, this appliance's own file), and the trusted list."""

from __future__ import annotations

import dataclasses
import io
import tarfile

from scorm_api import state
from scorm_api.sync.models import SyncRun

from tests.support import bearer


def test_files_are_written_kept_and_downloaded(client, admin_key, app):
    made = []
    for n in range(5):
        resp = client.post(
            "/api/v1/sync/files", json={"destination": "usb"} if n == 0 else {}, headers=bearer(admin_key)
        )
        assert resp.status_code == 201, resp.get_json()
        made.append(resp.get_json()["file"])
    assert [f["sequence"] for f in made] == [1, 1, 2, 3, 4]  # each destination's own sequence
    assert made[1]["destination"] == "office" and made[1]["follows"] is None
    assert made[2]["follows"] == made[1]["id"]
    listed = client.get("/api/v1/sync/files", headers=bearer(admin_key)).get_json()["files"]
    # The newest three per destination are kept.
    assert {f["id"] for f in listed} == {made[0]["id"]} | {f["id"] for f in made[2:]}
    assert client.get(made[1]["download_url"], headers=bearer(admin_key)).status_code == 404
    got = client.get(made[-1]["download_url"], headers=bearer(admin_key))
    assert got.status_code == 200 and len(got.data) == made[-1]["size"]
    assert "scorm-api-sync-office-0004.sync" in got.headers["Content-Disposition"]
    with tarfile.open(fileobj=io.BytesIO(got.data)) as tar:
        assert tar.getnames()[0] == "sync.json" and tar.getnames()[-1] == "signature.json"
    # Its own file comes back refused, and changes nothing.
    runs = SyncRun.select().count()
    own = client.post(
        "/api/v1/sync/imports?trust=true",
        data=got.data,
        headers={**bearer(admin_key), "Content-Type": "application/octet-stream"},
    )
    assert own.status_code == 400, own.get_json()
    assert own.get_json()["error"]["code"] == "SYNC_FILE_REFUSED"
    assert SyncRun.select().count() == runs
    assert not list(state.of(app).settings.tmp_dir.glob("sync-*"))  # nothing left in scratch space


def test_other_tenants_files_are_not_found(client, admin_key, make_tenant):
    mine = client.post("/api/v1/sync/files", json={}, headers=bearer(admin_key)).get_json()["file"]
    other = make_tenant("B")
    assert client.get("/api/v1/sync/files", headers=other.headers()).get_json()["files"] == []
    missing = client.get("/api/v1/sync/files/nope/download", headers=other.headers())
    theirs = client.get(mine["download_url"], headers=other.headers())
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json()["error"] == missing.get_json()["error"]
    for label in ("read", "write", "rw"):  # admin scope only
        assert client.get("/api/v1/sync/files", headers=other.headers(label)).status_code == 403


def test_imports_refused_before_anything_is_applied(client, admin_key, app, settings):
    octet = {**bearer(admin_key), "Content-Type": "application/octet-stream"}
    runs = SyncRun.select().count()
    garbage = client.post("/api/v1/sync/imports", data=b"not a sync file" * 100, headers=octet)
    assert garbage.status_code == 400 and garbage.get_json()["error"]["code"] == "INVALID_SYNC_FILE"
    empty = client.post("/api/v1/sync/imports", data=b"", headers=octet)
    assert empty.status_code == 400
    bad_query = client.post("/api/v1/sync/imports?trust=maybe", data=b"x", headers=octet)
    assert bad_query.status_code == 400
    state.of(app).settings = dataclasses.replace(settings, max_sync_file_bytes=1000)
    big = client.post("/api/v1/sync/imports", data=b"x" * 5000, headers=octet)
    assert big.status_code == 413
    assert SyncRun.select().count() == runs
    assert not list(state.of(app).settings.tmp_dir.glob("sync-*"))
    assert client.get("/api/v1/sync/trusted", headers=bearer(admin_key)).get_json() == {"trusted": []}
    assert client.delete("/api/v1/sync/trusted/someone", headers=bearer(admin_key)).status_code == 404
