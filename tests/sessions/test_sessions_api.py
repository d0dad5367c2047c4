"""Sessions over HTTP and the runtime commit protocol (without a browser)."""

import csv
import io
import json
import uuid
from urllib.parse import urlsplit

import pytest

from scorm_api.packages.structure import scos_for
from scorm_api.sessions.models import ScoState

from tests.sessions.runtime import commit, deliver, new_session, open_player, page_config
from tests.support import assert_envelope, bearer


def get(client, key, session_id):
    return client.get(f"/api/v1/sessions/{session_id}", headers=bearer(key)).get_json()["session"]


def test_create_reuse_and_new_attempt(client, admin_key, pkg12):
    first = new_session(client, admin_key, pkg12)
    assert first.status_code == 201
    body = first.get_json()
    s = body["session"]
    assert (s["completion_status"], s["success_status"], s["attempts"]) == ("not_attempted", "unknown", 1)
    assert s["package"]["title"].startswith("Golf Explained") and body["launch_url"].startswith(
        "http://localhost:"
    )
    again = new_session(client, admin_key, pkg12)
    assert again.status_code == 200 and again.get_json()["session"]["id"] == s["id"]
    retry = new_session(client, admin_key, pkg12, new_attempt=True)
    assert retry.status_code == 201
    second = retry.get_json()["session"]
    assert second["attempts"] == 2 and second["id"] != s["id"]
    current = client.get("/api/v1/sessions", headers=bearer(admin_key)).get_json()
    assert [x["id"] for x in current["sessions"]] == [second["id"]]
    every = client.get("/api/v1/sessions?all_attempts=true", headers=bearer(admin_key)).get_json()
    assert every["pagination"]["total"] == 2
    assert get(client, admin_key, s["id"])["attempts"] == 1  # the old attempt stays readable


def test_create_errors(client, admin_key, pkg12, make_tenant):
    assert_envelope(
        client.post(
            "/api/v1/sessions",
            headers=bearer(admin_key),
            json={"package_id": str(uuid.uuid4()), "user_id": "u"},
        ),
        404,
        "PACKAGE_NOT_FOUND",
    )
    other = make_tenant()
    assert_envelope(
        client.post(
            "/api/v1/sessions", headers=other.headers("rw"), json={"package_id": pkg12["id"], "user_id": "u"}
        ),
        404,
        "PACKAGE_NOT_FOUND",
    )
    errors = client.post(
        "/api/v1/sessions", headers=bearer(admin_key), json={"package_id": "x", "user_id": ""}
    ).get_json()["error"]["details"]["fieldErrors"]
    assert set(errors) == {"package_id", "user_id"}


def test_put_and_normalisation_and_locking(client, admin_key, pkg12):
    s = new_session(client, admin_key, pkg12).get_json()["session"]
    resp = client.put(
        f"/api/v1/sessions/{s['id']}",
        headers=bearer(admin_key),
        json={
            "cmi_data": {"cmi.core.lesson_location": "page-3"},
            "completion_status": "completed",
            "success_status": "passed",
            "score": {"raw": 95, "min": 0, "max": 100},
            "session_time": "PT1H",
            "suspend_data": "x" * 5000,
            "version": s["version"],
        },
    )
    assert resp.status_code == 200, resp.get_json()
    after = get(client, admin_key, s["id"])
    assert (after["completion_status"], after["success_status"]) == ("completed", "passed")
    assert after["score"] == {"scaled": 0.95, "raw": 95.0, "min": 0.0, "max": 100.0}
    assert after["time_spent_seconds"] == 3600 and after["session_time"] == "PT1H"
    assert after["cmi_data"]["cmi.core.lesson_status"] == "passed"
    assert after["cmi_data"]["cmi.suspend_data"] == "x" * 5000  # over 1.2's 4,096: kept whole
    stale = client.put(
        f"/api/v1/sessions/{s['id']}",
        headers=bearer(admin_key),
        json={"completion_status": "incomplete", "version": s["version"]},
    )
    assert_envelope(stale, 409, "CONFLICT")
    assert get(client, admin_key, s["id"]) == after  # nothing changed


