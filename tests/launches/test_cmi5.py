"""cmi5 launches end to end over HTTP, with the AU's side played by tests.launches.cmi5_au:
the launch URL, the one-time fetch URL, LMS.LaunchData, the statements the LMS writes
(Launched, Satisfied, Abandoned, Waived), the rules the LRS holds an AU to (403, nothing
stored), and the session's status fed by moveOn."""

import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.launches.cmi5_au import MASTERY_EXT, PUB, SESSION_EXT, Au, cmi5_zip
from tests.sessions.runtime import session_of
from tests.support import bearer, upload_and_process

W3ID = "https://w3id.org/xapi/adl/verbs/"


@pytest.fixture
def course(client, admin_key):
    pkg, _ = upload_and_process(client, admin_key, cmi5_zip())
    assert pkg["standard"] == "cmi5"
    return pkg


def register(client, key, pkg, user="learner-1"):
    resp = client.post(
        "/api/v1/sessions",
        headers=bearer(key),
        json={"package_id": pkg["id"], "user_id": user, "user_name": "Ann Lee"},
    )
    assert resp.status_code in (200, 201), resp.get_json()
    return resp.get_json()["session"]


def launch(client, key, session_id, au: str, **options) -> Au:
    """What a learner's click does: a launch link straight to the AU, followed to its URL."""
    link = client.post(
        f"/api/v1/sessions/{session_id}/launch",
        headers=bearer(key),
        json={"item_id": f"{PUB}/au/{au}", "redirect": True, **options},
    )
    assert link.status_code == 200, link.get_json()
    page = client.get(urlsplit(link.get_json()["launch_url"]).path)
    assert page.status_code == 303, page.get_data(as_text=True)
    return Au(client, page.headers["Location"])


def lrs_statements(client, lrs, registration) -> list[dict]:
    resp = client.get(
        "/xapi/statements", headers=lrs, query_string={"registration": registration, "ascending": "true"}
    )
    assert resp.status_code == 200
    return resp.get_json()["statements"]


def verbs(sts) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in sts]


def test_launch_protocol_moveon_and_session_status(client, admin_key, lrs, course):
    s = register(client, admin_key, course)
    assert lrs_statements(client, lrs, s["id"]) == []  # the block is not satisfied yet
    au = launch(client, admin_key, s["id"], "intro")

    # The launch URL: the AU's own URL and query, then the cmi5 parameters.
    assert au.path == f"/content/{course['id']}/intro/index.html" and au.query["lang"] == "en"
    assert au.registration == s["id"] and au.endpoint == "/xapi"
    assert au.actor == {
        "objectType": "Agent",
        "name": "Ann Lee",
        "account": {"homePage": "http://127.0.0.1:3001", "name": "learner-1"},
    }
    assert (
        au.activity_id == f"http://127.0.0.1:3001/packages/{course['id']}/au/"
        "https%3A%2F%2Fexample.com%2Ffire-safety%2Fau%2Fintro"
    )

    # The fetch URL gives the token once; then error 1, still a 200 JSON answer.
    au.start()
    again = au.fetch()
    assert again.status_code == 200 and again.get_json()["error-code"] == "1"
    assert "auth-token" not in again.get_json()
    assert client.post("/player/fetch/forged").get_json()["error-code"] == "2"

    data = au.launch_data
    sid = data["contextTemplate"]["extensions"][SESSION_EXT]
    assert data["contextTemplate"]["contextActivities"]["grouping"] == [
        {"objectType": "Activity", "id": f"{PUB}/au/intro"}
    ]
    assert (data["launchMode"], data["moveOn"], data["launchParameters"]) == (
        "Normal",
        "Completed",
        '{"chapter":1}',
    )
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
    assert verbs(sts) == [
        "launched",
        "initialized",
        "completed",
        "terminated",
        "launched",
        "initialized",
        "passed",
        "completed",
        "satisfied",
        "satisfied",
        "terminated",
    ]
    launched = sts[0]
    ext = launched["context"]["extensions"]
    assert ext[SESSION_EXT] == sid and launched["object"]["id"] == au.activity_id
    assert ext["https://w3id.org/xapi/cmi5/context/extensions/launchmode"] == "Normal"
    assert ext["https://w3id.org/xapi/cmi5/context/extensions/moveon"] == "Completed"
    assert ext["https://w3id.org/xapi/cmi5/context/extensions/launchparameters"] == '{"chapter":1}'
    assert ext["https://w3id.org/xapi/cmi5/context/extensions/launchurl"].endswith(
        "/intro/index.html?lang=en"
    )
    block, whole = sts[8], sts[9]
    assert block["object"]["definition"]["type"] == "https://w3id.org/xapi/cmi5/activitytype/block"
    assert whole["object"]["definition"]["type"] == "https://w3id.org/xapi/cmi5/activitytype/course"
    assert {"objectType": "Activity", "id": f"{PUB}/block/basics"} in block["context"]["contextActivities"][
        "grouping"
    ]
    assert {"objectType": "Activity", "id": f"{PUB}/course"} in whole["context"]["contextActivities"][
        "grouping"
    ]
    assert (
        block["context"]["extensions"][SESSION_EXT]
        == quiz.launch_data["contextTemplate"]["extensions"][SESSION_EXT]
    )
    assert whole["object"]["id"] == f"http://127.0.0.1:3001/packages/{course['id']}"

    after = session_of(client, admin_key, s["id"])
    assert (after["completion_status"], after["success_status"]) == ("completed", "passed")
    assert after["score"]["scaled"] == 0.9 and after["time_spent_seconds"] == 360
    au_sessions = client.get(f"/api/v1/sessions/{s['id']}/au-sessions", headers=bearer(admin_key)).get_json()
    assert [a["status"] for a in au_sessions["au_sessions"]] == ["terminated", "terminated"]


