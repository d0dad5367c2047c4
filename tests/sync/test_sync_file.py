"""Sync by file (scorm_api/sync/byfile): from the laptop (A) to the office (B), two real
servers with their own data dirs, the files written and imported by the CLI as an operator
types it. Importing twice changes nothing; a change on both sides is one conflict with both
versions readable; a tampered, truncated, untrusted or out-of-order file is refused whole."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from tests.support import bearer, wait_until
from tests.sync.support import MULTI_SECOND_ITEM

pytestmark = pytest.mark.slow


def scorm_api(*args):
    """A `scorm-api` command as an operator types it (with --json): (exit status, what it
    printed as JSON or None, stderr)."""
    out = subprocess.run(
        [sys.executable, "-m", "scorm_api", *args, "--json"], capture_output=True, text=True, timeout=300
    )
    return out.returncode, (json.loads(out.stdout) if out.stdout.strip() else None), out.stderr


def to_file(laptop, path, *extra):
    rc, made, err = scorm_api("sync", "--data-dir", str(laptop.srv.data_dir), "--to-file", str(path), *extra)
    assert rc == 0, err
    return made


def import_(office, path, *extra):
    return scorm_api("import", str(path), "--data-dir", str(office.srv.data_dir), *extra)


def counts(result, kind):
    return result["run"]["report"]["counts"].get(kind, {})


def by_learner(api):
    return {(s["user_id"], s["attempts"]): s for s in api.sessions()}


def state_of(api):
    """What a trainer reads: each session's results, version and CMI; the statements."""
    sessions = {k: {**api.detail(s["id"]), "last_accessed_at": None} for k, s in by_learner(api).items()}
    return sessions, api.statements()["statements"]