@pytest.mark.parametrize(
    "body,field",
    [
        ({"completion_status": "done"}, "completion_status"),
        ({"score": {"raw": 120, "min": 0, "max": 100}}, "score.raw"),
        ({"score": {"scaled": 2}}, "score.scaled"),
        ({"session_time": "1 hour"}, "session_time"),
        ({"cmi_data": {"not.cmi": "x"}}, "cmi_data.not.cmi"),
        ({"cmi_data": {"cmi.x": {"nested": 1}}}, "cmi_data.cmi.x"),
        ({"cmi_data": "text"}, "cmi_data"),
        ({"version": "1"}, "version"),
        ({"activities": "x"}, "activities"),
        (
            {"activities": [{"item_id": "nope", "cmi_data": {"cmi.core.lesson_location": "p1"}}]},
            "activities.0.item_id",
        ),
    ],
)
def test_put_validation_changes_nothing(client, admin_key, pkg12, body, field):
    s = new_session(client, admin_key, pkg12).get_json()["session"]
    resp = client.put(f"/api/v1/sessions/{s['id']}", headers=bearer(admin_key), json=body)
    errors = assert_envelope(resp, 400, "VALIDATION_ERROR")["error"]["details"]["fieldErrors"]
    assert field in errors
    assert get(client, admin_key, s["id"])["version"] == s["version"]


def test_reset_progress_and_isolation(client, admin_key, pkg12, make_tenant):
    s = new_session(client, admin_key, pkg12).get_json()["session"]
    client.put(
        f"/api/v1/sessions/{s['id']}", headers=bearer(admin_key), json={"completion_status": "completed"}
    )
    other = make_tenant()
    for method, path in (
        ("GET", ""),
        ("PUT", ""),
        ("DELETE", "/progress"),
        ("GET", "/log"),
        ("POST", "/launch"),
    ):
        resp = client.open(
            f"/api/v1/sessions/{s['id']}{path}",
            method=method,
            headers=other.headers(),
            json={} if method == "PUT" else None,
        )
        assert_envelope(resp, 404, "SESSION_NOT_FOUND")
    reset = client.delete(f"/api/v1/sessions/{s['id']}/progress", headers=bearer(admin_key))
    assert reset.status_code == 200
    after = get(client, admin_key, s["id"])
    assert after["completion_status"] == "not_attempted" and after["cmi_data"] == {}
    assert after["attempts"] == 1


def test_filters(client, admin_key, pkg12, pkg2004):
    a = new_session(client, admin_key, pkg12, user="a").get_json()["session"]
    new_session(client, admin_key, pkg2004, user="b")
    client.put(
        f"/api/v1/sessions/{a['id']}", headers=bearer(admin_key), json={"completion_status": "completed"}
    )

    def ids(qs):
        return {
            x["user_id"]
            for x in client.get(f"/api/v1/sessions?{qs}", headers=bearer(admin_key)).get_json()["sessions"]
        }

    assert ids(f"package_id={pkg12['id']}") == {"a"}
    assert ids("completion_status=completed") == {"a"} and ids("completion_status=not_attempted") == {"b"}
    assert ids("user_id=b") == {"b"}
    bad = client.get("/api/v1/sessions?completion_status=finished", headers=bearer(admin_key))
    assert_envelope(bad, 400, "VALIDATION_ERROR")


# ---- the runtime protocol -----------------------------------------------------------


def test_runtime_commits_and_resume_state(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, created["launch_url"])
    assert cfg["cmi"]["cmi.core.entry"] == "ab-initio" and cfg["cmi"]["cmi.core.student_name"] == "Ann Lee"
    assert cfg["contentUrl"].endswith("/shared/launchpage.html")
    r = commit(
        client,
        cfg,
        {
            "cmi.core.lesson_status": "incomplete",
            "cmi.core.lesson_location": "p2",
            "cmi.core.session_time": "00:05:00",
            "cmi.objectives": [],
        },
        seq=1,
    )
    assert r.get_json() == {"result": True, "errorCode": 0, "version": 2}
    # The final beacon arrives as text/plain; the session time of a launch counts once.
    r = commit(
        client,
        cfg,
        {
            "cmi.core.lesson_status": "passed",
            "cmi.core.exit": "suspend",
            "cmi.suspend_data": "state",
            "cmi.core.session_time": "00:10:00",
        },
        seq=2,
        content_type="text/plain;charset=UTF-8",
        terminate=True,
    )
    assert r.status_code == 200
    stale = commit(client, cfg, {"cmi.core.lesson_status": "incomplete"}, seq=1)
    assert stale.get_json()["stale"] is True
    s = get(client, admin_key, created["session"]["id"])
    assert (s["completion_status"], s["success_status"], s["time_spent_seconds"]) == (
        "completed",
        "passed",
        600,
    )

    relaunch = client.post(f"/api/v1/sessions/{s['id']}/launch", headers=bearer(admin_key)).get_json()
    cfg2 = open_player(client, relaunch["launch_url"])
    assert cfg2["cmi"]["cmi.core.entry"] == "resume"
    assert cfg2["cmi"]["cmi.suspend_data"] == "state" and cfg2["cmi"]["cmi.core.lesson_location"] == "p2"
    assert cfg2["cmi"]["cmi.core.total_time"] == "0000:10:00"
    commit(client, cfg2, {"cmi.core.session_time": "00:01:00"}, seq=1)
    assert get(client, admin_key, s["id"])["time_spent_seconds"] == 660
    # An older launch's late commit never overwrites the newer launch's data.
    assert commit(client, cfg, {"cmi.core.lesson_status": "failed"}, seq=3).get_json()["stale"] is True
    assert get(client, admin_key, s["id"])["success_status"] == "passed"


