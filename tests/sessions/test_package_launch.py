"""The cloud's way to start a learner: POST /api/v1/packages/{id}/launch with a session id of
the caller's choosing, its errors and its answer; the chosen id is the session's id in every
later call, and it belongs to the tenant alone."""

import uuid

import pytest

from tests.sessions.runtime import commit, open_player
from tests.support import assert_envelope, bearer


def launch(client, key, pkg_id, **body):
    return client.post(f"/api/v1/packages/{pkg_id}/launch", headers=bearer(key), json=body)


def test_a_launch_with_a_chosen_session_id(client, admin_key, pkg12):
    resp = launch(client, admin_key, pkg12["id"], user_id="user-123", session_id="session-456")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert set(body) == {
        "package_id",
        "session_id",
        "learner_id",
        "content_type",
        "storage_backend",
        "launch_url",
        "expires_in_seconds",
    }
    assert (body["package_id"], body["session_id"], body["learner_id"]) == (
        pkg12["id"],
        "session-456",
        "user-123",
    )
    assert body["content_type"] == "scorm" and body["expires_in_seconds"] > 0
    # The chosen id is the session's id from now on.
    got = client.get("/api/v1/sessions/session-456", headers=bearer(admin_key)).get_json()["session"]
    assert got["id"] == "session-456" and got["user_id"] == "user-123"
    listed = client.get("/api/v1/sessions", headers=bearer(admin_key)).get_json()["sessions"]
    assert [s["id"] for s in listed] == ["session-456"]
    # The launch URL plays and tracks; the seed's PUT works on the chosen id.
    cfg = open_player(client, body["launch_url"])
    assert commit(client, cfg, {"cmi.core.lesson_status": "passed"}, seq=1).status_code == 200
    put = client.put("/api/v1/sessions/session-456", headers=bearer(admin_key), json={"suspend_data": "s"})
    assert put.status_code == 200 and put.get_json()["session_id"] == "session-456"
    assert (
        client.get("/api/v1/sessions/session-456", headers=bearer(admin_key)).get_json()["session"][
            "success_status"
        ]
        == "passed"
    )


def test_the_same_session_id_again_is_a_conflict(client, admin_key, pkg12):
    assert launch(client, admin_key, pkg12["id"], user_id="u", session_id="s-1").status_code == 201
    again = launch(client, admin_key, pkg12["id"], user_id="someone else", session_id="s-1")
    assert assert_envelope(again, 409, "CONFLICT")["error"]["message"] == "Session already exists"
    assert len(client.get("/api/v1/sessions", headers=bearer(admin_key)).get_json()["sessions"]) == 1


def test_a_second_chosen_id_for_a_learner_is_a_new_attempt(client, admin_key, pkg12):
    launch(client, admin_key, pkg12["id"], user_id="ann", session_id="ann-1")
    launch(client, admin_key, pkg12["id"], user_id="ann", session_id="ann-2")
    every = client.get("/api/v1/sessions?all_attempts=true", headers=bearer(admin_key)).get_json()["sessions"]
    assert sorted((s["id"], s["attempts"], s["is_current_attempt"]) for s in every) == [
        ("ann-1", 1, False),
        ("ann-2", 2, True),
    ]


def test_without_a_session_id_the_learners_current_session(client, admin_key, pkg12):
    first = launch(client, admin_key, pkg12["id"], user_id="bo").get_json()
    second = launch(client, admin_key, pkg12["id"], user_id="bo").get_json()
    assert first["session_id"] == second["session_id"]
    uuid.UUID(first["session_id"])  # one we made


def test_a_chosen_id_belongs_to_its_tenant_alone(client, admin_key, pkg12, make_tenant):
    from tests.support import fixture, upload_and_process

    other = make_tenant("Other")
    theirs = upload_and_process(
        client, other.keys["admin"], fixture("golf_scorm12_runtime_basic.zip").read_bytes()
    )[0]
    mine = launch(client, admin_key, pkg12["id"], user_id="u", session_id="session-1").get_json()
    # The same choice in another tenant is simply theirs: not a conflict, nothing learned.
    resp = launch(client, other.keys["admin"], theirs["id"], user_id="v", session_id="session-1")
    assert resp.status_code == 201
    assert (
        client.get("/api/v1/sessions/session-1", headers=other.headers()).get_json()["session"]["user_id"]
        == "v"
    )
    assert (
        client.get("/api/v1/sessions/session-1", headers=bearer(admin_key)).get_json()["session"]["user_id"]
        == "u"
    )
    # Choosing the other tenant's real (UUID) session id is not a conflict either.
    real = client.post(
        "/api/v1/sessions", headers=bearer(admin_key), json={"package_id": pkg12["id"], "user_id": "w"}
    ).get_json()["session"]["id"]
    taken = launch(client, other.keys["admin"], theirs["id"], user_id="x", session_id=real)
    assert taken.status_code == 201
    assert (
        client.get(f"/api/v1/sessions/{real}", headers=bearer(admin_key)).get_json()["session"]["user_id"]
        == "w"
    )
    assert (
        client.get(f"/api/v1/sessions/{real}", headers=other.headers()).get_json()["session"]["user_id"]
        == "x"
    )
    # And another tenant's package is not found.
    assert_envelope(launch(client, other.keys["admin"], pkg12["id"], user_id="x"), 404, "PACKAGE_NOT_FOUND")
    assert mine["session_id"] == "session-1"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": ""},
        {"user_id": "u" * 256},
        {"user_id": "u", "session_id": ""},
        {"user_id": "u", "session_id": "has space"},
        {"user_id": "u", "session_id": "s" * 256},
        {"user_id": 7},
        {"user_id": "u", "extra": 1},
    ],
)
def test_bad_launch_bodies(client, admin_key, pkg12, body):
    assert_envelope(launch(client, admin_key, pkg12["id"], **body), 400, "VALIDATION_ERROR")
    assert client.get("/api/v1/sessions", headers=bearer(admin_key)).get_json()["sessions"] == []


def test_unknown_package(client, admin_key):
    assert_envelope(launch(client, admin_key, str(uuid.uuid4()), user_id="u"), 404, "PACKAGE_NOT_FOUND")
