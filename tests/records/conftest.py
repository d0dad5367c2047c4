"""The records tests' data: two courses, learners who passed, failed, retried and never
started, made through the player's runtime (the session time each commit reports is what
the records count)."""

from __future__ import annotations

import pytest

from tests.sessions.runtime import commit, new_session, open_player
from tests.support import bearer, fixture, upload_and_process


def played(client, key, pkg, user: str, name: str, cmi: dict, new_attempt: bool = False) -> dict:
    """A session of `user` at `pkg` that committed `cmi` (SCORM 1.2 names)."""
    made = new_session(
        client, key, pkg, user=user, user_name=name, **({"new_attempt": True} if new_attempt else {})
    )
    made = made.get_json()
    cfg = open_player(client, made["launch_url"])
    assert commit(client, cfg, cmi, seq=1, terminate=True).status_code == 200
    return made["session"]


def passed(score: int, time: str) -> dict:
    return {
        "cmi.core.lesson_status": "passed",
        "cmi.core.score.raw": str(score),
        "cmi.core.session_time": time,
    }


def failed(score: int, time: str) -> dict:
    return {
        "cmi.core.lesson_status": "failed",
        "cmi.core.score.raw": str(score),
        "cmi.core.session_time": time,
    }


@pytest.fixture
def courses(client, admin_key) -> tuple[dict, dict]:
    """Two single-SCO SCORM 1.2 courses with different titles."""
    first = upload_and_process(client, admin_key, fixture("golf_scorm12_runtime_basic.zip").read_bytes())[0]
    second = upload_and_process(client, admin_key, fixture("golf_scorm12_singlesco.zip").read_bytes())[0]
    assert first["title"] != second["title"]
    return first, second


@pytest.fixture
def classroom(client, admin_key, courses):
    """ana passed both (the second at the second try); ben failed the first; cai never started."""
    first, second = courses
    played(client, admin_key, first, "ana", "Ana Łopez", passed(92, "00:12:30"))
    played(client, admin_key, second, "ana", "Ana Łopez", failed(40, "00:05:00"))
    played(client, admin_key, second, "ana", "Ana Łopez", passed(85, "00:07:15"), new_attempt=True)
    played(client, admin_key, first, "ben", "Ben <b>Ortiz</b>", failed(30, "01:02:03"))
    resp = client.post(
        "/api/v1/learners", headers=bearer(admin_key), json={"learner_id": "cai", "name": "Cai Wen"}
    )
    assert resp.status_code == 201, resp.get_json()
    return courses
