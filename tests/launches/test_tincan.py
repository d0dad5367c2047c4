"""xAPI (tincan.xml) packages: launched with the customary parameters (endpoint, auth, actor,
registration, activity_id) and credentials of their own; the content's statements about its
activity feed the session's status, score and time."""

import base64
import json
from urllib.parse import parse_qs, urlsplit

from tests.launches.cmi5_au import TINCAN_XML, now
from tests.packages import zips
from tests.support import bearer, upload_and_process

ACTIVITY = "https://example.com/golf/course"
ADL = "http://adlnet.gov/expapi/verbs/"


def launch_tincan(client, key, **learner):
    """A Tin Can course uploaded, a learner's session, and its launch followed to the content:
    (package, session, the content URL's parts, its query parameters)."""
    pkg, _ = upload_and_process(
        client, key, zips.build({"tincan.xml": TINCAN_XML, "story.html": b"<p>golf</p>"})
    )
    s = client.post(
        "/api/v1/sessions", headers=bearer(key), json={"package_id": pkg["id"], **learner}
    ).get_json()["session"]
    link = client.post(
        f"/api/v1/sessions/{s['id']}/launch",
        headers=bearer(key),
        json={"item_id": ACTIVITY, "redirect": True},
    ).get_json()["launch_url"]
    to = urlsplit(client.get(urlsplit(link).path).headers["Location"])
    return pkg, s, to, {k: v[0] for k, v in parse_qs(to.query).items()}


def test_tincan_launch_and_tracking(client, admin_key, make_tenant):
    pkg, s, to, q = launch_tincan(client, admin_key, user_id="ann", user_name="Ann")
    assert pkg["standard"] == "xapi"
    assert to.path == f"/content/{pkg['id']}/story.html"
    assert set(q) == {"endpoint", "auth", "actor", "registration", "activity_id"}
    assert q["registration"] == s["id"] and q["activity_id"] == ACTIVITY and q["endpoint"].endswith("/xapi")
    assert base64.b64decode(q["auth"].split()[1]).decode().startswith("au-")
    actor = json.loads(q["actor"])
    headers = {"Authorization": q["auth"], "X-Experience-API-Version": "1.0.3"}

    def send(verb, result=None):
        st = {
            "actor": actor,
            "verb": {"id": ADL + verb},
            "object": {"id": ACTIVITY},
            "timestamp": now(),
            "context": {"registration": s["id"]},
            **({"result": result} if result else {}),
        }
        return client.post("/xapi/statements", headers=headers, json=st)

    assert send("experienced").status_code == 200
    after = client.get(f"/api/v1/sessions/{s['id']}", headers=bearer(admin_key)).get_json()["session"]
    assert after["completion_status"] == "incomplete"
    assert (
        send(
            "passed",
            {"success": True, "completion": True, "score": {"scaled": 0.75, "raw": 75, "min": 0, "max": 100}},
        ).status_code
        == 200
    )
    assert send("terminated", {"duration": "PT4M30S"}).status_code == 200
    after = client.get(f"/api/v1/sessions/{s['id']}", headers=bearer(admin_key)).get_json()["session"]
    assert (after["completion_status"], after["success_status"]) == ("completed", "passed")
    assert after["score"]["scaled"] == 0.75 and after["time_spent_seconds"] == 270

    mine = client.get("/xapi/statements", headers=headers, query_string={"registration": s["id"]})
    assert [st["verb"]["id"].rsplit("/", 1)[-1] for st in mine.get_json()["statements"]] == [
        "terminated",
        "passed",
        "experienced",
        "launched",
    ]
    assert client.get("/xapi/statements", headers=headers).status_code == 403
    # The credentials are this launch's: another tenant's API key does not see its sessions.
    other = make_tenant()
    assert (
        client.get(f"/api/v1/sessions/{s['id']}/au-sessions", headers=other.headers("rw")).status_code == 404
    )
    listed = client.get(f"/api/v1/sessions/{s['id']}/au-sessions", headers=bearer(admin_key)).get_json()
    assert [(a["kind"], a["activity_id"]) for a in listed["au_sessions"]] == [("xapi", ACTIVITY)]


def test_a_reset_ends_an_open_tincan_launch(client, admin_key):
    """Its credentials were in the content's URL: after a progress reset they write nothing."""
    _, s, _, q = launch_tincan(client, admin_key, user_id="bo")
    headers = {"Authorization": q["auth"], "X-Experience-API-Version": "1.0.3"}
    passed = {
        "actor": json.loads(q["actor"]),
        "verb": {"id": ADL + "passed"},
        "object": {"id": ACTIVITY},
        "context": {"registration": s["id"]},
        "result": {"success": True, "completion": True},
    }
    assert client.delete(f"/api/v1/sessions/{s['id']}/progress", headers=bearer(admin_key)).status_code == 200
    assert client.post("/xapi/statements", headers=headers, json=passed).status_code == 401
    after = client.get(f"/api/v1/sessions/{s['id']}", headers=bearer(admin_key)).get_json()["session"]
    assert after["success_status"] == "unknown"
    launches = client.get(f"/api/v1/sessions/{s['id']}/au-sessions", headers=bearer(admin_key)).get_json()
    assert [a["status"] for a in launches["au_sessions"]] == ["abandoned"]