def _mutations(au: Au):
    """(why, statement) pairs the LRS must refuse with 403 in an initialized AU session."""

    def st(verb, result=None, defined=True, moveon=False, **changes):
        out = au.statement(verb, result, defined, moveon)
        for path, value in changes.items():
            target, *keys = path.split("__")
            obj = out if target == "root" else out[target]
            for k in keys[:-1]:
                obj = obj.setdefault(k, {})
            if value is None:
                obj.pop(keys[-1], None)
            else:
                obj[keys[-1]] = value
        return out

    done = {"completion": True, "duration": "PT1M"}
    yield "no timestamp", st("completed", done, moveon=True, root__timestamp=None)
    yield "not UTC", st("completed", done, moveon=True, root__timestamp="2026-11-23T10:00:00+02:00")
    yield "a Group actor", st("completed", done, moveon=True, actor__objectType="Group")
    yield "an mbox actor", st("completed", done, moveon=True, root__actor={"mbox": "mailto:ann@example.com"})
    yield "initialized twice", st("initialized")
    yield "another object", st("completed", done, moveon=True, object__id="https://example.com/other")
    yield "no context", st("completed", done, moveon=True, root__context=None)
    yield "no registration", st("completed", done, moveon=True, context__registration=None)
    yield (
        "another registration",
        st("completed", done, moveon=True, context__registration="6c1a3e2b-0c2f-4b5e-9a8d-1f2e3d4c5b6a"),
    )
    no_session = st("completed", done, moveon=True)
    del no_session["context"]["extensions"][SESSION_EXT]
    yield "no session id", no_session
    yield "completed without completion", st("completed", {"duration": "PT1M"}, moveon=True)
    yield "completed with success", st("completed", {**done, "success": True}, moveon=True)
    yield "completed with a score", st("completed", {**done, "score": {"scaled": 1}}, moveon=True)
    yield "completed without duration", st("completed", {"completion": True}, moveon=True)
    yield "completed without moveOn", st("completed", done)
    yield "terminated without duration", st("terminated", {})
    yield "terminated with moveOn", st("terminated", {"duration": "PT1M"}, moveon=True)
    yield "allowed with moveOn", st("experienced", defined=False, moveon=True)
    yield "LMS verb from the AU", st(W3ID + "satisfied")
    yield (
        "a voiding statement",
        st(
            "http://adlnet.gov/expapi/verbs/voided",
            defined=False,
            root__object={"objectType": "StatementRef", "id": "6c1a3e2b-0c2f-4b5e-9a8d-1f2e3d4c5b6a"},
        ),
    )


