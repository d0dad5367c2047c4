"""Scheduled backups (/api/v1/settings/backups): into the operator's folder, on time, the
newest K kept and nothing else in the folder touched, a missing drive recorded and retried,
the passphrase never shown and needed to restore, the operator's alone."""

import json
import time
from datetime import UTC, datetime, timedelta

from scorm_api import state
from scorm_api.admin import backups
from scorm_api.admin.models import read_setting, write_setting
from scorm_api.backup import reader

from tests.support import assert_envelope, bearer

PASS = "usb stick passphrase"


def _schedule(client, key, folder, **extra):
    body = {"folder": str(folder), "every_hours": 24, "keep": 2, "passphrase": PASS, **extra}
    return client.put("/api/v1/settings/backups", headers=bearer(key), json=body)


def _age_last_run(hours: float) -> None:
    """As if the last run was `hours` ago (the schedule's clock is the stored time)."""
    s = json.loads(read_setting("backup_schedule"))
    then = datetime.now(UTC) - timedelta(hours=hours)
    s["last_run_at"] = then.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    write_setting("backup_schedule", json.dumps(s))


def test_backups_run_when_due_keep_the_newest_and_restore_with_the_passphrase(
    app, client, admin_key, tmp_path
):
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / "holiday.jpg").write_bytes(b"not ours")
    (usb / "scorm-api-backup-notes.txt").write_bytes(b"not ours either")
    resp = _schedule(client, admin_key, usb)
    assert resp.status_code == 200, resp.get_json()
    shown = resp.get_json()
    assert shown["enabled"] and shown["backups"] == [] and "passphrase" not in json.dumps(shown)
    assert PASS not in read_setting("backup_schedule")  # only keys, sealed

    st = state.of(app)
    backups.run_if_due(st)  # never run: due at once
    first = sorted(p.name for p in usb.glob("scorm-api-backup-*.tar"))
    assert len(first) == 1
    backups.run_if_due(st)  # just ran: not due for 24 hours
    assert sorted(p.name for p in usb.glob("scorm-api-backup-*.tar")) == first
    names = set(first)
    for hours in (25, 25):
        _age_last_run(hours)
        time.sleep(1.1)  # the names carry the second
        backups.run_if_due(st)
        names |= {p.name for p in usb.glob("scorm-api-backup-*.tar")}
    kept = sorted(p.name for p in usb.glob("scorm-api-backup-*.tar"))
    assert len(names) == 3 and kept == sorted(names)[-2:]  # the two newest
    assert (usb / "holiday.jpg").exists() and (usb / "scorm-api-backup-notes.txt").exists()

    got = client.get("/api/v1/settings/backups", headers=bearer(admin_key)).get_json()
    assert [b["name"] for b in got["backups"]] == kept[::-1] and got["last_error"] is None
    manifest = reader.verify(usb / kept[-1], PASS)
    assert manifest.counts["api_key"] >= 1
    reader.restore(usb / kept[-1], tmp_path / "restored", PASS)
    assert (tmp_path / "restored" / "scorm-api.db").is_file()


def test_a_missing_drive_is_recorded_and_retried_soon(app, client, admin_key, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    assert _schedule(client, admin_key, usb).status_code == 200
    usb.rmdir()  # unplugged
    ran = client.post("/api/v1/settings/backups/run", headers=bearer(admin_key)).get_json()
    assert "is the drive plugged in" in ran["last_error"] and ran["file"] is None
    usb.mkdir()
    _age_last_run(backups.RETRY_HOURS + 0.01)  # a failed run is retried within the quarter hour
    backups.run_if_due(state.of(app))
    got = client.get("/api/v1/settings/backups", headers=bearer(admin_key)).get_json()
    assert got["last_error"] is None and len(got["backups"]) == 1


def test_the_schedule_is_validated_and_the_operators_alone(client, admin_key, make_tenant, tmp_path):
    assert_envelope(_schedule(client, admin_key, "relative/dir"), 400, "VALIDATION_ERROR")
    assert_envelope(_schedule(client, admin_key, tmp_path / "absent"), 400, "VALIDATION_ERROR")
    assert_envelope(_schedule(client, admin_key, tmp_path, passphrase="short"), 400, "VALIDATION_ERROR")
    no_pass = {"folder": str(tmp_path), "every_hours": 24, "keep": 2}
    resp = client.put("/api/v1/settings/backups", headers=bearer(admin_key), json=no_pass)
    assert_envelope(resp, 400, "VALIDATION_ERROR")  # the first time, a passphrase is needed
    assert_envelope(_schedule(client, admin_key, tmp_path, every_hours=0), 400, "VALIDATION_ERROR")
    assert _schedule(client, admin_key, tmp_path).status_code == 200
    # Later, the passphrase may be left out: the keys stay.
    resp = client.put("/api/v1/settings/backups", headers=bearer(admin_key), json={**no_pass, "keep": 5})
    assert resp.status_code == 200 and resp.get_json()["keep"] == 5
    other = make_tenant("Other").keys["admin"]
    for method, path in (("get", ""), ("put", ""), ("delete", ""), ("post", "/run")):
        resp = getattr(client, method)(f"/api/v1/settings/backups{path}", headers=bearer(other), json=no_pass)
        assert_envelope(resp, 403, "FORBIDDEN")
    assert client.delete("/api/v1/settings/backups", headers=bearer(admin_key)).status_code == 204
    got = client.get("/api/v1/settings/backups", headers=bearer(admin_key)).get_json()
    assert got == {"enabled": False, "backups": []}
