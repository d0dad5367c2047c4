"""Package versions travel: in their order, each to its package's id on the target, and each
session on the version it runs. To another appliance by the presigned flow (our `package_id`
extension field) and the carried record; to a cloud-contract target by the cloud's legacy
multipart upload with `package_id`, where a session on an older version is listed as not
carried (the cloud's launch gives the newest)."""

from __future__ import annotations

import json

import pytest

from tests.support import fixture, new_version_of, wait_until
from tests.sync.support import INTERACTIONS, MULTI, Api, FaultProxy, counted, sync

pytestmark = pytest.mark.slow


@pytest.fixture
def versioned(pair):
    """A package in two versions: ann's session on the first, bob's on the second."""
    laptop, _ = pair
    v1 = laptop.upload(MULTI)
    ann = laptop.session(v1["id"], "ann")
    laptop.put(ann["id"], {"cmi_data": {"cmi.core.lesson_status": "incomplete", "cmi.suspend_data": "v1"}})
    laptop.new_version(v1["id"], new_version_of(MULTI, b"v2"))
    bob = laptop.session(v1["id"], "bob")
    laptop.put(bob["id"], {"cmi_data": {"cmi.core.lesson_status": "passed"}})
    return {"package": v1["id"], "ann": ann["id"], "bob": bob["id"]}


def on_target(api) -> dict[str, int]:
    return {s["user_id"]: s["package_version"] for s in api.sessions()}


def test_versions_and_pinned_sessions_reach_another_appliance(pair, versioned):
    laptop, target = pair
    code, run = sync(laptop, target)
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
    [remote] = target.packages()
    assert remote["version_number"] == 2
    assert target.versions(remote["id"]) == laptop.versions(versioned["package"])
    assert on_target(target) == {"ann": 1, "bob": 2}
    assert (
        target.detail(next(s["id"] for s in target.sessions() if s["user_id"] == "ann"))["cmi_data"][
            "cmi.suspend_data"
        ]
        == "v1"
    )

    code, again = sync(laptop, target)
    assert (
        code == 0 and counted(again, "package", "created") == 0 and counted(again, "session", "created") == 0
    )

    # A third version here, everyone moved to it: the next run sends it, and moves them there.
    laptop.new_version(versioned["package"], new_version_of(MULTI, b"v3"))
    laptop.call("POST", f"/api/v1/packages/{versioned['package']}/move-sessions", json={})
    code, third = sync(laptop, target)
    assert code == 0 and counted(third, "package", "created") == 1, third["report"]
    assert on_target(target) == {"ann": 3, "bob": 3}
    assert len(target.packages()) == 1


def test_a_cloud_target_takes_versions_by_the_legacy_upload(pair, versioned, cloud):
    laptop, _ = pair
    code, dry = sync(laptop, cloud, "--dry-run")
    assert code == 0, dry
    listed = {i["what"]: i for i in dry["report"]["plan"]["not_carried"]}
    assert listed["older_version"]["count"] == 1
    assert listed["older_version"]["examples"] == [versioned["ann"]]

    code, run = sync(laptop, cloud)
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
    [remote] = cloud.packages()
    assert remote["version_number"] == 2
    assert cloud.versions(remote["id"]) == laptop.versions(versioned["package"])
    # The cloud's launch gave both sessions the newest version: the listed difference.
    assert on_target(cloud) == {"ann": 2, "bob": 2}

    code, again = sync(laptop, cloud)
    assert code == 0 and counted(again, "package", "created") == 0
    assert len(cloud.versions(remote["id"])) == 2


def test_a_version_whose_answer_was_lost_is_not_sent_twice(pair, versioned, cloud):
    laptop, _ = pair
    proxy = FaultProxy(cloud.url, [("POST", r"^/api/v1/packages$", "lost", 1)])
    try:
        through = Api(cloud.srv)
        through.url = proxy.url
        code, first = sync(laptop, through, tenant_id=cloud.tenant_id())
        assert code != 0 and first["status"] == "failed", first
        assert "lost" in proxy.seen
        [remote] = cloud.packages()
        assert remote["version_number"] == 2  # it did arrive
        code, second = sync(laptop, through, tenant_id=cloud.tenant_id())
        assert (code, second["status"]) == (0, "completed"), (second["error"], second["report"])
    finally:
        proxy.close()
    local = laptop.versions(versioned["package"])
    assert cloud.versions(remote["id"]) == local  # two versions, not three
    assert len(local) == 2


def test_deleting_a_versioned_package_is_one_deletion_there(pair, versioned):
    laptop, target = pair
    assert sync(laptop, target)[0] == 0
    laptop.call("DELETE", f"/api/v1/packages/{versioned['package']}")
    code, dry = sync(laptop, target, "--dry-run")
    assert dry["report"]["plan"]["deleted_here"]["package"] == 1
    code, run = sync(laptop, target, "--propagate-deletes")
    assert code == 0 and counted(run, "package", "deleted") == 1, run["report"]
    assert target.packages() == [] and target.sessions() == []


def test_a_package_whose_first_version_failed_travels_by_its_second(live_server_factory, pair):
    """The first upload failed (in the background); a fixed zip went up as its next version:
    the target gets one package, the session finds it, and no statement names this machine."""
    _, target = pair
    laptop = Api(live_server_factory(env={"SCORM_API_SYNC_PROCESS_MAX_BYTES": "1"}))
    broken = laptop.call(
        "POST",
        "/api/v1/packages",
        files={"file": ("c.zip", fixture("broken_scorm12_malformed_xml.zip").read_bytes())},
        expect=(202,),
    )
    wait_until(
        lambda: laptop.call("GET", f"/api/v1/packages/{broken['id']}")["status"] == "failed", timeout=60
    )
    laptop.new_version(broken["id"], fixture(MULTI).read_bytes(), expect=(202,))
    wait_until(
        lambda: laptop.call("GET", f"/api/v1/packages/{broken['id']}")["status"] == "ready", timeout=60
    )
    ann = laptop.session(broken["id"], "ann")
    laptop.put(ann["id"], {"cmi_data": {"cmi.core.lesson_status": "passed", **INTERACTIONS}})
    derived = laptop.statements()["statements"]
    assert derived and any(broken["id"] in json.dumps(st) for st in derived)  # they name the package

    code, run = sync(laptop, target)
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
    [remote] = target.packages()
    assert remote["version_number"] == 1 and remote["sha256"] == laptop.versions(broken["id"])[1]
    [session] = target.sessions()
    here = laptop.detail(ann["id"])
    assert session["package_id"] == remote["id"]
    assert (session["completion_status"], session["success_status"]) == (
        here["completion_status"],
        here["success_status"],
    )
    assert target.detail(session["id"])["cmi_data"]["cmi.core.lesson_status"] == "passed"
    sent = target.statements()["statements"]
    assert len(sent) == len(derived) and laptop.url not in json.dumps(sent)
    assert broken["id"] not in json.dumps(sent) and remote["id"] in json.dumps(sent)