@pytest.mark.parametrize(
    "raw,status",
    [
        (b"not json", 400),
        (b"[1,2]", 400),
        (b'{"cmi.core.lesson_status": {"a": 1}}', 400),
        (b'{"evil.key": "x"}', 400),
        (b'{"commitSequence": "1"}', 400),
        (b"\xff\xfe", 400),
    ],
)
def test_invalid_commits_are_400_and_store_nothing(client, admin_key, pkg12, raw, status):
    created = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, created["launch_url"])
    resp = client.post(urlsplit(cfg["commitUrl"]).path, data=raw, content_type="application/json")
    assert resp.status_code == status and resp.get_json()["error"]["code"] in (
        "BAD_REQUEST",
        "VALIDATION_ERROR",
    )
    assert ScoState.select().count() == 0


def test_tokens_are_checked(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    token = urlsplit(created["launch_url"]).path.rsplit("/", 1)[1]
    assert client.get(f"/player/launch/{token}x").status_code == 401
    assert (
        client.post(f"/player/runtime/{token}/commit", data="{}").status_code == 401
    )  # a launch token is no runtime token
    cfg = open_player(client, created["launch_url"])
    runtime = urlsplit(cfg["commitUrl"]).path.split("/")[3]
    assert client.get(f"/player/launch/{runtime}").status_code == 401  # nor the other way round


def test_call_log(client, admin_key, pkg12):
    created = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, created["launch_url"])
    entries = [
        {
            "t": "2026-01-01T00:00:00Z",
            "call": "LMSSetValue",
            "args": ["cmi.core.lesson_status", "bogus"],
            "result": "false",
            "error": "405",
        }
    ]
    assert client.post(
        urlsplit(cfg["logUrl"]).path, data=json.dumps(entries), content_type="text/plain"
    ).get_json() == {"accepted": 1}
    log = client.get(f"/api/v1/sessions/{created['session']['id']}/log", headers=bearer(admin_key)).get_json()
    assert log["entries"][0]["call"] == "LMSSetValue" and log["entries"][0]["error"] == "405"
    assert (
        client.post(urlsplit(cfg["logUrl"]).path, data="{}", content_type="application/json").status_code
        == 400
    )
    # Batches arriving out of order are read in call order (time, then the page's counter).
    same_ms = "2026-01-01T00:00:01.000Z"
    for batch in ([{"t": same_ms, "n": 3, "call": "Terminate"}], [{"t": same_ms, "n": 2, "call": "Commit"}]):
        client.post(urlsplit(cfg["logUrl"]).path, data=json.dumps(batch), content_type="application/json")
    log = client.get(f"/api/v1/sessions/{created['session']['id']}/log", headers=bearer(admin_key)).get_json()
    assert [e["call"] for e in log["entries"]] == ["LMSSetValue", "Commit", "Terminate"]


def test_deleting_the_package_deletes_its_sessions(client, admin_key, pkg12):
    s = new_session(client, admin_key, pkg12).get_json()["session"]
    client.delete(f"/api/v1/packages/{pkg12['id']}", headers=bearer(admin_key))
    assert_envelope(
        client.get(f"/api/v1/sessions/{s['id']}", headers=bearer(admin_key)), 404, "SESSION_NOT_FOUND"
    )


# ---- multi-SCO: deliveries and the sequencing engine's state ----------------------------


def test_page_config_for_sequenced_and_flow_packages(client, admin_key, pkg_seq, pkg12):
    cfg = page_config(client, new_session(client, admin_key, pkg_seq).get_json()["launch_url"])
    assert cfg["mode"] == "sequencing" and cfg["start"] is None and cfg["sequencingState"] is None
    assert [c["id"] for c in cfg["tree"]["children"]][:2] == ["playing_item", "etuqiette_item"]
    assert cfg["tree"]["children"][1]["sequencingRules"]["preConditionRules"][0]["action"] == "disabled"
    assert len(cfg["items"]) == 5
    flow = page_config(client, new_session(client, admin_key, pkg12).get_json()["launch_url"])
    assert flow["mode"] == "flow" and flow["start"] == flow["items"][0]["id"]
    assert "sequencingRules" not in json.dumps(flow["tree"])