def test_laptop_to_office_twice_then_a_conflict(pair, laptop_data, tmp_path):
    laptop, office = pair
    first = to_file(laptop, tmp_path / "1.sync")
    stored = len(laptop.statements()["statements"])
    assert first["counts"] == {
        "packages": 2,
        "sessions": 3,
        "statements": stored,
        "statements_not_carried": 0,
    }
    assert first["follows"] is None and first["sequence"] == 1

    rc, done, err = import_(office, tmp_path / "1.sync", "--trust", "--name", "Laptop 3")
    assert rc == 0, err
    assert done["signer"]["fingerprint"] == first["fingerprint"] and done["signer"]["trusted_now"]
    assert counts(done, "package")["created"] == 2
    assert counts(done, "session")["created"] == 3
    assert counts(done, "statements")["created"] == first["counts"]["statements"]

    here, there = by_learner(laptop), by_learner(office)
    assert set(there) == set(here) == {("ann", 1), ("ann", 2), ("bob", 1)}
    for key, mine in here.items():
        theirs = there[key]
        for field in ("completion_status", "success_status", "score", "time_spent_seconds", "user_name"):
            assert theirs[field] == mine[field], (key, field)
    bob = office.detail(there[("bob", 1)]["id"])
    second = next(a for a in bob["activities"] if a["item_id"] == MULTI_SECOND_ITEM)
    assert second["cmi_data"]["cmi.suspend_data"] == "second"
    assert bob["cmi_data"]["cmi.core.lesson_location"] == "p2"
    mailboxes = {s["actor"].get("mbox") for s in office.statements()["statements"]}
    assert {f"mailto:learner{i}@example.org" for i in range(5)} <= mailboxes

    # Twice: the same file again, and a new file with nothing new, change nothing there.
    before = state_of(office)
    rc, again, err = import_(office, tmp_path / "1.sync")
    assert rc == 0, err
    assert not again["signer"]["trusted_now"]
    for kind in ("package", "session", "statements"):
        assert set(counts(again, kind)) and not any(
            n for outcome, n in counts(again, kind).items() if outcome != "skipped"
        ), (kind, counts(again, kind))
    second_file = to_file(laptop, tmp_path / "2.sync")
    assert second_file["counts"] == {
        "packages": 0,
        "sessions": 0,
        "statements": 0,
        "statements_not_carried": 0,
    }
    assert second_file["follows"] == first["file_id"]
    assert import_(office, tmp_path / "2.sync")[0] == 0
    assert state_of(office) == before

    # The same learner changes on the laptop and in the office: one conflict, both kept.
    bob_here, bob_there = here[("bob", 1)]["id"], there[("bob", 1)]["id"]
    laptop.put(bob_here, {"cmi_data": {"cmi.core.lesson_location": "laptop-side"}, "session_time": "PT5M"})
    office.put(bob_there, {"cmi_data": {"cmi.core.lesson_location": "office-side"}})
    third = to_file(laptop, tmp_path / "3.sync")
    assert third["counts"]["sessions"] == 1
    rc, met, err = import_(office, tmp_path / "3.sync")
    assert rc == 2, err  # done, with a conflict
    assert counts(met, "session")["conflict"] == 1
    assert office.detail(bob_there)["cmi_data"]["cmi.core.lesson_location"] == "office-side"
    listed = office.call("GET", "/api/v1/sync/conflicts")["conflicts"]
    assert len(listed) == 1 and listed[0]["direction"] == "imported"
    conflict = office.call("GET", f"/api/v1/sync/conflicts/{listed[0]['id']}")["conflict"]
    assert conflict["local"]["cmi_data"]["cmi.core.lesson_location"] == "office-side"
    assert conflict["remote"]["cmi_data"]["cmi.core.lesson_location"] == "laptop-side"
    assert {"field": "cmi.core.lesson_location", "local": "office-side", "remote": "laptop-side"} in conflict[
        "differences"
    ]
    # Importing it again is no second conflict.
    rc, _, err = import_(office, tmp_path / "3.sync")
    assert rc == 0, err
    assert len(office.call("GET", "/api/v1/sync/conflicts")["conflicts"]) == 1

    # Keeping the laptop's version writes it over the office's, with its time counted once.
    office.call("POST", f"/api/v1/sync/conflicts/{listed[0]['id']}/resolve", json={"keep": "remote"})
    settled = office.detail(bob_there)
    assert settled["cmi_data"]["cmi.core.lesson_location"] == "laptop-side"
    assert settled["time_spent_seconds"] == laptop.detail(bob_here)["time_spent_seconds"] == 65 * 60
    # ... and the laptop's next change goes on from there, without a new conflict.
    laptop.put(bob_here, {"cmi_data": {"cmi.core.lesson_location": "laptop-later"}})
    to_file(laptop, tmp_path / "4.sync")
    rc, later, err = import_(office, tmp_path / "4.sync")
    assert rc == 0, err
    assert counts(later, "session")["updated"] == 1
    assert office.detail(bob_there)["cmi_data"]["cmi.core.lesson_location"] == "laptop-later"


def test_a_kept_office_version_stays(pair, laptop_data, tmp_path):
    laptop, office = pair
    to_file(laptop, tmp_path / "1.sync")
    assert import_(office, tmp_path / "1.sync", "--trust")[0] == 0
    ann_here = by_learner(laptop)[("ann", 2)]["id"]
    ann_there = by_learner(office)[("ann", 2)]["id"]
    laptop.put(ann_here, {"cmi_data": {"cmi.suspend_data": "laptop"}})
    office.put(ann_there, {"cmi_data": {"cmi.suspend_data": "office"}})
    to_file(laptop, tmp_path / "2.sync")
    assert import_(office, tmp_path / "2.sync")[0] == 2
    conflict = office.call("GET", "/api/v1/sync/conflicts")["conflicts"][0]
    office.call("POST", f"/api/v1/sync/conflicts/{conflict['id']}/resolve", json={"keep": "local"})
    assert office.detail(ann_there)["cmi_data"]["cmi.suspend_data"] == "office"
    assert import_(office, tmp_path / "2.sync")[0] == 0  # the kept choice holds on a re-import
    assert office.detail(ann_there)["cmi_data"]["cmi.suspend_data"] == "office"


