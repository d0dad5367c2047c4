"""The SCORM-to-xAPI bridge: a session's launch, delivery, answers, status changes and exit
become statements in the tenant's LRS, registration = session id, linked to the package, so
the seed's xAPI queries and analytics (package_id filter included) cover SCORM learners."""

from tests.sessions.runtime import commit, new_session, open_player
from tests.support import bearer

ADL = "http://adlnet.gov/expapi/verbs/"


def statements_of(client, key, session_id) -> list[dict]:
    resp = client.get(
        "/api/v1/xapi/statements",
        headers=bearer(key),
        query_string={"registration": session_id, "limit": 100},
    )
    assert resp.status_code == 200
    return list(reversed(resp.get_json()["statements"]))  # oldest first


def verbs(sts) -> list[str]:
    return [s["verb"]["id"].removeprefix(ADL) for s in sts]


def test_a_scorm_2004_session_tells_its_story(client, admin_key, pkg2004):
    session = new_session(client, admin_key, pkg2004).get_json()
    cfg = open_player(client, session["launch_url"])
    sid = session["session"]["id"]
    answer = {
        "cmi.interactions.0.id": "q1",
        "cmi.interactions.0.type": "choice",
        "cmi.interactions.0.learner_response": "a[,]c",
        "cmi.interactions.0.result": "correct",
        "cmi.interactions.0.correct_responses.0.pattern": "a[,]c",
        "cmi.interactions.0.description": "Which clubs?",
    }
    assert commit(client, cfg, {**answer, "cmi.completion_status": "incomplete"}, seq=1).status_code == 200
    # The runtime sends the full CMI each time: an unchanged answer is not told twice.
    assert commit(client, cfg, {**answer, "cmi.location": "p2"}, seq=2).status_code == 200
    final = {
        **answer,
        "cmi.completion_status": "completed",
        "cmi.success_status": "passed",
        "cmi.score.scaled": "0.8",
        "cmi.score.raw": "80",
        "cmi.score.min": "0",
        "cmi.score.max": "100",
        "cmi.session_time": "PT2M30S",
        "cmi.exit": "normal",
    }
    assert commit(client, cfg, final, seq=3, terminate=True).status_code == 200

    sts = statements_of(client, admin_key, sid)
    assert verbs(sts) == ["launched", "initialized", "answered", "completed", "passed", "terminated"]
    course = f"http://127.0.0.1:3001/packages/{pkg2004['id']}"
    assert all(s["context"]["registration"] == sid for s in sts)
    assert all(s["actor"]["account"]["name"] == "learner-1" and s["actor"]["name"] == "Ann Lee" for s in sts)
    launched, initialized, answered, completed, passed, terminated = sts
    assert launched["object"]["id"] == course and launched["object"]["definition"]["name"]["und"].startswith(
        "Golf"
    )
    assert initialized["object"]["id"].startswith(course + "/items/")
    assert initialized["context"]["contextActivities"]["parent"][0]["id"] == course
    assert answered["object"]["id"] == initialized["object"]["id"] + "/interactions/q1"
    assert answered["object"]["definition"]["interactionType"] == "choice"
    assert answered["object"]["definition"]["correctResponsesPattern"] == ["a[,]c"]
    assert answered["result"] == {"response": "a[,]c", "success": True}
    assert completed["result"] == {"completion": True}
    assert passed["result"] == {
        "success": True,
        "score": {"scaled": 0.8, "raw": 80.0, "min": 0.0, "max": 100.0},
    }
    assert terminated["result"]["duration"] == "PT150.00S"

    # The package filter of the seed's analytics finds the course, the SCO and the question.
    acts = client.get(
        "/api/v1/xapi/analytics/activities",
        headers=bearer(admin_key),
        query_string={"package_id": pkg2004["id"], "sort": "activity_id", "order": "asc"},
    ).get_json()
    assert [a["activity_id"] for a in acts["activities"]][0] == course
    assert len(acts["activities"]) == 3
    course_row = acts["activities"][0]
    assert (course_row["completed_count"], course_row["passed_count"], course_row["avg_score_scaled"]) == (
        1,
        1,
        0.8,
    )


def test_scorm_1_2_answers_suspend_and_failure(client, admin_key, pkg12):
    session = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, session["launch_url"])
    data = {
        "cmi.interactions.0.id": "q 1",
        "cmi.interactions.0.type": "matching",
        "cmi.interactions.0.student_response": "1.a,2.b",
        "cmi.interactions.0.result": "wrong",
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.exit": "suspend",
        "cmi.core.session_time": "00:01:00",
    }
    assert commit(client, cfg, data, seq=1, terminate=True).status_code == 200
    sts = statements_of(client, admin_key, session["session"]["id"])
    assert verbs(sts) == ["launched", "initialized", "answered", "suspended"]
    assert sts[2]["result"] == {"response": "1[.]a[,]2[.]b", "success": False}
    assert sts[2]["object"]["id"].endswith("/interactions/q%201")
    assert sts[3]["result"] == {"duration": "PT60.00S"}

    # The REST PUT's statuses are told too.
    put = client.put(
        f"/api/v1/sessions/{session['session']['id']}",
        headers=bearer(admin_key),
        json={
            "completion_status": "completed",
            "success_status": "failed",
            "score": {"raw": 30, "min": 0, "max": 100},
        },
    )
    assert put.status_code == 200, put.get_json()
    sts = statements_of(client, admin_key, session["session"]["id"])
    assert verbs(sts)[-2:] == ["completed", "failed"]
    assert sts[-1]["result"]["score"]["scaled"] == 0.3 and sts[-1]["result"]["success"] is False


def test_statements_stay_in_the_sessions_tenant(client, admin_key, pkg12, make_tenant):
    session = new_session(client, admin_key, pkg12).get_json()
    open_player(client, session["launch_url"])
    other = make_tenant("B")
    resp = client.get(
        "/api/v1/xapi/statements",
        headers=other.headers(),
        query_string={"registration": session["session"]["id"]},
    )
    assert resp.get_json()["statements"] == []
    assert len(statements_of(client, admin_key, session["session"]["id"])) == 2