def test_each_delivery_has_its_own_token_and_state(client, admin_key, pkg_seq):
    created = new_session(client, admin_key, pkg_seq).get_json()
    cfg = page_config(client, created["launch_url"])
    first = deliver(client, cfg, "playing_item").get_json()
    assert first["item_id"] == "playing_item" and first["contentUrl"].endswith(
        "/shared/launchpage.html?content=playing"
    )
    assert first["cmi"]["cmi.entry"] == "ab-initio" and first["cmi"]["cmi.learner_id"] == "learner-1"
    assert (
        commit(
            client, first, {"cmi.location": "2", "cmi.exit": "suspend", "cmi.session_time": "PT1M"}, seq=1
        ).get_json()["result"]
        is True
    )
    # A second visit to the same SCO on the same page is a new delivery: it resumes, and its
    # commits (whose sequence numbers start again) are not taken for stale ones.
    again = deliver(client, cfg, "playing_item").get_json()
    assert again["commitUrl"] != first["commitUrl"]
    assert again["cmi"]["cmi.entry"] == "resume" and again["cmi"]["cmi.location"] == "2"
    assert commit(client, again, {"cmi.session_time": "PT30S"}, seq=1).get_json().get("stale") is None
    s = get(client, admin_key, created["session"]["id"])
    assert s["time_spent_seconds"] == 90

    for body, status in [({"item_id": "nope"}, 404), ({}, 400), ({"item_id": 5}, 400)]:
        resp = client.post(urlsplit(cfg["deliverUrl"]).path, json=body)
        assert resp.status_code == status, body
    assert (
        client.post(urlsplit(cfg["deliverUrl"]).path, data=b"{", content_type="application/json").status_code
        == 400
    )
    # Tokens are kind-checked: a delivery's runtime token cannot deliver, a page token cannot commit.
    runtime_token = urlsplit(first["commitUrl"]).path.split("/")[3]
    page_token = urlsplit(cfg["deliverUrl"]).path.split("/")[3]
    assert (
        client.post(f"/player/runtime/{runtime_token}/deliver", json={"item_id": "playing_item"}).status_code
        == 401
    )
    assert client.post(f"/player/runtime/{page_token}/commit", data="{}").status_code == 401


def test_sequencing_state_orders_saves_and_sets_the_rollup(client, admin_key, pkg_seq):
    created = new_session(client, admin_key, pkg_seq).get_json()
    sid = created["session"]["id"]
    cfg = page_config(client, created["launch_url"])
    url = urlsplit(cfg["sequencingUrl"]).path
    item = deliver(client, cfg, "playing_item").get_json()
    commit(client, item, {"cmi.completion_status": "completed", "cmi.success_status": "passed"}, seq=1)
    # One SCO of five done: without the engine's word, the session is incomplete.
    assert get(client, admin_key, sid)["completion_status"] == "incomplete"

    save = lambda seq, state, rollup: client.post(
        url,
        data=json.dumps({"state": state, "seq": seq, "rollup": rollup}),
        content_type="text/plain",
    )
    assert (
        save(2, "two", {"completion": "completed", "success": "passed", "scaled": 0.9}).get_json()["stale"]
        is False
    )
    s = get(client, admin_key, sid)
    # Every activity of this manifest has objectiveMeasureWeight 0: it rolls up no score, so
    # the engine's figure is not the course's (tests/sessions/test_engine.py: one that does).
    assert (s["completion_status"], s["success_status"], s["score"]) == ("completed", "passed", None)
    assert save(1, "one", {"completion": "incomplete"}).get_json()["stale"] is True  # late beacon
    assert page_config(client, relaunch_url(client, admin_key, sid))["sequencingState"] == "two"
    # Unknown values are not statuses: the CMI rollup stands in for them.
    assert (
        save(3, "three", {"completion": "unknown", "success": "bogus", "scaled": 7}).get_json()["stale"]
        is False
    )
    s = get(client, admin_key, sid)
    assert (s["completion_status"], s["success_status"], s["score"]) == ("incomplete", "unknown", None)

    for body in [b"nope", b"[]", b'{"state": 5}', b'{"state": "x", "seq": "1"}']:
        assert client.post(url, data=body, content_type="application/json").status_code == 400, body
    big = json.dumps({"state": "x" * (4 * 1024 * 1024 + 1)})
    assert client.post(url, data=big, content_type="application/json").status_code == 413

    client.delete(f"/api/v1/sessions/{sid}/progress", headers=bearer(admin_key))
    assert page_config(client, relaunch_url(client, admin_key, sid))["sequencingState"] is None


