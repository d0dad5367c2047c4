"""What one session may accumulate: the caps on its merged CMI data and its call log.

An attacker holding a runtime token (or an API key) sends commits that each stay under the
per-request caps but add new elements every time; the merged state must stop growing at the
session's limits, with 403 QUOTA_EXCEEDED, nothing of the refused write kept, and the
refusal in the call log.
"""

import json
from urllib.parse import urlsplit

import pytest

from scorm_api import state
from scorm_api.db import open_database
from scorm_api.migrations import migrate

from tests.sessions.runtime import commit, deliver, new_session, open_player, page_config
from tests.support import assert_envelope, bearer

LIMITS = dict(
    session_max_elements=60,
    session_max_item_chars=40_000,
    session_max_chars=60_000,
    call_log_max_bytes=20_000,
    rate_limits_enabled=False,
)


@pytest.fixture
def settings(make_settings):
    return make_settings(**LIMITS)


def interactions(start: int, count: int, width: int = 8) -> dict:
    return {f"cmi.interactions.{i}.id": f"{i:0{width}d}" for i in range(start, start + count)}


def stored(client, key, session_id) -> dict:
    resp = client.get(f"/api/v1/sessions/{session_id}", headers=bearer(key))
    assert resp.status_code == 200
    return resp.get_json()["session"]


def call_log(client, key, session_id) -> list[dict]:
    return client.get(f"/api/v1/sessions/{session_id}/log", headers=bearer(key)).get_json()["entries"]


