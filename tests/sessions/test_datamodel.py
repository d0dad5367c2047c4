"""Values that break the SCORM data model, sent around the player's runtime (a script with a
runtime token, a REST client): refused whole with the code the runtime gives; suspend_data
and the free texts real content overfills stay lenient."""

import pytest

from scorm_api.errors import ApiError
from scorm_api.sessions.datamodel import SCORM12_MODEL, SCORM2004_MODEL

from tests.sessions.runtime import commit, new_session, open_player
from tests.support import assert_envelope, bearer


@pytest.mark.parametrize(
    "element,value,code",
    [
        ("cmi.core.lesson_status", "mastered", 405),
        ("cmi.core.lesson_status", "PASSED", 405),
        ("cmi.core.score.raw", "ninety", 405),
        ("cmi.core.score.raw", "150", 405),
        ("cmi.core.score.min", "-1", 405),
        ("cmi.core.exit", "quit", 405),
        ("cmi.core.session_time", "1 hour", 405),
        ("cmi.core.lesson_location", "x" * 250_000, 405),
        ("cmi.core.lesson_location", "x" * 256, 405),
        ("cmi.interactions.0.type", "essay", 405),
        ("cmi.interactions.3.result", "incorrect", 405),  # 1.2 says "wrong"
        ("cmi.interactions.0.latency", "PT5S", 405),  # a 2004 duration in a 1.2 element
        ("cmi.student_preference.audio", "101", 405),
    ],
)
def test_scorm12_refusals(element, value, code):
    with pytest.raises(ApiError) as info:
        SCORM12_MODEL.check({element: value})
    assert info.value.details["scorm_errors"] == {element: code}
    assert element in info.value.details["fieldErrors"]


@pytest.mark.parametrize(
    "element,value,code",
    [
        ("cmi.completion_status", "done", 406),
        ("cmi.success_status", "passed!", 406),
        ("cmi.score.scaled", "1.5", 407),
        ("cmi.score.scaled", "abc", 406),
        ("cmi.progress_measure", "-0.1", 407),
        ("cmi.session_time", "00:10:00", 406),  # a 1.2 timespan in a 2004 element
        ("cmi.location", "x" * 1001, 407),
        ("cmi.exit", "bye", 406),
        ("cmi.objectives.2.success_status", "yes", 406),
        ("cmi.interactions.0.timestamp", "yesterday", 406),
        ("cmi.interactions.0.result", "wrong", 406),  # 2004 says "incorrect"
        ("cmi.learner_preference.audio_captioning", "2", 406),
    ],
)
def test_scorm2004_refusals(element, value, code):
    with pytest.raises(ApiError) as info:
        SCORM2004_MODEL.check({element: value})
    assert info.value.details["scorm_errors"] == {element: code}


@pytest.mark.parametrize(
    "model,values",
    [
        (
            SCORM12_MODEL,
            {
                "cmi.core.lesson_status": "passed",
                "cmi.core.score.raw": "87.5",
                "cmi.core.score.min": "",
                "cmi.core.session_time": "0000:12:30.5",
                "cmi.core.lesson_location": "page-7",
                "cmi.suspend_data": "s" * 200_000,  # lenient
                "cmi.interactions.0.student_response": "r" * 10_000,  # lenient (real tools overfill it)
                "cmi.interactions.0.result": "0.5",
                "cmi.interactions.0.time": "13:45:10",
                "cmi.core.student_id": "anything the LMS set",
                "cmi.vendor_extension": "kept as sent",
            },
        ),
        (
            SCORM2004_MODEL,
            {
                "cmi.completion_status": "completed",
                "cmi.success_status": "failed",
                "cmi.score.scaled": "-0.25",
                "cmi.score.raw": "",
                "cmi.session_time": "PT1H2M3.5S",
                "cmi.location": "l" * 1000,
                "cmi.suspend_data": "s" * 200_000,
                "cmi.interactions.4.description": "d" * 5_000,  # lenient (#1642 upstream)
                "cmi.interactions.4.timestamp": "2026-12-01T10:00:00.5Z",
                "cmi.interactions.4.result": "incorrect",
                "adl.nav.request": "continue",
            },
        ),
    ],
)
def test_what_real_content_sends_is_accepted(model, values):
    model.check(values)


def test_a_commit_with_one_bad_value_keeps_nothing(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, created["launch_url"])
    assert commit(client, cfg, {"cmi.core.lesson_location": "page-2"}, seq=1).status_code == 200
    bad = {"cmi.core.lesson_status": "passed", "cmi.core.lesson_location": "x" * 250_000}
    body = assert_envelope(commit(client, cfg, bad, seq=2), 400, "VALIDATION_ERROR")
    assert body["error"]["details"]["scorm_errors"] == {"cmi.core.lesson_location": 405}
    s = client.get(f"/api/v1/sessions/{created['session']['id']}", headers=bearer(admin_key)).get_json()
    assert s["session"]["success_status"] == "unknown"
    assert s["session"]["cmi_data"]["cmi.core.lesson_location"] == "page-2"
    # The REST PUT is held to the same rules.
    put = client.put(
        f"/api/v1/sessions/{created['session']['id']}",
        headers=bearer(admin_key),
        json={"cmi_data": {"cmi.core.score.raw": "not a number"}},
    )
    assert assert_envelope(put, 400, "VALIDATION_ERROR")["error"]["details"]["scorm_errors"] == {
        "cmi.core.score.raw": 405
    }
