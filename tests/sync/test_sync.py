"""Sync to cloud, end to end: two real servers on loopback (the laptop and the "cloud"), the
`scorm-api sync` command run against the laptop's data dir while its server runs, and every
result checked through the cloud's own API."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support import free_port, start_server, wait_until
from tests.sync.support import (
    MULTI,
    SINGLE,
    Api,
    FaultProxy,
    changed_on_both_sides,
    created,
    sync,
    sync_command,
)

pytestmark = pytest.mark.slow


def comparable(detail):
    keep = (
        "user_id",
        "user_name",
        "completion_status",
        "success_status",
        "score",
        "attempts",
        "time_spent_seconds",
        "cmi_data",
    )
    out = {k: detail[k] for k in keep}
    out["activities"] = [(a["item_id"], a["cmi_data"], a["completion_status"]) for a in detail["activities"]]
    return out


def test_everything_travels_and_a_second_run_sends_nothing(pair, laptop_data):
    laptop, cloud = pair
    code, run = sync(laptop, cloud)
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
    report = run["report"]
    assert created(report, "package") == 2 and created(report, "session") == 3
    assert created(report, "statements") == laptop.statements()["pagination"]["total"]

    # packages: byte-identical zips
    remote_pkgs = {p["title"]: p for p in cloud.packages()}
    for local in laptop_data["packages"]:
        remote = remote_pkgs[local["title"]]
        zip_bytes = cloud.call("GET", f"/api/v1/packages/{remote['id']}/download").content
        assert zip_bytes == laptop.call("GET", f"/api/v1/packages/{local['id']}/download").content

    # sessions: same learners, attempts, statuses, scores, time and CMI (every item's)
    def by_learner(api):
        return sorted(
            (comparable(api.detail(s["id"])) for s in api.sessions()),
            key=lambda d: (d["user_id"], d["attempts"]),
        )

    mine = by_learner(laptop)
    assert by_learner(cloud) == mine
    assert [d["attempts"] for d in mine if d["user_id"] == "ann"] == [1, 2]
    assert any(a[1].get("cmi.suspend_data") == "second" for d in mine for a in d["activities"])

    # statements: every id, same content
    local_st, remote_st = laptop.statements(), cloud.statements()
    assert {s["id"] for s in remote_st["statements"]} >= {s["id"] for s in local_st["statements"]}

    # again: nothing new anywhere
    before = (len(cloud.packages()), len(cloud.sessions()), cloud.statements()["pagination"]["total"])
    code, again = sync(laptop, cloud)
    assert (code, again["status"]) == (0, "completed")
    assert all(c["created"] == 0 and c["updated"] == 0 for c in again["report"]["counts"].values()), again[
        "report"
    ]
    assert (len(cloud.packages()), len(cloud.sessions()), cloud.statements()["pagination"]["total"]) == before

    # one local change: only that session travels
    laptop.put(laptop_data["sessions"][2], {"cmi_data": {"cmi.core.lesson_location": "p9"}})
    code, third = sync(laptop, cloud)
    assert third["report"]["counts"]["session"]["updated"] == 1
    assert sum(c["created"] + c["updated"] for c in third["report"]["counts"].values()) == 1
    assert by_learner(cloud) == by_learner(laptop)


def test_a_session_changed_on_the_target_is_a_conflict_and_nothing_is_overwritten(pair, laptop_data):
    laptop, cloud = pair
    remote = changed_on_both_sides(laptop, cloud, laptop_data["sessions"][2])
    code, run = sync(laptop, cloud)
    assert code == 2 and run["status"] == "completed"
    [conflict] = run["report"]["conflict"]
    assert conflict["local_id"] == laptop_data["sessions"][2] and conflict["remote_id"] == remote["id"]
    assert cloud.detail(remote["id"])["cmi_data"]["cmi.core.lesson_location"] == "cloud-side"
    assert laptop.detail(laptop_data["sessions"][2])["cmi_data"]["cmi.core.lesson_location"] == "laptop-side"
    kept = laptop.call("GET", f"/api/v1/sync/conflicts/{conflict['conflict_id']}")["conflict"]
    assert kept["local"]["cmi_data"]["cmi.core.lesson_location"] == "laptop-side"
    assert kept["remote"]["cmi_data"]["cmi.core.lesson_location"] == "cloud-side"
    # a later run leaves it alone until someone chooses
    assert sync(laptop, cloud)[1]["report"]["counts"].get("session", {}).get("updated", 0) == 0


def test_target_killed_mid_run_then_restarted_completes_without_duplicates(live_server_factory, tmp_path):
    laptop = Api(live_server_factory())
    for name in (SINGLE, MULTI, "golf_scorm2004_2ed_singlesco.zip"):
        laptop.upload(name)
    port = free_port()
    cloud_dir = tmp_path / "cloud"
    cloud = Api(start_server(cloud_dir, "--port", str(port)))
    tenant = cloud.tenant_id()
    proc = subprocess.Popen(
        sync_command(
            laptop.srv.data_dir, cloud.url, cloud.srv.admin_key, tenant, "--json", "--max-retries", "2"
        ),
        stdout=subprocess.PIPE,
        text=True,
    )
    # kill -9 the target as soon as its first package has arrived
    wait_until(lambda: cloud.packages(), timeout=60, interval=0.02)
    cloud.srv.proc.kill()
    cloud.srv.proc.wait()
    out, _ = proc.communicate(timeout=120)
    failed = json.loads(out)
    assert proc.returncode == 1 and failed["status"] == "failed" and failed["error"]

    restarted = Api(start_server(cloud_dir, "--port", str(port)))
    restarted.srv.admin_key = cloud.srv.admin_key
    try:
        code, run = sync(laptop, restarted, tenant_id=tenant)
        assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
        titles = sorted(p["title"] for p in restarted.packages())
        assert titles == sorted(p["title"] for p in laptop.packages())  # each once
    finally:
        restarted.srv.stop()


def test_rate_limits_and_server_errors_are_waited_out(pair, laptop_data):
    laptop, cloud = pair
    proxy = FaultProxy(cloud.url, [("GET", ".", 429, 2), ("GET", ".", 500, 3)])
    try:
        out = subprocess.run(
            sync_command(laptop.srv.data_dir, proxy.url, cloud.srv.admin_key, cloud.tenant_id(), "--json"),
            capture_output=True,
            text=True,
            timeout=300,
        )
        run = json.loads(out.stdout)
    finally:
        proxy.close()
    assert out.returncode == 0 and run["status"] == "completed", run
    assert proxy.seen[:5] == ["429", "429", "500", "500", "500"]
    assert run["report"]["waited_seconds"] >= 2  # the two Retry-After: 1, at least
    assert created(run["report"], "session") == 3 and len(cloud.sessions()) == 3
