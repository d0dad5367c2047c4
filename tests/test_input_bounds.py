"""Integers out of any sensible range, and JSON nested thousands of levels deep, anywhere a
client can send them: each is a 400 with the error envelope, never a 500, and changes
nothing."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import pytest

from tests.sessions.runtime import commit, new_session, open_player, page_config
from tests.support import V2, assert_envelope, basic, bearer, fixture, statement, upload_and_process

HUGE = [2**63, 2**64, 10**30, -1]
LISTS = [
    "/api/v1/packages",
    "/api/v1/sessions",
    "/api/v1/api-keys",
    "/api/v1/tenants",
    "/api/v1/xapi/statements",
    "/api/v1/xapi/analytics/actors",
    "/api/v1/xapi/analytics/activities",
    "/api/v1/sync/runs",
    "/api/v1/sync/conflicts",
]


def deep(levels: int, leaf=1):
    """`levels` nested arrays, as text (building it as Python objects would itself recurse)."""
    return "[" * levels + json.dumps(leaf) + "]" * levels


def deep_object(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("page", HUGE)
def test_every_list_refuses_a_page_out_of_range(client, admin_key, path, page):
    body = assert_envelope(
        client.get(f"{path}?page={page}", headers=bearer(admin_key)), 400, "VALIDATION_ERROR"
    )
    assert "page" in body["error"]["details"]["fieldErrors"]


@pytest.mark.parametrize("path", LISTS[:4])
def test_a_limit_of_many_digits_is_a_400(client, admin_key, path):
    resp = client.get(f"{path}?limit={'9' * 5000}", headers=bearer(admin_key))  # past int()'s digit cap
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] in ("VALIDATION_ERROR", "BAD_REQUEST")


@pytest.mark.parametrize("value", [2**64, 2**53, -5])
def test_a_tenant_quota_out_of_range_is_refused(client, admin_key, value):
    resp = client.post(
        "/api/v1/tenants", headers=bearer(admin_key), json={"name": "T", "max_packages": value}
    )
    assert_envelope(resp, 400, "VALIDATION_ERROR")
    names = [
        t["name"] for t in client.get("/api/v1/tenants", headers=bearer(admin_key)).get_json()["tenants"]
    ]
    assert "T" not in names


@pytest.mark.parametrize("field,value", [("file_size", 2**64), ("file_size", -1), ("file_size", 10**40)])
def test_upload_url_sizes_out_of_range(client, admin_key, field, value):
    resp = client.post(
        "/api/v1/packages/upload-url", headers=bearer(admin_key), json={"filename": "a.zip", field: value}
    )
    assert resp.status_code in (400, 413) and resp.get_json()["error"]["code"] in (
        "VALIDATION_ERROR",
        "PAYLOAD_TOO_LARGE",
    )


@pytest.fixture
def pkg12(client, admin_key):
    return upload_and_process(client, admin_key, fixture("golf_scorm12_runtime_basic.zip").read_bytes())[0]


@pytest.mark.parametrize("seq", [2**63, 2**64, -1, 1.5, "3", True])
def test_commit_sequences_out_of_range_are_refused(client, admin_key, pkg12, seq):
    created = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, created["launch_url"])
    resp = commit(client, cfg, {"cmi.core.lesson_status": "passed", "commitSequence": seq})
    assert_envelope(resp, 400, "BAD_REQUEST")
    detail = client.get(f"/api/v1/sessions/{created['session']['id']}", headers=bearer(admin_key)).get_json()
    assert detail["session"]["success_status"] == "unknown"


@pytest.mark.parametrize("seq", [2**64, -3])
def test_sequencing_seq_out_of_range_is_refused(client, admin_key, seq):
    pkg = upload_and_process(
        client, admin_key, fixture("golf_scorm2004_3ed_seq_forced_sequential.zip").read_bytes()
    )[0]
    cfg = page_config(client, new_session(client, admin_key, pkg).get_json()["launch_url"])
    resp = client.post(urlsplit(cfg["sequencingUrl"]).path, json={"state": "{}", "seq": seq})
    assert_envelope(resp, 400, "BAD_REQUEST")


@pytest.mark.parametrize("levels", [200, 5_000, 100_000])
def test_deep_json_bodies_are_400(client, admin_key, levels):
    for raw in (deep(levels), deep_object(levels)):
        resp = client.post(
            "/api/v1/api-keys", headers=bearer(admin_key), data=raw, content_type="application/json"
        )
        body = assert_envelope(resp, 400, "BAD_REQUEST")
        assert "nested too deeply" in body["error"]["message"] or "Malformed JSON" in body["error"]["message"]
        # And inside an otherwise valid body.
        nested = '{"name": "x", "scopes": ["read"], "extra": ' + deep(levels) + "}"
        resp = client.post(
            "/api/v1/api-keys", headers=bearer(admin_key), data=nested, content_type="application/json"
        )
        assert resp.status_code == 400


def test_deep_json_in_the_player_and_the_lrs(client, admin_key, pkg12, lrs):
    created = new_session(client, admin_key, pkg12).get_json()
    cfg = open_player(client, created["launch_url"])
    path = urlsplit(cfg["commitUrl"]).path
    assert_envelope(
        client.post(path, data=deep_object(50_000), content_type="application/json"), 400, "BAD_REQUEST"
    )
    log = urlsplit(cfg["logUrl"]).path
    assert_envelope(client.post(log, data=deep(50_000), content_type="application/json"), 400, "BAD_REQUEST")

    # xAPI: statements, the agent parameter, and a JSON document merged by POST.
    assert_envelope(
        client.post("/xapi/statements", headers=lrs, data=deep(20_000), content_type="application/json"),
        400,
        "BAD_REQUEST",
    )
    st = statement()
    raw = json.dumps(st)[:-1] + ', "result": {"extensions": {"http://x.example/e": ' + deep(5_000) + "}}}"
    assert_envelope(
        client.post("/xapi/statements", headers=lrs, data=raw, content_type="application/json"),
        400,
        "BAD_REQUEST",
    )
    agent = quote(deep_object(20_000))
    resp = client.get(f"/xapi/agents?agent={agent}", headers=lrs)
    assert_envelope(resp, 400, "BAD_REQUEST")
    state = f"/xapi/activities/state?activityId=http://example.org/a&agent={quote(json.dumps(st['actor']))}&stateId=s"
    resp = client.post(state, headers=lrs, data=deep_object(20_000), content_type="application/json")
    assert_envelope(resp, 400, "BAD_REQUEST")
    assert client.get(state, headers=lrs).status_code == 404  # nothing stored


@pytest.fixture
def lrs(app):
    from scorm_api.tenants.services import system_tenant
    from scorm_api.xapi import credentials

    row, password = credentials.create(system_tenant().id)
    return {**basic(row.username, password), **V2}
