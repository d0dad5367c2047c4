"""The migration guide's "Testing Checklist", item by item, after `scorm-api sync` moved a
laptop's data to a target in cloud-contract mode (a stand-in for the cloud that answers only
what the cloud documents) whose upload bucket is small enough that its rate limiting is met.
Then the guide's own comparison: every learner's status, score, time and CMI, every statement,
every xAPI document, the same on both sides but for what the dry run listed as not carried.
And the same migration to a target with our extensions, which differs in nothing."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support import new_version_of, start_server, wait_until
from tests.sync.support import (
    SINGLE,
    Api,
    CloudApi,
    Lrs,
    lrs_credentials,
    remote_ids,
    sync,
)
from tests.webhooks.support import Receiver

pytestmark = pytest.mark.slow

AGENT = {"objectType": "Agent", "mbox": "mailto:ann@example.org"}
DOC = (
    "/activities/state",
    {"activityId": "http://example.org/c", "agent": json.dumps(AGENT), "stateId": "s"},
)
SESSION_FIELDS = ("user_id", "completion_status", "success_status", "score", "time_spent_seconds")


def laptop_lrs(laptop):
    lrs = Lrs(laptop.url, lrs_credentials(laptop.srv.data_dir))
    lrs.request(
        "PUT", DOC[0], params=DOC[1], data=b'{"page": 3}', headers={"Content-Type": "application/json"}
    )
    return lrs


def lrs_args(creds):
    return ("--lrs-key", creds[0], "--lrs-secret", creds[1])


def second_version(laptop, laptop_data) -> str:
    """A new version of the single-SCO course, and a learner who starts on it (ann stays on
    the first). Returns carol's session id."""
    single = laptop_data["packages"][0]["id"]
    laptop.new_version(single, new_version_of(SINGLE), filename=SINGLE)
    carol = laptop.session(single, "carol")
    laptop.put(carol["id"], {"cmi_data": {"cmi.core.lesson_status": "passed"}, "session_time": "PT5M"})
    return carol["id"]


def test_the_guides_testing_checklist_after_a_sync_to_the_cloud(pair, laptop_data, tmp_path):
    laptop, _ = pair
    laptop_lrs(laptop)
    env = {
        "SCORM_API_CONTRACT": "cloud",
        # Five upload calls (two packages, one new version) in one 15 s window of three: the
        # sync must wait, however slowly a busy machine makes the first three.
        "SCORM_API_RATE_LIMIT_UPLOAD": "3",
        "SCORM_API_RATE_LIMIT_WINDOW_SECONDS": "15",
        "SCORM_API_WEBHOOK_PROGRESS_INTERVAL_SECONDS": "1",
    }
    carol = second_version(laptop, laptop_data)
    receiver = Receiver(tmp_path / "receiver")  # the LMS's; it learns its secret from the report
    laptop.call("POST", "/api/v1/webhooks", json={"url": receiver.url, "event_type": "session.progress"})
    cloud = CloudApi(start_server(tmp_path / "cloud", env=env))
    try:
        creds = lrs_credentials(cloud.srv.data_dir)
        code, dry = sync(laptop, cloud, *lrs_args(creds), "--dry-run")
        listed = {i["what"] for i in dry["report"]["plan"]["not_carried"]}
        older = next(i for i in dry["report"]["plan"]["not_carried"] if i["what"] == "older_version")
        assert set(older["examples"]) == set(laptop_data["sessions"][:2])  # ann's, on version 1
        code, run = sync(laptop, cloud, *lrs_args(creds))
        assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])

        # - All packages uploaded successfully: the same bytes, ready.
        theirs = {p["title"]: p for p in cloud.packages()}
        for mine in laptop.packages():
            there = theirs[mine["title"]]
            assert there["status"] == "ready"
            assert cloud.versions(there["id"]) == laptop.versions(mine["id"])  # every version
            assert (
                cloud.call("GET", f"/api/v1/packages/{there['id']}/download").content
                == laptop.call("GET", f"/api/v1/packages/{mine['id']}/download").content
            )

        # - Sessions launch correctly: the learner's current session opens in the player.
        ids = remote_ids(run)
        single = theirs[next(p["title"] for p in laptop.packages() if p["original_filename"] == SINGLE)]
        launch = cloud.call("POST", f"/api/v1/packages/{single['id']}/launch", json={"user_id": "ann"})
        assert launch["session_id"] == ids[laptop_data["sessions"][1]]  # her latest attempt
        page = requests.get(launch["launch_url"], timeout=30)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]

        # - CMI data saves and retrieves: her progress is there, and the target takes more.
        there = cloud.detail(launch["session_id"])
        assert there["cmi_data"]["cmi.suspend_data"] == "done"
        cloud.put(launch["session_id"], {"cmi_data": {"cmi.core.lesson_location": "after-migration"}})
        assert cloud.detail(launch["session_id"])["cmi_data"]["cmi.core.lesson_location"] == "after-migration"

        # - Webhooks are received: the webhook made there signs with the secret the report
        #   showed; the progress just saved reaches the receiver.
        [made] = run["report"]["webhook_secrets"]
        receiver.secret = made["secret"]
        receiver.start()
        try:
            got = wait_until(
                lambda: [
                    x for x in receiver.accepted() if x["event"]["session"]["id"] == launch["session_id"]
                ],
                timeout=60,
            )
            assert got[0]["verified"] and got[0]["event"]["session"]["id"] == launch["session_id"]
        finally:
            receiver.stop()

        # - API keys work correctly: the target's key works, a wrong one is refused.
        bad = requests.get(cloud.url + "/api/v1/packages", headers={"X-API-Key": "ac_live_wrong"}, timeout=30)
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "UNAUTHORIZED"

        # - Rate limiting functions properly: the target's upload bucket made the sync wait,
        #   and it went on; the headers are there.
        assert run["report"]["waited_seconds"] > 0
        head = requests.get(
            cloud.url + "/api/v1/packages", headers={"X-API-Key": cloud.srv.admin_key}, timeout=30
        )
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(head.headers)

        # - Error handling works as expected: the seed's envelope.
        missing = requests.get(
            cloud.url + "/api/v1/sessions/nope", headers={"X-API-Key": cloud.srv.admin_key}, timeout=30
        )
        assert missing.status_code == 404 and set(missing.json()["error"]) >= {"code", "message"}

        # The comparison: learners' state, statements, documents.
        assert cloud.detail(ids[carol])["package_version"] == 2
        for local_id, remote_id in ids.items():
            mine, theirs_s = laptop.detail(local_id), cloud.detail(remote_id)
            assert {f: theirs_s[f] for f in SESSION_FIELDS} == {f: mine[f] for f in SESSION_FIELDS}
            if theirs_s["package_version"] != mine["package_version"]:
                assert local_id in older["examples"]  # on the newest there: listed
            if len(mine["activities"]) <= 1 and remote_id != launch["session_id"]:
                assert theirs_s["cmi_data"] == mine["cmi_data"]
            elif len(mine["activities"]) > 1:
                assert "items_cmi" in listed  # the other SCOs' CMI: listed before the run
        local_ids = {s["id"] for s in laptop.statements()["statements"]}
        there_ids = {s["id"] for s in cloud.statements()["statements"]}
        missing_ids = local_ids - there_ids
        assert missing_ids, "the bridge's statements stay here"
        assert "bridge_statements" in listed
        bridged = [s for s in laptop.statements()["statements"] if s["id"] in missing_ids]
        assert all(s["context"]["platform"] == "SCORM API appliance" for s in bridged)
        got = Lrs(cloud.url, creds).request("GET", DOC[0], params=DOC[1])
        assert got.content == b'{"page": 3}'
    finally:
        cloud.srv.stop()


