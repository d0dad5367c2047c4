"""/api/v1/sync: the saved target (its key sealed, never shown), runs started over the API and
watched to the end, dry runs, conflicts settled, the schedule; bad input and other tenants."""

from __future__ import annotations

import sqlite3

import pytest
import requests

from scorm_api import state
from scorm_api.config import Settings
from scorm_api.factory import create_app
from scorm_api.sync import runner

from tests.support import assert_envelope, bearer, wait_until
from tests.sync.support import changed_on_both_sides, sync

URL = "/api/v1/sync"


def test_saved_target_keeps_its_key_sealed(client, admin_key, make_tenant, settings):
    h = bearer(admin_key)
    assert client.get(f"{URL}/target", headers=h).get_json() == {"target": None}
    assert_envelope(
        client.put(f"{URL}/target", headers=h, json={"url": "https://cloud.example", "tenant_id": "t"}),
        400,
        "VALIDATION_ERROR",
    )
    for bad in (
        {"url": "ftp://x", "tenant_id": "t", "api_key": "k"},
        {"url": "https://x", "tenant_id": 5},
        {"url": "https://x", "tenant_id": "t", "api_key": "k", "schedule_minutes": 1},
    ):
        assert_envelope(client.put(f"{URL}/target", headers=h, json=bad), 400, "VALIDATION_ERROR")
    assert_envelope(
        client.put(f"{URL}/target", headers=h, data="{", content_type="application/json"), 400, "BAD_REQUEST"
    )
    secret_key = "ac_live_secret_value_1234"
    resp = client.put(
        f"{URL}/target",
        headers=h,
        json={
            "url": "https://cloud.example/",
            "tenant_id": "t-1",
            "api_key": secret_key,
            "schedule_minutes": 30,
        },
    )
    assert resp.status_code == 200 and secret_key not in resp.get_data(as_text=True)
    assert resp.get_json()["target"]["api_key_hint"] == "…1234"
    # kept without the key; the key is not in the database in clear
    assert (
        client.put(
            f"{URL}/target", headers=h, json={"url": "https://cloud.example", "tenant_id": "t-2"}
        ).status_code
        == 200
    )
    with sqlite3.connect(settings.data_dir / "scorm-api.db") as db:
        dump = "\n".join(db.iterdump())
    assert secret_key not in dump and "t-2" in dump
    # another tenant sees none of it, and read/write keys may not touch it
    other = make_tenant("B")
    assert client.get(f"{URL}/target", headers=other.headers()).get_json() == {"target": None}
    assert_envelope(client.get(f"{URL}/target", headers=other.headers("rw")), 403, "FORBIDDEN")
    assert_envelope(client.get(f"{URL}/runs/{'0' * 8}", headers=h), 404, "NOT_FOUND")
    assert client.delete(f"{URL}/target", headers=h).get_json() == {"success": True}
    assert_envelope(client.delete(f"{URL}/target", headers=h), 404, "NOT_FOUND")
    assert_envelope(client.post(f"{URL}/runs", headers=h, json={}), 409, "CONFLICT")


def wait_run(api, run_id):
    return wait_until(
        lambda: (r := api.call("GET", f"{URL}/runs/{run_id}")["run"])["status"] != "running" and r,
        timeout=60,
        interval=0.1,
    )


def test_runs_over_the_api_with_a_dry_run_first(pair, laptop_data):
    laptop, cloud = pair
    laptop.call(
        "PUT",
        f"{URL}/target",
        json={"url": cloud.url, "tenant_id": cloud.tenant_id(), "api_key": cloud.srv.admin_key},
    )
    dry = laptop.call("POST", f"{URL}/runs", json={"dry_run": True}, expect=(202,))["run"]
    done = wait_run(laptop, dry["id"])
    assert done["status"] == "completed" and done["report"]["plan"]["packages"] == 2
    assert done["report"]["plan"]["sessions"] == 3 and cloud.packages() == []

    run = laptop.call("POST", f"{URL}/runs", json={}, expect=(202,))["run"]
    assert run["status"] == "running" and run["progress"]["items_total"] >= 0
    done = wait_run(laptop, run["id"])
    assert done["status"] == "completed", done
    p = done["progress"]
    assert p["items_done"] == p["items_total"] > 0 and p["bytes_done"] == p["bytes_total"] > 0
    assert len(cloud.packages()) == 2 and len(cloud.sessions()) == 3
    listed = laptop.call("GET", f"{URL}/runs")
    assert [r["id"] for r in listed["runs"]] == [run["id"], dry["id"]] and "report" not in listed["runs"][0]
    # a wrong key on the target: the run fails with the target's answer, nothing local changes
    bad = laptop.call(
        "POST",
        f"{URL}/runs",
        json={"url": cloud.url, "tenant_id": "x", "api_key": "ac_live_nope"},
        expect=(202,),
    )["run"]
    failed = wait_run(laptop, bad["id"])
    assert failed["status"] == "failed" and "401" in failed["error"]