def test_the_lrs_holds_an_au_to_the_cmi5_rules(client, admin_key, lrs, course):
    s = register(client, admin_key, course)
    quiz = launch(client, admin_key, s["id"], "quiz")
    quiz.start(read_prefs=False)
    early = quiz.send(quiz.statement("experienced", defined=False))
    assert early.status_code == 403 and "Initialized" in early.get_json()["error"]["message"]
    no_prefs = quiz.initialized()
    assert no_prefs.status_code == 403 and "preferences" in no_prefs.get_json()["error"]["message"]
    prefs = {"profileId": "cmi5LearnerPreferences", "agent": json.dumps(quiz.actor)}
    assert client.get("/xapi/agents/profile", headers=quiz.headers(), query_string=prefs).status_code == 404
    put_prefs = client.put(
        "/xapi/agents/profile",
        headers=quiz.headers(),
        query_string=prefs,
        json={"languagePreference": "en-US", "audioPreference": "on"},
    )
    assert put_prefs.status_code == 403  # the LMS keeps the learner's preferences
    assert quiz.initialized().status_code == 204
    before = len(lrs_statements(client, lrs, s["id"]))

    for why, st in _mutations(quiz):
        resp = quiz.send(st)
        assert resp.status_code == 403, (why, resp.get_json())
        assert resp.get_json()["error"]["code"] == "FORBIDDEN"

    # masteryScore 0.8: the statement carries it, and the verb agrees with the score.
    assert quiz.judged("passed", 0.9).status_code == 403  # no masteryScore extension
    assert quiz.judged("passed", 0.9, mastery=0.5).status_code == 403
    assert quiz.judged("passed", 0.7, mastery=0.8).status_code == 403
    assert quiz.judged("failed", 0.8, mastery=0.8).status_code == 403
    raw_only = quiz.statement(
        "passed", {"success": True, "duration": "PT1M", "score": {"raw": 9}}, moveon=True
    )
    raw_only["context"]["extensions"][MASTERY_EXT] = 0.8
    assert quiz.send(raw_only).status_code == 403
    # LMS.LaunchData is the LMS's.
    launch_data = {
        "stateId": "LMS.LaunchData",
        "activityId": quiz.activity_id,
        "agent": json.dumps(quiz.actor),
        "registration": quiz.registration,
    }
    assert (
        client.put(
            "/xapi/activities/state",
            headers=quiz.headers(),
            query_string=launch_data,
            json={"launchMode": "Browse"},
        ).status_code
        == 403
    )
    assert (
        client.delete("/xapi/activities/state", headers=quiz.headers(), query_string=launch_data).status_code
        == 403
    )
    assert lrs_statements(client, lrs, s["id"])[before:] == []  # nothing refused was stored

    # A batch is all or nothing: one bad statement refuses the good one before it.
    good, bad = quiz.statement("experienced", defined=False), quiz.statement("initialized")
    resp = client.post(
        "/xapi/statements",
        headers=quiz.headers(),
        data=json.dumps([good, bad]),
        content_type="application/json",
    )
    assert resp.status_code == 403 and len(lrs_statements(client, lrs, s["id"])) == before

    failed = quiz.judged("failed", 0.5, mastery=0.8)
    assert failed.status_code == 204, failed.get_json()
    assert quiz.judged("passed", 0.9, mastery=0.8).status_code == 403  # one of passed/failed per session
    assert quiz.terminated().status_code == 204
    # The next session of the AU may pass; then failing or passing again is refused.
    again = launch(client, admin_key, s["id"], "quiz").start()
    assert again.initialized().status_code == 204
    assert again.judged("passed", 0.85, mastery=0.8).status_code == 204
    assert again.terminated().status_code == 204
    third = launch(client, admin_key, s["id"], "quiz").start()
    assert third.initialized().status_code == 204
    assert third.judged("failed", 0.1, mastery=0.8).status_code == 403
    assert third.judged("passed", 0.9, mastery=0.8).status_code == 403
    assert session_of(client, admin_key, s["id"])["success_status"] == "unknown"  # not satisfied yet


def test_browse_and_review_modes_record_no_results(client, admin_key, course):
    s = register(client, admin_key, course)
    for mode in ("Browse", "Review"):
        au = launch(client, admin_key, s["id"], "intro", launch_mode=mode).start()
        assert au.launch_data["launchMode"] == mode
        assert au.initialized().status_code == 204
        assert au.completed().status_code == 403
        assert au.terminated().status_code == 204
    assert session_of(client, admin_key, s["id"])["completion_status"] == "incomplete"


