"""Webhook configurations travel (migration guide "Create New Webhooks"): one webhook there per
event type here, made with the documented POST and no secret; the target's new secrets are
shown once, by the run that made them, and the target signs with them ("Webhooks are
received"). To a cloud-contract target, which documents nothing else of webhooks, a disabled
or changed webhook and a deletion are reported with what to do there; another appliance takes
them all, and a run stopped between the POST and its answer adopts what it made."""

from __future__ import annotations

import sqlite3

import pytest

from scorm_api.sync.webhooks import CHANGED_HERE, DISABLED_HERE, MAYBE_TWICE

from tests.support import wait_until
from tests.sync.support import SINGLE, counted, sync
from tests.webhooks.support import SECRET, Receiver

pytestmark = pytest.mark.slow


def make_hooks(laptop, receiver_url: str) -> dict:
    every = laptop.call(
        "POST", "/api/v1/webhooks", json={"url": "https://lms.example.org/all", "event_type": "*"}
    )
    two = laptop.call(
        "POST",
        "/api/v1/webhooks",
        json={"url": "https://lms.example.org/done", "events": ["session.completed", "session.scored"]},
    )
    laptop.call("PATCH", f"/api/v1/webhooks/{two['id']}", json={"enabled": False})
    one = laptop.call(
        "POST",
        "/api/v1/webhooks",
        json={"url": receiver_url, "event_type": "package.deleted", "secret": SECRET},
    )
    return {"every": every, "two": two, "one": one}


def secrets_of(run) -> dict[tuple[str, str], dict]:
    return {(s["url"], s["event_type"]): s for s in run["report"]["webhook_secrets"]}


def shown_once(laptop, run, secret: str) -> None:
    again = laptop.call("GET", f"/api/v1/sync/runs/{run['id']}")["run"]["report"]["webhook_secrets"]
    assert again and all(s["secret"] is None and s["shown_at"] for s in again)
    with sqlite3.connect(laptop.srv.data_dir / "scorm-api.db") as db:
        stored = db.execute("SELECT report FROM sync_run WHERE id = ?", (run["id"],)).fetchone()[0]
    assert secret not in stored


def test_webhooks_reach_the_cloud_with_secrets_of_its_own(pair, cloud, tmp_path):
    laptop, _ = pair
    receiver = Receiver(tmp_path)  # verifies with the secret the cloud made, once known
    hooks = make_hooks(laptop, receiver.url)
    pkg = cloud.upload(SINGLE)  # deleted there below: its package.deleted reaches the receiver

    code, run = sync(laptop, cloud)
    assert code == 0 and run["status"] == "completed", (run["error"], run["report"]["failed"])
    assert run["report"]["plan"]["webhooks"] == 4 and counted(run, "webhook", "created") == 2
    assert {e["reason"] for e in run["report"]["not_carried"] if e["kind"] == "webhook"} == {DISABLED_HERE}
    made = secrets_of(run)
    assert set(made) == {("https://lms.example.org/all", "*"), (receiver.url, "package.deleted")}
    assert all(s["secret"] and s["secret"] != SECRET for s in made.values())
    mine = made[(receiver.url, "package.deleted")]
    shown_once(laptop, run, mine["secret"])

    # "Webhooks are received": the cloud signs with the secret it made, which the report gave.
    receiver.secret = mine["secret"]
    receiver.start()
    try:
        cloud.call("DELETE", f"/api/v1/packages/{pkg['id']}", expect=(200, 204))
        got = wait_until(lambda: receiver.accepted(), timeout=30)
        assert got[0]["type"] == "package.deleted" and got[0]["verified"]
    finally:
        receiver.stop()

    # Again: nothing new. A change here, and a deletion here, are said, not done.
    code, rerun = sync(laptop, cloud)
    assert (
        code == 0 and counted(rerun, "webhook", "created") == 0 and rerun["report"]["webhook_secrets"] == []
    )
    laptop.call(
        "PATCH", f"/api/v1/webhooks/{hooks['every']['id']}", json={"url": "https://lms.example.org/new"}
    )
    laptop.call("DELETE", f"/api/v1/webhooks/{hooks['one']['id']}")
    code, later = sync(laptop, cloud, "--propagate-deletes")
    assert code == 0, later["report"]
    reasons = {e["reason"] for e in later["report"]["not_carried"] if e["kind"] == "webhook"}
    assert reasons == {DISABLED_HERE, CHANGED_HERE}
    [gone] = [e for e in later["report"]["gone"] if e["kind"] == "webhook"]
    assert gone["remote_id"] == mine["remote_id"] and "by hand" in gone["reason"]

    # A run stopped after its POST, before the answer: the cloud lists no webhooks to find it
    # by, so it is made again, and the report says a duplicate may be there.
    with sqlite3.connect(laptop.srv.data_dir / "scorm-api.db") as db:
        db.execute(
            "UPDATE sync_link SET state = 'creating', remote_id = NULL, local_version = NULL "
            "WHERE kind = 'webhook' AND local_id = ?",
            (f"{hooks['every']['id']}:*",),
        )
    code, again = sync(laptop, cloud)
    assert code == 0 and counted(again, "webhook", "created") == 1, again["report"]
    [twice] = again["report"]["webhook_secrets"]
    assert twice["secret"] and twice["note"] == MAYBE_TWICE


def remote_hooks(api) -> dict[tuple[str, str], dict]:
    rows = api.call("GET", "/api/v1/webhooks", params={"limit": 100})["webhooks"]
    return {(w["url"], w["event_type"] or "*"): w for w in rows}


def test_webhooks_reach_another_appliance_whole(pair):
    laptop, target = pair
    hooks = make_hooks(laptop, "http://127.0.0.1:9/hook")
    code, run = sync(laptop, target)
    assert code == 0 and counted(run, "webhook", "created") == 4, run["report"]["failed"]
    there = remote_hooks(target)
    assert set(there) == set(secrets_of(run)) and len(there) == 4
    assert sorted(w["enabled"] for w in there.values()) == [False, False, True, True]
    shown_once(laptop, run, next(iter(secrets_of(run).values()))["secret"])

    laptop.call(
        "PATCH", f"/api/v1/webhooks/{hooks['every']['id']}", json={"url": "https://lms.example.org/new"}
    )
    code, changed = sync(laptop, target)
    assert code == 0 and counted(changed, "webhook", "updated") == 1
    assert ("https://lms.example.org/new", "*") in remote_hooks(target) and len(remote_hooks(target)) == 4

    # A run stopped after its POST, before the answer: the next adopts the webhook it made.
    with sqlite3.connect(laptop.srv.data_dir / "scorm-api.db") as db:
        db.execute(
            "UPDATE sync_link SET state = 'creating', remote_id = NULL WHERE kind = 'webhook' AND local_id = ?",
            (f"{hooks['every']['id']}:*",),
        )
    code, adopted = sync(laptop, target)
    assert code == 0 and len(remote_hooks(target)) == 4, adopted["report"]
    [note] = adopted["report"]["webhook_secrets"]
    assert note["secret"] is None and "rotate" in note["note"]

    laptop.call("DELETE", f"/api/v1/webhooks/{hooks['one']['id']}")
    code, gone = sync(laptop, target)
    assert code == 0 and counted(gone, "webhook", "gone") == 1 and len(remote_hooks(target)) == 4
    code, deleted = sync(laptop, target, "--propagate-deletes")
    assert code == 0 and counted(deleted, "webhook", "deleted") == 1 and len(remote_hooks(target)) == 3
