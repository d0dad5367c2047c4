"""Learner helpers over the Flask test client: a learner's session with statements and CMI, the
learner as an xAPI actor, the analytics' figures of an actor, lasting links."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from scorm_api import state

from tests.sessions.runtime import commit, new_session, open_player
from tests.support import bearer


def tracked_session(client, key, pkg, user: str, **extra) -> dict:
    """A session the player opened and committed a completion to: CMI, a call log entry and
    the bridge's statements."""
    made = new_session(client, key, pkg, user=user, **extra).get_json()
    cfg = open_player(client, made["launch_url"])
    done = {
        "cmi.core.lesson_status": "completed",
        "cmi.core.score.raw": "75",
        "cmi.core.session_time": "0000:01:00",
    }
    assert commit(client, cfg, done, seq=1).status_code == 200
    call = {
        "t": "2026-01-01T00:00:00Z",
        "n": 1,
        "call": "LMSCommit",
        "args": [""],
        "result": "true",
        "error": "0",
    }
    assert client.post(urlsplit(cfg["logUrl"]).path, json=[call]).status_code == 200
    return made["session"]


def account_of(app, learner_id: str) -> dict:
    """The learner as the SCORM bridge names them in statements."""
    return {
        "objectType": "Agent",
        "account": {"homePage": state.of(app).settings.base_url, "name": learner_id},
    }


def put_state(agent: dict, registration: str) -> dict:
    """The query of a state document of `agent` in `registration`, for the LRS's PUT."""
    return {
        "activityId": "https://example.org/course",
        "agent": json.dumps(agent),
        "stateId": "bookmark",
        "registration": registration,
    }


def post_statements(client, key, *statements) -> list[str]:
    resp = client.post("/api/v1/xapi/statements", headers=bearer(key), json=list(statements))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def actor_totals(client, key) -> dict:
    """total_statements per actor (an account's name, else the mbox), as the analytics report them."""
    resp = client.get("/api/v1/xapi/analytics/actors", headers=bearer(key), query_string={"limit": 100})
    assert resp.status_code == 200, resp.get_json()
    return {
        (a["actor"].get("account") or {}).get("name") or a["actor"].get("mbox"): a["total_statements"]
        for a in resp.get_json()["actors"]
    }


def statements_of(client, key, **query) -> list[dict]:
    resp = client.get("/api/v1/xapi/statements", headers=bearer(key), query_string={"limit": 100, **query})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["statements"]


def lasting_link(client, key, learner_id: str, package_id: str, **extra) -> dict:
    resp = client.post(
        "/api/v1/learner-links",
        headers=bearer(key),
        json={"learner_id": learner_id, "package_id": package_id, **extra},
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["link"]