def test_a_new_launch_abandons_the_active_session(client, admin_key, lrs, course):
    s = register(client, admin_key, course)
    first = launch(client, admin_key, s["id"], "intro").start()
    assert first.initialized().status_code == 204
    second = launch(client, admin_key, s["id"], "quiz").start()
    assert first.send(first.statement("experienced", defined=False)).status_code == 401
    sts = lrs_statements(client, lrs, s["id"])
    assert verbs(sts) == ["launched", "initialized", "abandoned", "launched"]
    abandoned = sts[2]
    first_sid = first.launch_data["contextTemplate"]["extensions"][SESSION_EXT]
    assert abandoned["context"]["extensions"][SESSION_EXT] == first_sid
    assert abandoned["object"]["id"] == first.activity_id and abandoned["result"]["duration"].startswith("PT")
    assert abandoned["actor"] == first.actor and abandoned["context"]["registration"] == s["id"]

    # Abandoning through the API: once; the AU's credentials stop at once.
    second_sid = second.launch_data["contextTemplate"]["extensions"][SESSION_EXT]
    resp = client.post(f"/api/v1/au-sessions/{second_sid}/abandon", headers=bearer(admin_key))
    assert resp.status_code == 200 and resp.get_json()["status"] == "abandoned"
    assert (
        client.post(f"/api/v1/au-sessions/{second_sid}/abandon", headers=bearer(admin_key)).status_code == 409
    )
    assert second.initialized().status_code == 401
    state = {
        "stateId": "bookmark",
        "activityId": second.activity_id,
        "agent": json.dumps(second.actor),
        "registration": second.registration,
    }
    assert (
        client.get("/xapi/activities/state", headers=second.headers(), query_string=state).status_code == 401
    )
    assert verbs(lrs_statements(client, lrs, s["id"]))[-1] == "abandoned"


def test_a_reset_or_a_new_attempt_ends_the_open_au_sessions(client, admin_key, lrs, course):
    s = register(client, admin_key, course)
    au = launch(client, admin_key, s["id"], "intro").start()
    assert au.initialized().status_code == 204
    assert client.delete(f"/api/v1/sessions/{s['id']}/progress", headers=bearer(admin_key)).status_code == 200
    # Its credentials stop at once: a passed from before the reset cannot put it back.
    assert au.judged("passed", 1.0).status_code == 401
    assert verbs(lrs_statements(client, lrs, s["id"])) == ["launched", "initialized", "abandoned"]
    assert session_of(client, admin_key, s["id"])["success_status"] == "unknown"

    again = launch(client, admin_key, s["id"], "intro").start()
    assert again.initialized().status_code == 204
    new = client.post(
        "/api/v1/sessions",
        headers=bearer(admin_key),
        json={"package_id": course["id"], "user_id": "learner-1", "new_attempt": True},
    )
    assert new.status_code == 201
    assert again.completed().status_code == 401
    assert verbs(lrs_statements(client, lrs, s["id"]))[-1] == "abandoned"


