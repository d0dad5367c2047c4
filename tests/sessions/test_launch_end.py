"""A progress reset, and a new attempt, end every open launch of the attempt: a player page or
delivery opened before cannot write again (409), so the old status can never come back."""

from urllib.parse import urlsplit

from tests.sessions.runtime import commit, deliver, new_session, open_player, page_config, session_of
from tests.support import assert_envelope, bearer


def test_a_reset_ends_the_open_deliveries_and_pages(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    sid = created["session"]["id"]
    cfg = open_player(client, created["launch_url"])
    assert commit(client, cfg, {"cmi.core.lesson_status": "passed"}, seq=1).status_code == 200
    assert session_of(client, admin_key, sid)["success_status"] == "passed"

    reset = client.delete(f"/api/v1/sessions/{sid}/progress", headers=bearer(admin_key))
    assert reset.status_code == 200, reset.get_json()

    # The delivery opened before the reset: its commits (a late autocommit, the unload
    # beacon, a replay) are refused and write nothing.
    for n, body in enumerate(({"cmi.core.lesson_status": "passed"}, {"cmi.core.score.raw": "99"})):
        late = commit(client, cfg, body, seq=2 + n, terminate=n == 1)
        assert "reset" in assert_envelope(late, 409, "CONFLICT")["error"]["message"]
    beacon = commit(client, cfg, {"cmi.core.lesson_status": "failed"}, seq=9, content_type="text/plain")
    assert_envelope(beacon, 409, "CONFLICT")
    after = session_of(client, admin_key, sid)
    assert (after["completion_status"], after["success_status"]) == ("not_attempted", "unknown")
    assert after["cmi_data"] == {}

    # The page opened before the reset cannot start another delivery either.
    assert_envelope(deliver(client, cfg, cfg["item_id"]), 409, "CONFLICT")

    # A launch after the reset tracks as usual.
    fresh = open_player(client, created["launch_url"])
    assert commit(client, fresh, {"cmi.core.lesson_status": "completed"}, seq=1).status_code == 200
    assert session_of(client, admin_key, sid)["completion_status"] == "completed"


def test_a_reset_ends_the_sequencing_saves_of_an_open_page(client, admin_key, pkg_seq):
    created = new_session(client, admin_key, pkg_seq).get_json()
    sid = created["session"]["id"]
    cfg = page_config(client, created["launch_url"])
    path = urlsplit(cfg["sequencingUrl"]).path
    rollup = {"completion": "completed", "success": "passed", "scaled": 0.9}
    assert client.post(path, json={"state": "{}", "seq": 1, "rollup": rollup}).status_code == 200
    assert session_of(client, admin_key, sid)["success_status"] == "passed"
    client.delete(f"/api/v1/sessions/{sid}/progress", headers=bearer(admin_key))
    late = client.post(path, json={"state": "{}", "seq": 2, "rollup": rollup})
    assert_envelope(late, 409, "CONFLICT")
    assert session_of(client, admin_key, sid)["success_status"] == "unknown"


def test_a_new_attempt_ends_the_launches_of_the_one_before(client, admin_key, pkg12):
    first = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, first["launch_url"])
    assert commit(client, cfg, {"cmi.core.lesson_status": "incomplete"}, seq=1).status_code == 200
    second = new_session(client, admin_key, pkg12, new_attempt=True).get_json()
    assert second["session"]["attempts"] == 2

    late = commit(client, cfg, {"cmi.core.lesson_status": "passed"}, seq=2)
    assert_envelope(late, 409, "CONFLICT")
    old = session_of(client, admin_key, first["session"]["id"])
    assert old["success_status"] == "unknown" and old["completion_status"] == "incomplete"
    # The new attempt's own launches are not affected.
    now = open_player(client, second["launch_url"])
    assert commit(client, now, {"cmi.core.lesson_status": "passed"}, seq=1).status_code == 200


def test_deleting_the_package_takes_its_launches_with_it(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, created["launch_url"])
    assert client.delete(f"/api/v1/packages/{pkg12['id']}", headers=bearer(admin_key)).status_code == 200
    assert_envelope(
        commit(client, cfg, {"cmi.core.lesson_status": "passed"}, seq=1), 404, "SESSION_NOT_FOUND"
    )
    assert_envelope(deliver(client, cfg, cfg["item_id"]), 404, "SESSION_NOT_FOUND")