def test_a_conflict_settled_for_the_local_version_is_sent_next_run(pair, laptop_data):
    laptop, cloud = pair
    remote = changed_on_both_sides(laptop, cloud, laptop_data["sessions"][2])
    assert sync(laptop, cloud)[0] == 2
    [conflict] = laptop.call("GET", f"{URL}/conflicts", params={"status": "open"})["conflicts"]
    assert conflict["learner"] == "bob"
    settled = laptop.call("POST", f"{URL}/conflicts/{conflict['id']}/resolve", json={"keep": "local"})[
        "conflict"
    ]
    assert settled["status"] == "kept_local"
    resp = requests.post(
        f"{laptop.url}{URL}/conflicts/{conflict['id']}/resolve",
        json={"keep": "local"},
        headers=bearer(laptop.srv.admin_key),
        timeout=10,
    )
    assert resp.status_code == 409
    code, run = sync(laptop, cloud)
    assert code == 0 and run["report"]["counts"]["session"]["updated"] == 1
    assert cloud.detail(remote["id"])["cmi_data"]["cmi.core.lesson_location"] == "laptop-side"


def test_the_schedule_runs_when_due_and_not_before(pair, laptop_data):
    laptop, cloud = pair
    laptop.call(
        "PUT",
        f"{URL}/target",
        json={
            "url": cloud.url,
            "tenant_id": cloud.tenant_id(),
            "api_key": cloud.srv.admin_key,
            "schedule_minutes": 5,
        },
    )
    # the scheduler's task, called as the job runner calls it, on the laptop's data dir
    app = create_app(Settings(data_dir=laptop.srv.data_dir, log_requests=False))
    with app.app_context():
        assert runner.run_scheduled(state.of(app)) == 1
        assert runner.run_scheduled(state.of(app)) == 0  # not due for 5 minutes
    [run] = laptop.call("GET", f"{URL}/runs")["runs"]
    assert (run["trigger"], run["status"]) == ("schedule", "completed")
    assert len(cloud.sessions()) == 3


@pytest.mark.parametrize("body", [{"keep": "both"}, {}, []])
def test_resolve_refuses_bad_choices(client, admin_key, body):
    assert_envelope(
        client.post(f"{URL}/conflicts/nope/resolve", headers=bearer(admin_key), json=body),
        400,
        "VALIDATION_ERROR",
    )


def test_other_tenants_conflicts_and_runs_are_invisible(client, admin_key, make_tenant):
    """A key of tenant B cannot read, settle or even confirm tenant A's conflicts and runs."""
    from scorm_api.db import new_id, utcnow_iso
    from scorm_api.sync.models import SyncConflict, SyncRun
    from scorm_api.tenants.services import system_tenant

    mine = system_tenant().id
    conflict = SyncConflict.create(
        id=new_id(),
        tenant=mine,
        target_key="k",
        run_id="r",
        kind="session",
        local_id="s",
        local={"user_id": "ann"},
        created_at=utcnow_iso(),
    )
    run = SyncRun.create(
        id=new_id(),
        tenant=mine,
        url="https://x",
        remote_tenant_id="t",
        trigger="api",
        status="completed",
        report={},
        started_at=utcnow_iso(),
        heartbeat_at=utcnow_iso(),
    )
    other = make_tenant("B").headers()
    for method, path, body in (
        ("GET", f"{URL}/conflicts/{conflict.id}", None),
        ("POST", f"{URL}/conflicts/{conflict.id}/resolve", {"keep": "local"}),
        ("GET", f"{URL}/runs/{run.id}", None),
    ):
        assert_envelope(client.open(path, method=method, headers=other, json=body), 404, "NOT_FOUND")
    assert client.get(f"{URL}/conflicts", headers=other).get_json()["conflicts"] == []
    assert client.get(f"{URL}/runs", headers=other).get_json()["runs"] == []
    assert client.get(f"{URL}/conflicts", headers=bearer(admin_key)).get_json()["pagination"]["total"] == 1
    assert SyncConflict.get_by_id(conflict.id).status == "open"
