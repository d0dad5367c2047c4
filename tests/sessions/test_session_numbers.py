"""Numbers a trainer can trust, over the API: no score is no score (not 0, not a bare range),
the time is the course's as it reported it, objectives are one row each with their real
status, the call log explains its error codes, and previews stay out of the learners' lists."""

import csv
import io
import json
from urllib.parse import urlsplit

from scorm_api.sessions.previews import PREVIEW_USER_ID

from tests.sessions.runtime import commit, deliver, new_session, open_player, page_config
from tests.support import bearer


def get(client, key, session_id):
    return client.get(f"/api/v1/sessions/{session_id}", headers=bearer(key)).get_json()["session"]


def relaunch(client, key, session_id) -> dict:
    url = client.post(f"/api/v1/sessions/{session_id}/launch", headers=bearer(key)).get_json()["launch_url"]
    return open_player(client, url)


def exported(client, key, query="") -> list[dict]:
    text = client.get("/api/v1/sessions/export" + query, headers=bearer(key)).get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text)))


def test_a_never_scored_scorm12_session_has_no_score_and_the_courses_time(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    sid = created["session"]["id"]
    assert get(client, admin_key, sid)["session_time"] is None  # the course has reported nothing
    cfg = open_player(client, created["launch_url"])
    # The runtime's defaults: a score range, no score.
    first = {"cmi.core.lesson_status": "incomplete", "cmi.core.score.max": "100", "cmi.core.score.min": ""}
    commit(client, cfg, {**first, "cmi.core.session_time": "00:01:30"}, seq=1, terminate=True)
    s = get(client, admin_key, sid)
    assert s["score"] is None and s["activities"][0]["score"] is None
    assert (s["session_time"], s["time_spent_seconds"]) == ("PT1M30S", 90)
    row = exported(client, admin_key)[0]
    assert (row["score_scaled"], row["score_raw"]) == ("", "")

    # A second launch: SCORM's total_time, the sum of every session_time reported.
    cfg = relaunch(client, admin_key, sid)
    assert cfg["cmi"]["cmi.core.total_time"] == "0000:01:30"
    commit(client, cfg, {"cmi.core.session_time": "00:00:30"}, seq=1, terminate=True)
    s = get(client, admin_key, sid)
    assert (s["session_time"], s["time_spent_seconds"], s["score"]) == ("PT2M", 120, None)

    # Scored at last: a score, and only then.
    cfg = relaunch(client, admin_key, sid)
    commit(client, cfg, {"cmi.core.score.raw": "70", "cmi.core.lesson_status": "passed"}, seq=1)
    assert get(client, admin_key, sid)["score"] == {"scaled": 0.7, "raw": 70.0, "min": None, "max": 100.0}


def test_a_scorm2004_session_time_and_a_put_add_up(client, admin_key, pkg2004):
    created = new_session(client, admin_key, pkg2004).get_json()
    sid = created["session"]["id"]
    cfg = open_player(client, created["launch_url"])
    commit(client, cfg, {"cmi.session_time": "PT45S", "cmi.completion_status": "completed"}, seq=1)
    s = get(client, admin_key, sid)
    assert (s["session_time"], s["score"], s["success_status"]) == ("PT45S", None, "unknown")
    # A PUT's session_time is one more reported session, counted into the same total.
    assert (
        client.put(
            f"/api/v1/sessions/{sid}", headers=bearer(admin_key), json={"session_time": "PT1M"}
        ).status_code
        == 200
    )
    assert get(client, admin_key, sid)["session_time"] == "PT1M45S"


def test_objectives_one_row_each_with_the_real_status(client, admin_key, pkg_seq):
    created = new_session(client, admin_key, pkg_seq).get_json()
    sid = created["session"]["id"]
    cfg = page_config(client, created["launch_url"])
    target = "com.scorm.golfsamples.sequencing.forcedsequential."
    # As the runtime commits them: each SCO lists its primary objective (unknown: the SCO set
    # cmi.success_status instead) and, from the second on, the one it reads from the previous.
    for n, (item, own) in enumerate(
        [("playing_item", "playing_satisfied"), ("etuqiette_item", "etiquette_satisfied")]
    ):
        data = {
            "cmi.completion_status": "completed",
            "cmi.success_status": "passed",
            "cmi.objectives.0.id": own,
            "cmi.objectives.0.success_status": "unknown",
            "cmi.objectives.0.completion_status": "unknown",
            "cmi.objectives.0.score.scaled": "",
        }
        if n:
            data |= {
                "cmi.objectives.1.id": "previous_sco_satisfied",
                "cmi.objectives.1.success_status": "passed",
            }
        commit(client, deliver(client, cfg, item).get_json(), data, seq=1)
    s = get(client, admin_key, sid)
    rows = [
        (o["activity"], o["id"], o["primary"], o["success_status"], o["completion_status"])
        for o in s["objectives"]
    ]
    assert rows == [
        ("Playing the Game", "playing_satisfied", True, "passed", "completed"),
        ("Etiquette", "etiquette_satisfied", True, "passed", "completed"),
    ]
    assert [o["global_id"] for o in s["objectives"]] == [
        target + "playing_satisfied",
        target + "etiquette_satisfied",
    ]
    # Each activity keeps its own cmi.objectives as the runtime wrote them.
    assert [o["id"] for o in s["activities"][1]["objectives"]] == [
        "etiquette_satisfied",
        "previous_sco_satisfied",
    ]


def test_a_global_objective_only_read_is_shown_once_as_the_engine_holds_it(client, admin_key, pkg_seq):
    created = new_session(client, admin_key, pkg_seq).get_json()
    sid = created["session"]["id"]
    cfg = page_config(client, created["launch_url"])
    # Two SCOs read the same global objective that none of them (in this record) writes.
    for item in ("etuqiette_item", "handicapping_item"):
        data = {"cmi.objectives.0.id": "previous_sco_satisfied", "cmi.objectives.0.success_status": "passed"}
        commit(client, deliver(client, cfg, item).get_json(), data, seq=1)
    shared = "com.scorm.golfsamples.sequencing.forcedsequential.playing_satisfied"
    engine_state = {
        "sequencing": {
            "globalObjectiveMap": {
                shared: {
                    "satisfiedStatus": True,
                    "satisfiedStatusKnown": True,
                    "normalizedMeasureKnown": False,
                }
            }
        }
    }
    body = {"state": json.dumps(engine_state), "seq": 1, "rollup": {"completion": "incomplete"}}
    client.post(urlsplit(cfg["sequencingUrl"]).path, data=json.dumps(body), content_type="text/plain")
    objectives = get(client, admin_key, sid)["objectives"]
    own = [o for o in objectives if o["item_id"]]
    assert [o["id"] for o in own] == ["etiquette_satisfied", "handicapping_satisfied"]  # their primaries
    shared_rows = [o for o in objectives if not o["item_id"]]
    assert [(o["id"], o["success_status"], o["score"]) for o in shared_rows] == [(shared, "passed", None)]


def test_the_call_log_explains_error_codes_and_names_items(client, admin_key, pkg2004, pkg12):
    for pkg, entries, expected in (
        (
            pkg2004,
            [
                {
                    "t": "2026-01-01T00:00:00Z",
                    "n": 1,
                    "call": "GetValue",
                    "args": ["cmi.location"],
                    "error": "403",
                },
                {
                    "t": "2026-01-01T00:00:01Z",
                    "n": 2,
                    "call": "SetValue",
                    "args": ["cmi.score.scaled", "7"],
                    "error": "407",
                },
                {"t": "2026-01-01T00:00:02Z", "n": 3, "call": "Commit", "args": [""], "error": "0"},
            ],
            [("Read before the value was set", True), ("Out of range", False), (None, None)],
        ),
        (
            pkg12,
            [
                {
                    "t": "2026-01-01T00:00:00Z",
                    "n": 1,
                    "call": "LMSSetValue",
                    "args": ["cmi.core.student_id"],
                    "error": "403",
                }
            ],
            [("Read only", False)],
        ),
    ):
        created = new_session(client, admin_key, pkg).get_json()
        cfg = open_player(client, created["launch_url"])
        client.post(urlsplit(cfg["logUrl"]).path, data=json.dumps(entries), content_type="text/plain")
        log = client.get(
            f"/api/v1/sessions/{created['session']['id']}/log", headers=bearer(admin_key)
        ).get_json()
        got = [
            ((e.get("error_meaning") or "").split(":")[0].split(" (")[0] or None, e.get("expected"))
            for e in log["entries"]
        ]
        assert got == expected
        title = pkg["metadata"]["organizations"][0]["items"][0]["title"]
        assert {e["item_title"] for e in log["entries"]} == {title}


def test_previews_are_listed_only_when_asked_and_marked(client, admin_key, pkg12):
    learner = new_session(client, admin_key, pkg12).get_json()["session"]
    preview = new_session(client, admin_key, pkg12, user=PREVIEW_USER_ID, new_attempt=True).get_json()[
        "session"
    ]
    assert preview["preview"] is True and learner["preview"] is False
    listed = client.get("/api/v1/sessions", headers=bearer(admin_key)).get_json()
    assert [s["id"] for s in listed["sessions"]] == [learner["id"]] and listed["pagination"]["total"] == 1
    every = client.get("/api/v1/sessions?previews=true", headers=bearer(admin_key)).get_json()["sessions"]
    assert {(s["id"], s["preview"]) for s in every} == {(learner["id"], False), (preview["id"], True)}
    assert [r["user_id"] for r in exported(client, admin_key)] == [learner["user_id"]]
    assert {r["user_id"] for r in exported(client, admin_key, "?previews=true")} == {
        "learner-1",
        PREVIEW_USER_ID,
    }
    assert client.get("/api/v1/sessions?previews=maybe", headers=bearer(admin_key)).status_code == 400