def relaunch_url(client, key, session_id) -> str:
    return client.post(f"/api/v1/sessions/{session_id}/launch", headers=bearer(key)).get_json()["launch_url"]


def test_put_statuses_hold_for_multi_sco_packages(client, admin_key, pkg_seq):
    sid = new_session(client, admin_key, pkg_seq).get_json()["session"]["id"]
    resp = client.put(
        f"/api/v1/sessions/{sid}",
        headers=bearer(admin_key),
        json={
            "completion_status": "completed",
            "success_status": "passed",
            "score": {"raw": 80, "min": 0, "max": 100, "scaled": 0.8},
        },
    )
    assert resp.status_code == 200, resp.get_json()
    s = get(client, admin_key, sid)
    assert (s["completion_status"], s["success_status"], s["score"]["raw"]) == ("completed", "passed", 80)
    assert s["completed_at"] is not None


def test_put_per_item_cmi_for_multi_sco_packages(client, admin_key, pkg_seq):
    """`activities` writes each item's CMI; one bad entry refuses the whole PUT, the first
    item's data included."""
    sid = new_session(client, admin_key, pkg_seq).get_json()["session"]["id"]
    items = [sco.item_id for sco in scos_for(pkg_seq["id"])]
    url, h = f"/api/v1/sessions/{sid}", bearer(admin_key)
    refused = client.put(
        url,
        headers=h,
        json={
            "cmi_data": {"cmi.location": "first"},
            "activities": [
                {"item_id": items[1], "cmi_data": {"cmi.location": "second"}},
                {"item_id": "nope", "cmi_data": {}},
            ],
        },
    )
    assert (
        "activities.1.item_id"
        in assert_envelope(refused, 400, "VALIDATION_ERROR")["error"]["details"]["fieldErrors"]
    )
    assert get(client, admin_key, sid)["activities"] == []
    resp = client.put(
        url,
        headers=h,
        json={
            "cmi_data": {"cmi.location": "first"},
            "activities": [
                {"item_id": items[1], "cmi_data": {"cmi.location": "second", "cmi.suspend_data": "s2"}}
            ],
        },
    )
    assert resp.status_code == 200, resp.get_json()
    by_item = {a["item_id"]: a["cmi_data"] for a in get(client, admin_key, sid)["activities"]}
    assert by_item[items[1]]["cmi.location"] == "second" and by_item[items[1]]["cmi.suspend_data"] == "s2"
    assert by_item[items[0]]["cmi.location"] == "first"


def test_sort_search_and_csv_export(client, admin_key, pkg12):
    for user, name, status in [
        ("b-user", "Bea", "completed"),
        ("a-user", '=HYPERLINK("x")', "incomplete"),
        ("c-user", "Cy", None),
    ]:
        sid = new_session(client, admin_key, pkg12, user=user, user_name=name).get_json()["session"]["id"]
        if status:
            client.put(
                f"/api/v1/sessions/{sid}", headers=bearer(admin_key), json={"completion_status": status}
            )
    listed = lambda q: [
        x["user_id"]
        for x in client.get("/api/v1/sessions?" + q, headers=bearer(admin_key)).get_json()["sessions"]
    ]
    assert listed("sort=user_id&order=asc") == ["a-user", "b-user", "c-user"]
    assert listed("sort=user_id&order=desc") == ["c-user", "b-user", "a-user"]
    assert listed("completion_status=incomplete") == ["a-user"]
    assert listed("search=B-US") == ["b-user"] and listed("search=cy") == ["c-user"]
    assert_envelope(
        client.get("/api/v1/sessions?sort=password", headers=bearer(admin_key)), 400, "VALIDATION_ERROR"
    )

    resp = client.get("/api/v1/sessions/export?sort=user_id&order=asc", headers=bearer(admin_key))
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][:5] == ["user_id", "user_name", "package", "attempt", "completion_status"]
    assert [r[0] for r in rows[1:]] == ["a-user", "b-user", "c-user"]
    assert rows[1][1] == '\'=HYPERLINK("x")'  # not a formula in a spreadsheet
    assert rows[2][4] == "completed" and rows[3][4] == "not_attempted"
    only = client.get("/api/v1/sessions/export?completion_status=completed", headers=bearer(admin_key))
    assert len(only.get_data(as_text=True).splitlines()) == 2