def test_new_elements_commit_after_commit_stop_at_the_item_cap(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    sid = created["session"]["id"]
    cfg = open_player(client, created["launch_url"])
    assert commit(client, cfg, interactions(0, 40), seq=1).status_code == 200
    before = stored(client, admin_key, sid)["cmi_data"]

    refused = commit(client, cfg, interactions(40, 40), seq=2)
    body = assert_envelope(refused, 403, "QUOTA_EXCEEDED")
    assert body["error"]["details"]["limit"] == 60
    assert body["error"]["details"]["current"] > 60
    assert "elements" in body["error"]["message"]
    assert stored(client, admin_key, sid)["cmi_data"] == before  # nothing of it kept

    # The same attack in many small steps: each one under the cap, the sum refused.
    results = [commit(client, cfg, interactions(100 + 5 * n, 5), seq=3 + n).status_code for n in range(10)]
    assert results.count(200) == 4 and set(results[4:]) == {403}
    assert len(stored(client, admin_key, sid)["cmi_data"]) <= 60

    # Rewriting elements already there is not growth: it is accepted at the cap.
    ok = commit(client, cfg, {"cmi.core.lesson_status": "passed", "cmi.interactions.0.id": "x"}, seq=20)
    assert ok.status_code == 200, ok.get_json()
    assert stored(client, admin_key, sid)["success_status"] == "passed"

    # The learner's call log says why the commits were refused.
    server = [e for e in call_log(client, admin_key, sid) if e.get("source") == "server"]
    assert len(server) == 7
    assert server[0]["error"] == "QUOTA_EXCEEDED" and "at most 60" in server[0]["note"]


def test_large_values_stop_at_the_item_character_cap(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    sid = created["session"]["id"]
    cfg = open_player(client, created["launch_url"])
    big = "x" * 15_000
    for n in range(2):
        assert (
            commit(client, cfg, {f"cmi.interactions.{n}.student_response": big}, seq=n + 1).status_code == 200
        )
    refused = commit(client, cfg, {"cmi.interactions.2.student_response": big}, seq=3)
    body = assert_envelope(refused, 403, "QUOTA_EXCEEDED")
    assert body["error"]["details"]["limit"] == 40_000 and body["error"]["details"]["current"] > 40_000
    assert "per item" in body["error"]["message"]
    assert "cmi.interactions.2.student_response" not in stored(client, admin_key, sid)["cmi_data"]
    # Shrinking a value back is always allowed, and growth fits again afterwards.
    assert commit(client, cfg, {"cmi.interactions.0.student_response": "short"}, seq=4).status_code == 200
    assert commit(client, cfg, {"cmi.interactions.2.student_response": big}, seq=5).status_code == 200


def test_items_add_up_to_the_session_cap(client, admin_key, pkg_seq):
    created = new_session(client, admin_key, pkg_seq).get_json()
    sid = created["session"]["id"]
    cfg = page_config(client, created["launch_url"])
    first, second = (deliver(client, cfg, item["id"]).get_json() for item in cfg["items"][:2])
    big = "y" * 35_000  # under the item cap (40,000), two of them over the session's (60,000)
    assert commit(client, first, {"cmi.suspend_data": big}, seq=1).status_code == 200
    body = assert_envelope(commit(client, second, {"cmi.suspend_data": big}, seq=1), 403, "QUOTA_EXCEEDED")
    assert "per session" in body["error"]["message"] and body["error"]["details"]["limit"] == 60_000
    assert body["error"]["details"]["item_id"] == second["item_id"]
    items = {a["item_id"]: a["cmi_data"] for a in stored(client, admin_key, sid)["activities"]}
    assert items[first["item_id"]]["cmi.suspend_data"] == big
    assert "cmi.suspend_data" not in items.get(second["item_id"], {})


def test_the_rest_put_is_capped_the_same_and_writes_nothing_when_refused(client, admin_key, pkg_seq, pkg12):
    sid = new_session(client, admin_key, pkg12).get_json()["session"]["id"]
    url = f"/api/v1/sessions/{sid}"
    assert (
        client.put(url, headers=bearer(admin_key), json={"cmi_data": interactions(0, 50)}).status_code == 200
    )
    refused = client.put(url, headers=bearer(admin_key), json={"cmi_data": interactions(50, 20)})
    assert_envelope(refused, 403, "QUOTA_EXCEEDED")
    assert len(stored(client, admin_key, sid)["cmi_data"]) == 50

    # Several items in one PUT: the second one going over the session's cap undoes the first.
    created = new_session(client, admin_key, pkg_seq).get_json()
    multi = created["session"]
    items = [i["id"] for i in page_config(client, created["launch_url"])["items"]]
    body = {
        "cmi_data": {"cmi.location": "page-2"},
        "activities": [
            {"item_id": items[1], "cmi_data": {"cmi.suspend_data": "a" * 35_000}},
            {"item_id": items[2], "cmi_data": {"cmi.suspend_data": "b" * 35_000}},
        ],
    }
    resp = client.put(f"/api/v1/sessions/{multi['id']}", headers=bearer(admin_key), json=body)
    assert_envelope(resp, 403, "QUOTA_EXCEEDED")
    after = stored(client, admin_key, multi["id"])
    assert after["version"] == multi["version"]
    assert all("cmi.suspend_data" not in a["cmi_data"] for a in after["activities"])
    assert after["cmi_data"].get("cmi.location") != "page-2"


def test_data_stored_before_a_lower_limit_can_still_be_written_and_shrunk(app, client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    sid = created["session"]["id"]
    cfg = open_player(client, created["launch_url"])
    data = {**interactions(0, 50), "cmi.core.lesson_location": "p1"}
    assert commit(client, cfg, data, seq=1).status_code == 200
    live = state.of(app)
    live.settings = live.settings.replace(session_max_elements=10)  # the operator lowers it
    assert commit(client, cfg, {"cmi.core.lesson_location": "p3"}, seq=2).status_code == 200  # no new element
    assert commit(client, cfg, {"cmi.comments": "a new element"}, seq=3).status_code == 403
    # The result is always recorded, even at the limits.
    assert commit(client, cfg, {"cmi.core.lesson_status": "passed"}, seq=4).status_code == 200
    after = stored(client, admin_key, sid)
    assert after["cmi_data"]["cmi.core.lesson_location"] == "p3" and "cmi.comments" not in after["cmi_data"]
    assert after["success_status"] == "passed"


def test_scorm12_suspend_data_over_its_4096_characters_stays_lenient(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, created["launch_url"])
    long = "s" * 20_000
    assert commit(client, cfg, {"cmi.suspend_data": long}, seq=1).status_code == 200
    assert stored(client, admin_key, created["session"]["id"])["cmi_data"]["cmi.suspend_data"] == long


def test_the_call_log_keeps_its_newest_batches_within_its_cap(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    sid = created["session"]["id"]
    cfg = open_player(client, created["launch_url"])
    path = urlsplit(cfg["logUrl"]).path
    for n in range(40):  # ~1.5 KB each: 60 KB sent against a 20 KB cap
        batch = [{"t": f"2026-01-01T00:00:{n:02d}Z", "n": n, "call": f"call-{n}", "args": ["z" * 1_400]}]
        assert client.post(path, data=json.dumps(batch), content_type="application/json").status_code == 200
    entries = call_log(client, admin_key, sid)
    assert len(json.dumps(entries)) < 2 * LIMITS["call_log_max_bytes"]
    calls = [e["call"] for e in entries]
    assert calls[-1] == "call-39" and "call-0" not in calls
    assert calls == [f"call-{n}" for n in range(40 - len(calls), 40)]  # the newest, in order


def test_migration_counts_the_characters_of_existing_item_states(make_settings):
    settings = make_settings()
    settings.ensure_dirs()
    db = open_database(settings.effective_database_url)
    db.connect()
    migrate(db, target=17)
    now = "2025-01-01T00:00:00Z"
    db.execute_sql(
        f"INSERT INTO tenant (id, name, created_at, updated_at) VALUES ('t', 'T', '{now}', '{now}')"
    )
    db.execute_sql(
        "INSERT INTO package (id, tenant_id, title, version, status, created_at, updated_at) "
        f"VALUES ('p', 't', 'P', 1, 'ready', '{now}', '{now}')"
    )
    db.execute_sql(
        "INSERT INTO learner_session (id, tenant_id, package_id, user_id, attempt, is_current, "
        "completion_status, success_status, version, created_at, updated_at) "
        f"VALUES ('s', 't', 'p', 'u', 1, 1, 'incomplete', 'unknown', 1, '{now}', '{now}')"
    )
    cmi = {"cmi.core.lesson_location": "page-7", "cmi.suspend_data": "é" * 30}
    for n in range(3):
        db.execute_sql(
            "INSERT INTO sco_state (id, session_id, item_id, cmi, completion_status, success_status, "
            "launch_times, updated_at) VALUES (?, 's', ?, ?, 'incomplete', 'unknown', '{}', ?)",
            (f"st-{n}", f"item-{n}", json.dumps(cmi), now),
        )
    migrate(db)
    counted = db.execute_sql("SELECT DISTINCT cmi_chars FROM sco_state").fetchall()
    assert counted == [(len("cmi.core.lesson_location") + 6 + len("cmi.suspend_data") + 30,)]
    db.close()
