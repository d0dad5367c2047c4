"""A full disk, for real: the data dir on a small tmpfs, filled. Writes answer 507 with a
clear message and keep nothing; reads keep working, also after a restart on the full disk;
health says degraded; uploads (multipart and presigned, whose bodies waitress spools to disk
first) answer 507 instead of dropping the connection; once space is freed, everything works
and the data dir is consistent.

Needs root to mount the tmpfs (skipped otherwise; CI runs as root).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support import assert_envelope, bearer, fixture, start_server

pytestmark = pytest.mark.slow
# "Low" below 4 MiB on this small disk (the default, 512 MiB, is more than the disk).
LOW = {"SCORM_API_DISK_LOW_BYTES": str(4 << 20)}


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill `disk` to the last byte (or leave about `leave` bytes free)."""
    filler = disk / "filler"
    with open(filler, "ab") as f:
        while True:
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            if free <= leave:
                break
            try:
                f.write(b"\0" * min(1 << 20, max(4096, free - leave)))
                f.flush()
            except OSError:
                break
    return filler


def full(resp) -> dict:
    body = assert_envelope(resp, 507, "INSUFFICIENT_STORAGE")
    assert "disk is full" in body["error"]["message"]
    return body


@pytest.fixture
def servers():
    """Servers started by the test, stopped whatever happens (a failed assertion included)."""
    started: list = []
    yield started
    for srv in started:
        if srv.proc.poll() is None:
            srv.proc.kill()


def doctor(data) -> tuple[int, dict]:
    """`scorm-api doctor --json` on a data dir: its exit status and its checks by name."""
    out = subprocess.run(
        [sys.executable, "-m", "scorm_api", "doctor", "--json", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.returncode, {c["name"]: c for c in json.loads(out.stdout)["checks"]}


def test_a_full_disk_answers_507_keeps_reads_and_recovers(small_disk, servers):
    data = small_disk  # the whole tmpfs is the data dir; the server's log lives beside it
    srv = start_server(data, env=LOW)
    servers.append(srv)
    key = bearer(srv.admin_key)
    url = srv.url
    pkg = requests.post(
        url + "/api/v1/packages/upload",
        headers=key,
        files={"file": ("golf.zip", fixture("golf_scorm12_runtime_basic.zip").read_bytes())},
        timeout=60,
    ).json()
    session = requests.post(
        url + "/api/v1/sessions", headers=key, json={"package_id": pkg["id"], "user_id": "ann"}, timeout=30
    ).json()["session"]
    keys_before = requests.get(url + "/api/v1/api-keys", headers=key, timeout=30).json()["pagination"][
        "total"
    ]
    filler = fill(data)
    try:
        health = requests.get(url + "/api/health", timeout=30).json()
        assert health["status"] == "degraded" and health["checks"]["disk"]["ok"] is False
        # Reads work.
        assert requests.get(url + "/api/v1/packages", headers=key, timeout=30).status_code == 200
        assert (
            requests.get(url + f"/api/v1/sessions/{session['id']}", headers=key, timeout=30).status_code
            == 200
        )
        # Writes: a clear 507, nothing kept.
        full(
            requests.post(
                url + "/api/v1/api-keys", headers=key, json={"name": "k", "scopes": ["read"]}, timeout=30
            )
        )
        full(
            requests.put(
                url + f"/api/v1/sessions/{session['id']}",
                headers=key,
                json={"cmi_data": {"cmi.suspend_data": "s" * 200_000}},
                timeout=30,
            )
        )
        full(
            requests.post(
                url + "/api/v1/packages/upload",
                headers=key,
                files={"file": ("golf.zip", fixture("golf_scorm12_runtime_basic.zip").read_bytes())},
                timeout=60,
            )
        )
        assert (
            requests.get(url + "/api/v1/api-keys", headers=key, timeout=30).json()["pagination"]["total"]
            == keys_before
        )
    finally:
        filler.unlink()

    # A presigned PUT bigger than the space left: waitress spools it to disk before the app
    # runs; the answer is still a 507, not a dropped connection.
    ticket = requests.post(
        url + "/api/v1/packages/upload-url",
        headers=key,
        json={"filename": "big.zip", "file_size": 20_000_000},
        timeout=30,
    ).json()
    filler = fill(data, leave=6 << 20)
    try:
        put = requests.put(
            ticket["presigned_url"],
            data=b"x" * 20_000_000,
            headers=ticket["required_put_headers"],
            timeout=60,
        )
        full(put)
    finally:
        filler.unlink()
    srv.stop()

    # Restarted on a full disk: it starts, and every authenticated read works (the key's
    # last_used_at bookkeeping must not turn reads into failed writes).
    filler = fill(data)
    srv = start_server(data, env=LOW)
    servers.append(srv)
    try:
        for _ in range(3):
            assert requests.get(srv.url + "/api/v1/packages", headers=key, timeout=30).status_code == 200
        # It could open the database because it gave up the data dir's reserve, and says so.
        assert any("reserve was given up" in line for line in srv.log_lines())
    finally:
        filler.unlink()
    # Space again: writes work, and the data dir is consistent.
    made = requests.post(
        srv.url + "/api/v1/api-keys", headers=key, json={"name": "k", "scopes": ["read"]}, timeout=30
    )
    assert made.status_code == 201, made.text
    assert requests.get(srv.url + "/api/health", timeout=30).json()["status"] == "healthy"
    srv.stop()
    _, checks = doctor(data)
    assert checks["integrity"]["ok"], checks


def test_doctor_says_the_disk_is_low(small_disk):
    data = small_disk / "data"
    subprocess.run(
        [sys.executable, "-m", "scorm_api", "keys", "list", "--data-dir", str(data)],
        check=True,
        capture_output=True,
    )
    filler = fill(small_disk, leave=1 << 20)
    try:
        code, checks = doctor(data)
        assert not checks["data dir"]["ok"] and "low" in checks["data dir"]["detail"]
        assert code == 1
    finally:
        filler.unlink()