def test_waiving_satisfies(client, admin_key, lrs, course):
    s = register(client, admin_key, course)
    intro = launch(client, admin_key, s["id"], "intro").start()
    assert intro.initialized().status_code == 204 and intro.completed().status_code == 204
    assert intro.terminated().status_code == 204
    url = f"/api/v1/sessions/{s['id']}/cmi5/waive"
    done = client.post(
        url, headers=bearer(admin_key), json={"item_id": f"{PUB}/au/intro", "reason": "Tested Out"}
    )
    assert done.status_code == 409  # it already met its moveOn criteria
    resp = client.post(
        url, headers=bearer(admin_key), json={"item_id": f"{PUB}/au/quiz", "reason": "Administrative"}
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["session"]["completion_status"] == "completed"
    twice = client.post(
        url, headers=bearer(admin_key), json={"item_id": f"{PUB}/au/quiz", "reason": "Administrative"}
    )
    assert twice.status_code == 409
    sts = lrs_statements(client, lrs, s["id"])
    assert verbs(sts)[-3:] == ["waived", "satisfied", "satisfied"]
    waived, block, whole = sts[-3:]
    assert waived["result"] == {
        "success": True,
        "completion": True,
        "extensions": {"https://w3id.org/xapi/cmi5/result/extensions/reason": "Administrative"},
    }
    cats = [c["id"] for c in waived["context"]["contextActivities"]["category"]]
    assert cats == [
        "https://w3id.org/xapi/cmi5/context/categories/cmi5",
        "https://w3id.org/xapi/cmi5/context/categories/moveon",
    ]
    sid = waived["context"]["extensions"][SESSION_EXT]
    assert sid != intro.launch_data["contextTemplate"]["extensions"][SESSION_EXT]
    assert block["context"]["extensions"][SESSION_EXT] == whole["context"]["extensions"][SESSION_EXT] == sid
    for body, status in (({"item_id": "nope", "reason": "x"}, 404), ({"item_id": f"{PUB}/au/quiz"}, 400)):
        assert client.post(url, headers=bearer(admin_key), json=body).status_code == status


def test_notapplicable_courses_are_satisfied_at_registration(client, admin_key, lrs):
    xml = (
        b'<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">'
        b'<course id="https://example.com/c"><title><langstring>Read me</langstring></title></course>'
        b'<au id="https://example.com/c/au" moveOn="NotApplicable"><title><langstring>Page</langstring>'
        b"</title><url>index.html</url></au></courseStructure>"
    )
    pkg, _ = upload_and_process(client, admin_key, cmi5_zip({"cmi5.xml": xml, "index.html": b"<p>hi</p>"}))
    s = register(client, admin_key, pkg)
    sts = lrs_statements(client, lrs, s["id"])
    assert verbs(sts) == ["satisfied"]
    assert sts[0]["object"]["definition"]["type"] == "https://w3id.org/xapi/cmi5/activitytype/course"
    assert session_of(client, admin_key, s["id"])["completion_status"] == "completed"


def test_launch_credentials_reach_only_their_learner(client, admin_key, lrs, course, make_tenant):
    ann = register(client, admin_key, course, "ann")
    bob = register(client, admin_key, course, "bob")
    au = launch(client, admin_key, ann["id"], "intro").start()
    assert au.initialized().status_code == 204
    own = client.get("/xapi/statements", headers=au.headers(), query_string={"registration": ann["id"]})
    assert own.status_code == 200 and len(own.get_json()["statements"]) == 2
    for query in ({}, {"registration": bob["id"]}, {"verb": "http://adlnet.gov/expapi/verbs/launched"}):
        assert client.get("/xapi/statements", headers=au.headers(), query_string=query).status_code == 403
    bob_id = lrs_statements(client, lrs, bob["id"]) or None
    assert bob_id is None  # Bob has no statements yet: launch him, then try his statement by id
    bob_au = launch(client, admin_key, bob["id"], "intro")
    bob_launched = lrs_statements(client, lrs, bob["id"])[0]["id"]
    assert (
        client.get(
            "/xapi/statements", headers=au.headers(), query_string={"statementId": bob_launched}
        ).status_code
        == 403
    )
    bobs_state = {
        "stateId": "LMS.LaunchData",
        "activityId": bob_au.activity_id,
        "agent": json.dumps(bob_au.actor),
        "registration": bob["id"],
    }
    assert (
        client.get("/xapi/activities/state", headers=au.headers(), query_string=bobs_state).status_code == 403
    )
    # Another tenant's API key cannot see or touch the AU sessions.
    other = make_tenant()
    assert (
        client.get(f"/api/v1/sessions/{ann['id']}/au-sessions", headers=other.headers("rw")).status_code
        == 404
    )
    sid = au.launch_data["contextTemplate"]["extensions"][SESSION_EXT]
    assert client.post(f"/api/v1/au-sessions/{sid}/abandon", headers=other.headers("rw")).status_code == 404
    # CORS: an AU on another origin may call the LRS.
    pre = client.options(
        "/xapi/statements",
        headers={"Origin": "https://au.example.com", "Access-Control-Request-Method": "PUT"},
    )
    assert pre.status_code == 204 and pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]


def _structure(au_url: str, au_id: str = "https://example.com/c/au", extra: str = "") -> bytes:
    return (
        f'<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">'
        f'<course id="https://example.com/c"><title><langstring>Hosted</langstring></title></course>{extra}'
        f'<au id="{au_id}" moveOn="Completed"><title><langstring>AU</langstring></title>'
        f"<url>{au_url}</url></au></courseStructure>"
    ).encode()


