"""Review mode and the learner's own new attempt, over the player's endpoints (no browser):
a review delivery is in review mode and its commits change nothing; a new attempt is a new
session; a dispatch's page may not start one."""

from urllib.parse import urlsplit

from tests.sessions.runtime import commit, deliver, new_session, open_player, page_config, session_of
from tests.support import assert_envelope


def test_a_review_delivery_changes_nothing(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    sid = created["session"]["id"]
    cfg = open_player(client, created["launch_url"])
    assert cfg["review"] is False and cfg["cmi"]["cmi.core.lesson_mode"] == "normal"
    assert (
        commit(
            client, cfg, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"}, seq=1
        ).status_code
        == 200
    )
    before = session_of(client, admin_key, sid)

    page = page_config(client, created["launch_url"])
    resp = client.post(urlsplit(page["deliverUrl"]).path, json={"item_id": cfg["item_id"], "review": True})
    assert resp.status_code == 200
    rv = {**page, **resp.get_json()}
    assert rv["review"] is True
    assert rv["cmi"]["cmi.core.lesson_mode"] == "review" and rv["cmi"]["cmi.core.credit"] == "no-credit"
    done = commit(
        client, rv, {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "10"}, seq=1, terminate=True
    )
    assert done.status_code == 200 and done.get_json()["review"] is True
    # Still checked like any commit: a malformed one is refused.
    assert_envelope(commit(client, rv, {"cmi.core.score.raw": {"x": 1}}, seq=2), 400, "VALIDATION_ERROR")
    after = session_of(client, admin_key, sid)
    assert (after["success_status"], after["score"], after["version"]) == (
        before["success_status"],
        before["score"],
        before["version"],
    )
    assert after["launch_count"] == before["launch_count"] + 1  # the page was opened, nothing more

    bad = client.post(urlsplit(page["deliverUrl"]).path, json={"item_id": cfg["item_id"], "review": "yes"})
    assert_envelope(bad, 400, "BAD_REQUEST")


def test_the_learner_starts_a_new_attempt_from_the_page(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    sid = created["session"]["id"]
    cfg = page_config(client, created["launch_url"])
    resp = client.post(urlsplit(cfg["newAttemptUrl"]).path)
    assert resp.status_code == 200, resp.get_json()
    fresh = page_config(client, resp.get_json()["launch_url"])
    assert fresh["sessionId"] != sid
    assert session_of(client, admin_key, fresh["sessionId"])["attempts"] == 2
    assert not session_of(client, admin_key, sid)["is_current_attempt"]
    # The old page ended with its attempt: it cannot start yet another one.
    assert_envelope(client.post(urlsplit(cfg["newAttemptUrl"]).path), 409, "CONFLICT")
    assert_envelope(deliver(client, cfg, "item_1"), 409, "CONFLICT")
