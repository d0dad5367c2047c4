"""The sync speaks the cloud's language: against a server in cloud-contract mode (which answers
every extension of ours as an unknown route, and our extension fields as unknown fields)
sessions are made by the documented launch call and filled by the documented PUT; what such a
target cannot hold is listed before anything is sent. Against another appliance, sessions
arrive whole."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import uuid

import pytest
import requests

from scorm_api.xapi.multipart import Part, render

from tests.support import statement
from tests.sync.support import MULTI, Lrs, analytics, counted, lrs_credentials, remote_ids, sync, sync_command

pytestmark = pytest.mark.slow

SESSION_FIELDS = ("user_id", "completion_status", "success_status", "score", "time_spent_seconds")


def test_the_cloud_mode_refuses_what_the_cloud_does_not_document(cloud):
    # the question a sync asks first, and our PUT's extension fields
    assert cloud.call("GET", "/api/v1/appliance", expect=(404,))["error"]["code"] == "NOT_FOUND"
    pkg = cloud.upload(MULTI)
    launched = cloud.call(
        "POST", f"/api/v1/packages/{pkg['id']}/launch", json={"user_id": "u1", "session_id": "s-1"}
    )
    for field, value in (("version", 1), ("activities", []), ("appliance", {})):
        body = cloud.call(
            "PUT", f"/api/v1/sessions/{launched['session_id']}", json={field: value}, expect=(400,)
        )
        assert body["error"]["details"]["fieldErrors"] == {field: ["Unknown field"]}, body


def test_sync_to_a_cloud_target_uses_launch_and_put_and_lists_what_cannot_travel(pair, laptop_data, cloud):
    laptop, _ = pair
    bob = laptop_data["sessions"][2]
    # The case: statuses and score set by the seed's PUT on a multi-SCO package.
    laptop.put(bob, {"success_status": "passed", "score": {"scaled": 0.9, "raw": 90, "min": 0, "max": 100}})

    code, dry = sync(laptop, cloud, "--dry-run")
    assert (code, dry["status"]) == (0, "completed"), dry
    plan = dry["report"]["plan"]
    assert plan["target"] == "cloud" and plan["sessions"] == 3 and plan["launches"] == 3
    listed = {i["what"]: i for i in plan["not_carried"]}
    assert listed["learner_name"]["count"] == 3 and listed["learner_name"]["unit"] == "sessions"
    assert listed["items_cmi"]["count"] == 1 and listed["items_cmi"]["examples"] == [bob]
    assert "sequencing" not in listed  # nothing here has any
    assert plan["rate_limited_seconds"] == 0  # two packages, three sessions: within one minute
    assert cloud.packages() == []  # a dry run sends nothing

    code, run = sync(laptop, cloud)
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
    assert run["report"]["launches_used"] == 3
    ids = remote_ids(run)
    assert len(ids) == 3
    for local_id, remote_id in ids.items():
        mine, theirs = laptop.detail(local_id), cloud.detail(remote_id)
        assert {f: theirs[f] for f in SESSION_FIELDS} == {f: mine[f] for f in SESSION_FIELDS}, local_id
        if local_id != bob:  # single-SCO: the whole CMI travels
            assert theirs["cmi_data"] == mine["cmi_data"]
    assert cloud.detail(ids[bob])["success_status"] == "passed"

    # a second run: nothing launched, nothing sent
    code, again = sync(laptop, cloud)
    assert (code, again["status"]) == (0, "completed")
    assert again["report"]["launches_used"] == 0
    assert again["report"]["counts"].get("session", {}).get("created", 0) == 0
    assert again["report"]["counts"].get("session", {}).get("updated", 0) == 0

    # a change here travels as a PUT to the same session
    laptop.put(bob, {"cmi_data": {"cmi.core.lesson_location": "p7"}})
    code, third = sync(laptop, cloud)
    assert third["report"]["counts"]["session"]["updated"] == 1 and third["report"]["launches_used"] == 0
    assert cloud.detail(ids[bob])["cmi_data"]["cmi.core.lesson_location"] == "p7"

    # the learner went on there: a conflict, found by reading the session back (no versions)
    cloud.put(ids[bob], {"cmi_data": {"cmi.core.lesson_location": "cloud-side"}})
    laptop.put(bob, {"cmi_data": {"cmi.core.lesson_location": "laptop-side"}})
    code, fourth = sync(laptop, cloud)
    assert code == 2 and [c["local_id"] for c in fourth["report"]["conflict"]] == [bob]
    assert cloud.detail(ids[bob])["cmi_data"]["cmi.core.lesson_location"] == "cloud-side"


def test_sync_between_appliances_carries_every_item_and_the_history(pair, laptop_data):
    laptop, other = pair
    bob = laptop_data["sessions"][2]
    laptop.put(bob, {"success_status": "passed"})
    # a launch, opened: its dates and count travel too
    link = laptop.call("POST", f"/api/v1/sessions/{bob}/launch")["launch_url"]
    assert requests.get(link, timeout=30).status_code == 200
    assert laptop.detail(bob)["launch_count"] == 1

    code, dry = sync(laptop, other, "--dry-run")
    assert dry["report"]["plan"]["target"] == "appliance" and dry["report"]["plan"]["not_carried"] == []
    code, run = sync(laptop, other)
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
    for local_id, remote_id in remote_ids(run).items():
        mine, theirs = laptop.detail(local_id), other.detail(remote_id)
        for f in (
            *SESSION_FIELDS,
            "user_name",
            "attempts",
            "launch_count",
            "first_launched_at",
            "last_launched_at",
            "completed_at",
            "cmi_data",
        ):
            assert theirs[f] == mine[f], (local_id, f, theirs[f], mine[f])
        assert [(a["item_id"], a["cmi_data"], a["time_spent_seconds"]) for a in theirs["activities"]] == [
            (a["item_id"], a["cmi_data"], a["time_spent_seconds"]) for a in mine["activities"]
        ]


def test_a_sync_to_this_appliance_itself_is_refused(pair, laptop_data):
    laptop, _ = pair
    code, run = sync(laptop, laptop)
    assert code == 1 and run["status"] == "failed"
    assert "this appliance itself" in run["error"]
    assert len(laptop.packages()) == 2  # nothing was sent, nothing doubled


# ---- what travels through the target's LRS -------------------------------------------------

ANN = {"objectType": "Agent", "mbox": "mailto:ann@example.org"}
COURSE = "http://example.org/course/1"
CERTIFICATE = bytes(range(256)) * 4


DOCS = [  # (path, params, content type, bytes)
    (
        "/activities/state",
        {"activityId": COURSE, "agent": json.dumps(ANN), "stateId": "bookmark"},
        "application/json",
        b'{"page": 7}',
    ),
    (
        "/activities/profile",
        {"activityId": COURSE, "profileId": "syllabus"},
        "text/plain",
        "Week 1: é".encode(),
    ),
    (
        "/agents/profile",
        {"agent": json.dumps(ANN), "profileId": "prefs"},
        "application/octet-stream",
        bytes(range(64)),
    ),
]


def test_documents_and_attachments_travel_through_the_targets_lrs(pair, laptop_data, cloud):
    laptop, _ = pair
    mine = Lrs(laptop.url, lrs_credentials(laptop.srv.data_dir))
    for path, params, ctype, content in DOCS:
        mine.request(
            "PUT", path, params=params, data=content, headers={"Content-Type": ctype, "If-None-Match": "*"}
        )
    with_file = statement(
        id=str(uuid.uuid4()),
        attachments=[
            {
                "usageType": "http://example.org/usage/certificate",
                "display": {"en-US": "Certificate"},
                "contentType": "application/octet-stream",
                "length": len(CERTIFICATE),
                "sha2": hashlib.sha256(CERTIFICATE).hexdigest(),
            }
        ],
    )
    body, ctype = render(
        json.dumps(with_file).encode(),
        [Part("application/octet-stream", hashlib.sha256(CERTIFICATE).hexdigest(), CERTIFICATE)],
    )
    mine.request("POST", "/statements", data=body, headers={"Content-Type": ctype})

    # Without the target's LRS credentials, the dry run says what cannot go.
    code, dry = sync(laptop, cloud, "--dry-run")
    listed = {i["what"]: i for i in dry["report"]["plan"]["not_carried"]}
    assert listed["xapi_documents"]["count"] == 3 and listed["statement_attachments"]["count"] == 1

    theirs_creds = lrs_credentials(cloud.srv.data_dir)
    code, run = sync(laptop, cloud, "--lrs-key", theirs_creds[0], "--lrs-secret", theirs_creds[1])
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
    assert run["report"]["counts"]["document"]["created"] == 3
    theirs = Lrs(cloud.url, theirs_creds)
    for path, params, ctype, content in DOCS:
        got = theirs.request("GET", path, params=params)
        assert (got.content, got.headers["Content-Type"].split(";")[0]) == (content, ctype), path
    got = theirs.request("GET", "/statements", params={"statementId": with_file["id"], "attachments": "true"})
    assert got.headers["Content-Type"].startswith("multipart/mixed") and CERTIFICATE in got.content

    # Unchanged: nothing again. Written on both sides: a conflict, nothing overwritten.
    code, again = sync(laptop, cloud, "--lrs-key", theirs_creds[0], "--lrs-secret", theirs_creds[1])
    assert again["report"]["counts"].get("document", {}).get("created", 0) == 0
    path, params, ctype, _ = DOCS[1]
    theirs.request(
        "PUT", path, params=params, data=b"cloud-side", headers={"Content-Type": ctype, "If-Match": "*"}
    )
    mine.request(
        "PUT", path, params=params, data=b"laptop-side", headers={"Content-Type": ctype, "If-Match": "*"}
    )
    code, third = sync(laptop, cloud, "--lrs-key", theirs_creds[0], "--lrs-secret", theirs_creds[1])
    assert code == 2 and third["report"]["counts"]["document"]["conflict"] == 1
    assert theirs.request("GET", path, params=params).content == b"cloud-side"

    # Deleted here: deleted there through its LRS, when asked.
    path, params, _, _ = DOCS[0]
    mine.request("DELETE", path, params=params)
    lrs = ("--lrs-key", theirs_creds[0], "--lrs-secret", theirs_creds[1])
    code, fourth = sync(laptop, cloud, *lrs, "--propagate-deletes")
    assert counted(fourth, "document", "deleted") == 1
    theirs.request("GET", path, params=params, expect=(404,))


def test_deleted_here_is_reported_and_deleted_there_only_when_asked(pair, laptop_data, cloud):
    laptop, _ = pair
    assert sync(laptop, cloud)[0] == 0
    single = laptop_data["packages"][0]
    remote_single = next(p for p in cloud.packages() if p["title"] == single["title"])
    laptop.call("DELETE", f"/api/v1/packages/{single['id']}")  # ann's two sessions go with it

    code, dry = sync(laptop, cloud, "--dry-run")
    assert dry["report"]["plan"]["deleted_here"] == {"package": 1, "session": 2}
    code, kept = sync(laptop, cloud)
    assert code == 0 and (counted(kept, "package", "gone"), counted(kept, "session", "gone")) == (1, 2)
    assert cloud.call("GET", f"/api/v1/packages/{remote_single['id']}")["id"] == remote_single["id"]

    code, deleted = sync(laptop, cloud, "--propagate-deletes")
    assert code == 0 and (counted(deleted, "package", "deleted"), counted(deleted, "session", "deleted")) == (
        1,
        2,
    )
    cloud.call("GET", f"/api/v1/packages/{remote_single['id']}", expect=(404,))
    assert [p["title"] for p in cloud.packages()] == [laptop_data["packages"][1]["title"]]

    code, after = sync(laptop, cloud, "--propagate-deletes")
    assert after["report"]["counts"] == {} or all(
        counted(after, k, o) == 0 for k in ("package", "session") for o in ("gone", "deleted")
    )


# ---- the target's analytics ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["cloud", "appliance"])
def test_the_targets_analytics_count_each_learner_and_course_once(pair, laptop_data, cloud, kind):
    laptop, other = pair
    target = cloud if kind == "cloud" else other
    code, run = sync(laptop, target)
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])

    actors, activities = analytics(target, "actors"), analytics(target, "activities")
    # nothing there names this machine: identities moved under the target's own base
    hosts = set(re.findall(r"https?://[^/\"]+", json.dumps([actors, activities])))
    assert laptop.url not in hosts and target.url in hosts, hosts
    mine = analytics(laptop, "actors")
    learners = [a["actor"]["account"]["name"] for a in mine if "account" in a["actor"]]
    assert "ann" in learners  # the bridge wrote about her sessions here
    for learner in learners:  # each once there, under the target's own address
        [theirs] = [a for a in actors if (a["actor"].get("account") or {}).get("name") == learner]
        assert theirs["actor"]["account"]["homePage"] == target.url
    assert len(actors) == len(mine)
    courses = sorted(
        a["activity_id"] for a in activities if (a.get("activity_type") or "").endswith("/course")
    )
    remote = {p["title"]: p["id"] for p in target.packages()}
    my_courses = [
        a for a in analytics(laptop, "activities") if (a.get("activity_type") or "").endswith("/course")
    ]
    titles = {p["id"]: p["title"] for p in laptop.packages()}
    assert courses == sorted(f"{target.url}/packages/{remote[titles[a['package_id']]]}" for a in my_courses)
    if kind == "appliance":  # every statement there, once, and none derived again
        assert target.statements()["pagination"]["total"] == laptop.statements()["pagination"]["total"]
    else:  # the bridge's statements are not sent: the cloud derives its own (the dry run said)
        bridged = next(i for i in run["report"]["plan"]["not_carried"] if i["what"] == "bridge_statements")
        assert bridged["count"] == counted(run, "statements", "not_carried") > 0


def test_the_dry_run_says_it_in_words_on_a_terminal(pair, laptop_data, cloud):
    laptop, _ = pair
    laptop.call("DELETE", f"/api/v1/packages/{laptop_data['packages'][0]['id']}")  # never synced: not "gone"
    out = subprocess.run(
        sync_command(laptop.srv.data_dir, cloud.url, cloud.srv.admin_key, cloud.tenant_id(), "--dry-run"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert f"Dry run to {cloud.url} (cloud): would send 1 packages" in text
    assert "The target would count 1 launches" in text
    assert "Not carried, 1 session: The learner's name" in text
    assert "Deleted here" not in text
