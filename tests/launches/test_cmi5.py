"""cmi5 launches end to end over HTTP, with the AU's side played by tests.launches.cmi5_au:
the launch URL, the one-time fetch URL, LMS.LaunchData, the statements the LMS writes
(Launched, Satisfied, Abandoned, Waived), the rules the LRS holds an AU to (403, nothing
stored), and the session's status fed by moveOn."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import bearer
from tests.launches.cmi5_au import MASTERY_EXT, PUB, SESSION_EXT, Au, cmi5_zip
from tests.packages.test_packages_api import upload_and_process

W3ID = "https://w3id.org/xapi/adl/verbs/"


@pytest.fixture
def course(client, admin_key):
    pkg, _ = upload_and_process(client, admin_key, cmi5_zip())
    assert pkg["standard"] == "cmi5"
    return pkg


def register(client, key, pkg, user="learner-1"):
    resp = client.post("/api/v1/sessions", headers=bearer(key),
                       json={"package_id": pkg["id"], "user_id": user, "user_name": "Ann Lee"})
    assert resp.status_code in (200, 201), resp.get_json()
    return resp.get_json()["session"]


def launch(client, key, session_id, au: str, **options) -> Au:
    """What a learner's click does: a launch link straight to the AU, followed to its URL."""
    link = client.post(f"/api/v1/sessions/{session_id}/launch", headers=bearer(key),
                       json={"item_id": f"{PUB}/au/{au}", "redirect": True, **options})
    assert link.status_code == 200, link.get_json()
    page = client.get(urlsplit(link.get_json()["launch_url"]).path)
    assert page.status_code == 303, page.get_data(as_text=True)
    return Au(client, page.headers["Location"])


def lrs_statements(client, lrs, registration) -> list[dict]:
    resp = client.get("/xapi/statements", headers=lrs,
                      query_string={"registration": registration, "ascending": "true"})
    assert resp.status_code == 200
    return resp.get_json()["statements"]


def verbs(sts) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in sts]


def session_of(client, key, session_id) -> dict:
    return client.get(f"/api/v1/sessions/{session_id}", headers=bearer(key)).get_json()["session"]


def test_launch_protocol_moveon_and_session_status(client, admin_key, lrs, course):
    s = register(client, admin_key, course)
    assert lrs_statements(client, lrs, s["id"]) == []  # the block is not satisfied yet
    au = launch(client, admin_key, s["id"], "intro")

    # The launch URL: the AU's own URL and query, then the cmi5 parameters.
    assert au.path == f"/content/{course['id']}/intro/index.html" and au.query["lang"] == "en"
    assert au.registration == s["id"] and au.endpoint == "/xapi"
    assert au.actor == {"objectType": "Agent", "name": "Ann Lee",
                        "account": {"homePage": "http://127.0.0.1:3001", "name": "learner-1"}}
    assert au.activity_id == f"http://127.0.0.1:3001/packages/{course['id']}/au/" \
                             "https%3A%2F%2Fexample.com%2Ffire-safety%2Fau%2Fintro"

    # The fetch URL gives the token once; then error 1, still a 200 JSON answer.
    au.start()
    again = au.fetch()
    assert again.status_code == 200 and again.get_json()["error-code"] == "1"
    assert "auth-token" not in again.get_json()
    assert client.post("/player/fetch/forged").get_json()["error-code"] == "2"

    data = au.launch_data
    sid = data["contextTemplate"]["extensions"][SESSION_EXT]
    assert data["contextTemplate"]["contextActivities"]["grouping"] == [
        {"objectType": "Activity", "id": f"{PUB}/au/intro"}]
    assert (data["launchMode"], data["moveOn"], data["launchParameters"]) == ("Normal", "Completed", '{"chapter":1}')
    assert data["entitlementKey"] == {"courseStructure": "ek-42"} and "masteryScore" not in data
    assert urlsplit(data["returnURL"]).path.startswith("/player/returned/")

    assert au.initialized().status_code == 204
    assert au.completed().status_code == 204
    assert au.terminated().status_code == 204
    late = au.send(au.statement("experienced", defined=False))
    assert late.status_code == 401  # the credentials ended with the AU session

    quiz = launch(client, admin_key, s["id"], "quiz").start()
    assert quiz.launch_data["masteryScore"] == 0.8
    assert quiz.initialized().status_code == 204
    assert quiz.judged("passed", 0.9, mastery=0.8).status_code == 204
    assert session_of(client, admin_key, s["id"])["completion_status"] == "incomplete"  # not completed yet
    assert quiz.completed().status_code == 204
    assert quiz.terminated().status_code == 204

    sts = lrs_statements(client, lrs, s["id"])
    assert verbs(sts) == ["launched", "initialized", "completed", "terminated",
                          "launched", "initialized", "passed", "completed", "satisfied", "satisfied", "terminated"]
    launched = sts[0]
    ext = launched["context"]["extensions"]
    assert ext[SESSION_EXT] == sid and launched["object"]["id"] == au.activity_id
    assert ext["https://w3id.org/xapi/cmi5/context/extensions/launchmode"] == "Normal"
    assert ext["https://w3id.org/xapi/cmi5/context/extensions/moveon"] == "Completed"
    assert ext["https://w3id.org/xapi/cmi5/context/extensions/launchparameters"] == '{"chapter":1}'
    assert ext["https://w3id.org/xapi/cmi5/context/extensions/launchurl"].endswith("/intro/index.html?lang=en")
    block, whole = sts[8], sts[9]
    assert block["object"]["definition"]["type"] == "https://w3id.org/xapi/cmi5/activitytype/block"
    assert whole["object"]["definition"]["type"] == "https://w3id.org/xapi/cmi5/activitytype/course"
    assert {"objectType": "Activity", "id": f"{PUB}/block/basics"} in block["context"]["contextActivities"]["grouping"]
    assert {"objectType": "Activity", "id": f"{PUB}/course"} in whole["context"]["contextActivities"]["grouping"]
    assert block["context"]["extensions"][SESSION_EXT] == quiz.launch_data["contextTemplate"]["extensions"][SESSION_EXT]
    assert whole["object"]["id"] == f"http://127.0.0.1:3001/packages/{course['id']}"

    after = session_of(client, admin_key, s["id"])
    assert (after["completion_status"], after["success_status"]) == ("completed", "passed")
    assert after["score"]["scaled"] == 0.9 and after["time_spent_seconds"] == 360
    au_sessions = client.get(f"/api/v1/sessions/{s['id']}/au-sessions", headers=bearer(admin_key)).get_json()
    assert [a["status"] for a in au_sessions["au_sessions"]] == ["terminated", "terminated"]