def test_a_course_structure_alone_imports_and_launches_its_hosted_aus(client, admin_key):
    """cmi5 14.2: cmi5.xml without a zip, its AUs on the web."""
    xml = _structure("https://aus.example.com/intro/index.html?x=1&amp;y=2")
    resp = client.post(
        "/api/v1/packages/upload",
        headers=bearer(admin_key),
        data={"file": (io.BytesIO(xml), "cmi5.xml")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_json()
    pkg = resp.get_json()
    s = register(client, admin_key, pkg)
    link = client.post(
        f"/api/v1/sessions/{s['id']}/launch",
        headers=bearer(admin_key),
        json={"item_id": "https://example.com/c/au", "redirect": True},
    ).get_json()["launch_url"]
    to = urlsplit(client.get(urlsplit(link).path).headers["Location"])
    q = parse_qs(to.query)
    assert (to.scheme, to.netloc, to.path) == ("https", "aus.example.com", "/intro/index.html")
    assert q["x"] == ["1"] and q["y"] == ["2"] and urlsplit(q["endpoint"][0]).path == "/xapi"
    assert urlsplit(q["fetch"][0]).path.startswith("/player/fetch/")


@pytest.mark.parametrize(
    "xml, reason",
    [
        (_structure("intro/index.html"), "absolute URL"),
        (_structure("https://a.example.com/x?endpoint=1"), "launch parameter"),
        (_structure("javascript:alert(1)"), "not an http(s) URL"),
        (_structure("https://a.example.com/a b"), "not a valid URL"),
        (_structure("https://a.example.com/", au_id="urn-less-id"), "not an IRI"),
        (_structure("https://a.example.com/", au_id="https://example.com/c"), "appears twice"),
        (
            _structure(
                "https://a.example.com/",
                extra='<au id="https://example.com/c/au" moveOn="Sometimes">'
                "<title><langstring>x</langstring></title><url>https://a.example.com/</url></au>",
            ),
            "unknown moveOn",
        ),
    ],
)
def test_invalid_course_structures_are_refused(client, admin_key, xml, reason):
    resp = client.post(
        "/api/v1/packages/upload",
        headers=bearer(admin_key),
        data={"file": (io.BytesIO(xml), "cmi5.xml")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400 and reason in resp.get_json()["error"]["message"], resp.get_json()


def test_launch_options_and_player_tokens_refuse_bad_input(client, admin_key, course, make_tenant):
    s = register(client, admin_key, course)
    url = f"/api/v1/sessions/{s['id']}/launch"
    bad = client.post(url, headers={**bearer(admin_key), "Content-Type": "application/json"}, data=b"{nope")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "BAD_REQUEST"
    for body, field in (
        ({"launch_mode": "Sideways"}, "launch_mode"),
        ({"item_id": 7}, "item_id"),
        ({"item_id": "https://example.com/none"}, "item_id"),
        ({"redirect": True}, "redirect"),
        ({"redirect": "yes", "item_id": f"{PUB}/au/intro"}, "redirect"),
        ({"extra": 1}, "extra"),
    ):
        resp = client.post(url, headers=bearer(admin_key), json=body)
        assert resp.status_code == 400 and field in resp.get_json()["error"]["details"]["fieldErrors"], (
            body,
            resp.get_json(),
        )
    assert client.post(url, headers=bearer(admin_key)).status_code == 200  # no body: the player page
    other = make_tenant()
    assert client.post(url, headers=other.headers("rw"), json={}).status_code == 404
    for path in ("/player/returned/forged", "/player/runtime/forged/status"):
        resp = client.get(path)
        assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "UNAUTHORIZED"


def test_au_sessions_name_a_caller_chosen_session_id(client, admin_key, course):
    made = client.post(
        f"/api/v1/packages/{course['id']}/launch",
        headers=bearer(admin_key),
        json={"user_id": "learner-9", "session_id": "reg-2026-001"},
    )
    assert made.status_code == 201, made.get_json()
    au = launch(client, admin_key, "reg-2026-001", "intro").start()
    assert au.initialized().status_code == 204
    listed = client.get("/api/v1/sessions/reg-2026-001/au-sessions", headers=bearer(admin_key)).get_json()
    assert [a["session_id"] for a in listed["au_sessions"]] == ["reg-2026-001"]
    abandoned = client.post(
        f"/api/v1/au-sessions/{listed['au_sessions'][0]['id']}/abandon", headers=bearer(admin_key)
    )
    assert abandoned.get_json()["session_id"] == "reg-2026-001"