def test_refused_files_change_nothing(pair, laptop_data, tmp_path):
    laptop, office = pair
    made = to_file(laptop, tmp_path / "1.sync")
    data = (tmp_path / "1.sync").read_bytes()

    # Untrusted: refused with who signed it, and nothing applied.
    rc, _, err = import_(office, tmp_path / "1.sync")
    assert rc == 1 and "does not trust" in err and made["fingerprint"] in err
    assert office.packages() == [] and office.sessions() == []

    # Tampered: one byte of a package's zip changed.
    at = data.index(b"PK\x03\x04") + 200
    (tmp_path / "tampered.sync").write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])
    rc, _, err = import_(office, tmp_path / "tampered.sync", "--trust")
    assert rc == 1 and "altered" in err, err
    # Truncated: cut before its signature.
    (tmp_path / "short.sync").write_bytes(data[: len(data) // 2])
    rc, _, err = import_(office, tmp_path / "short.sync", "--trust")
    assert rc == 1 and "cut short" in err, err
    assert office.packages() == [] and office.sessions() == []

    # Out of order: the second file before the first is refused; in order both apply.
    laptop.put(by_learner(laptop)[("bob", 1)]["id"], {"cmi_data": {"cmi.core.lesson_location": "p3"}})
    to_file(laptop, tmp_path / "2.sync")
    rc, _, err = import_(office, tmp_path / "2.sync", "--trust")
    assert rc == 1 and "the file before it was not imported" in err, err
    assert office.sessions() == []
    assert import_(office, tmp_path / "1.sync")[0] == 0
    assert import_(office, tmp_path / "2.sync")[0] == 0
    bob = by_learner(office)[("bob", 1)]
    assert office.detail(bob["id"])["cmi_data"]["cmi.core.lesson_location"] == "p3"


def test_a_full_file_needs_no_predecessor(pair, laptop_data, tmp_path):
    laptop, office = pair
    to_file(laptop, tmp_path / "lost.sync")  # never reaches the office
    full = to_file(laptop, tmp_path / "full.sync", "--full")
    assert full["follows"] is None and full["counts"]["sessions"] == 3
    rc, _, err = import_(office, tmp_path / "full.sync", "--trust")
    assert rc == 0, err
    assert len(office.sessions()) == 3
    nxt = to_file(laptop, tmp_path / "next.sync")
    assert nxt["follows"] == full["file_id"]
    assert import_(office, tmp_path / "next.sync")[0] == 0


def test_the_same_by_the_api(pair, laptop_data, tmp_path):
    """What the dashboard's Sync page does: write a file and download it on the laptop, send
    it to the office, trust its signer once the fingerprint is checked."""
    laptop, office = pair
    made = laptop.call("POST", "/api/v1/sync/files", json={"destination": "office"})["file"]
    data = laptop.call("GET", made["download_url"]).content
    assert len(data) == made["size"] and made["counts"]["sessions"] == 3

    def send(**params):
        return requests.post(
            office.url + "/api/v1/sync/imports",
            params=params,
            data=data,
            headers={**bearer(office.srv.admin_key), "Content-Type": "application/octet-stream"},
            timeout=120,
        )

    refused = send()
    assert refused.status_code == 403
    details = refused.json()["error"]["details"]
    assert details["reason"] == "UNTRUSTED"
    assert details["fingerprint"] == made["signed_by"]["fingerprint"]
    assert office.sessions() == []

    started = send(trust="true", name="Laptop 3")
    assert started.status_code == 202, started.text
    assert started.json()["signer"]["trusted_now"]
    run_id = started.json()["run"]["id"]
    run = wait_until(
        lambda: (r := office.call("GET", f"/api/v1/sync/runs/{run_id}")["run"])["status"] != "running" and r,
        timeout=120,
    )
    assert run["status"] == "completed" and run["trigger"] == "import", run
    assert len(office.sessions()) == 3
    trusted = office.call("GET", "/api/v1/sync/trusted")["trusted"]
    assert [(t["name"], t["fingerprint"]) for t in trusted] == [
        ("Laptop 3", made["signed_by"]["fingerprint"])
    ]

    office.call("DELETE", f"/api/v1/sync/trusted/{trusted[0]['instance_id']}", expect=(204,))
    assert send().status_code == 403  # no longer trusted