def test_the_same_migration_to_an_appliance_differs_in_nothing(pair, laptop_data):
    laptop, other = pair
    laptop_lrs(laptop)
    second_version(laptop, laptop_data)
    creds = lrs_credentials(other.srv.data_dir)
    code, dry = sync(laptop, other, *lrs_args(creds), "--dry-run")
    assert dry["report"]["plan"]["not_carried"] == []
    code, run = sync(laptop, other, *lrs_args(creds))
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
    skip = {
        "id",
        "package_id",
        "tenant_id",
        "version",
        "created_at",
        "updated_at",
        "package",
        "is_current_attempt",
    }
    for mine_pkg in laptop.packages():
        [there] = [p for p in other.packages() if p["title"] == mine_pkg["title"]]
        assert other.versions(there["id"]) == laptop.versions(mine_pkg["id"])
    for local_id, remote_id in remote_ids(run).items():
        mine, theirs = laptop.detail(local_id), other.detail(remote_id)  # package_version too
        for part in ("interactions", "objectives"):
            mine.pop(part), theirs.pop(part)
        strip = lambda d: {k: v for k, v in d.items() if k not in skip}
        acts = lambda d: [{k: v for k, v in a.items() if k != "updated_at"} for a in d.pop("activities")]
        assert acts(theirs) == acts(mine)
        assert strip(theirs) == strip(mine)
    assert {s["id"] for s in other.statements()["statements"]} == {
        s["id"] for s in laptop.statements()["statements"]
    }
    got = Lrs(other.url, creds).request("GET", DOC[0], params=DOC[1])
    assert got.content == b'{"page": 3}'


def test_a_migration_with_nothing_to_move_says_so(live_server_factory, tmp_path):
    empty = Api(live_server_factory())
    cloud = CloudApi(start_server(tmp_path / "cloud", env={"SCORM_API_CONTRACT": "cloud"}))
    try:
        code, run = sync(empty, cloud)
        assert (code, run["status"]) == (0, "completed")
        assert run["report"]["counts"] == {} and cloud.packages() == []
    finally:
        cloud.srv.stop()
