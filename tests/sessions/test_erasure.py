"""Deleting a session and erasing a learner: all their rows go in one transaction, another
tenant's ids answer exactly as missing ones, the analytics of everyone else stay right, and
webhooks hear of it."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

import pytest

from scorm_api.dispatches.models import Registration
from scorm_api.learners import erasure
from scorm_api.learners.models import Learner, LearnerErasure, LearnerLink
from scorm_api.sessions.models import RuntimeLog, ScoState, Session
from scorm_api.tenants.services import system_tenant
from scorm_api.webhooks.models import WebhookEvent
from scorm_api.xapi import credentials
from scorm_api.xapi.models import Attachment, Document, Statement
from scorm_api.xapi.multipart import Part, render

from tests.dispatches.support import course, dispatch, launch
from tests.sessions.learners import (
    account_of,
    actor_totals,
    lasting_link,
    post_statements,
    put_state,
    statements_of,
    tracked_session,
)
from tests.sessions.runtime import new_session
from tests.support import V2, assert_envelope, basic, bearer, statement


def rows_of(session_id: str) -> dict:
    return {
        "session": Session.select().where(Session.id == session_id).count(),
        "cmi": ScoState.select().where(ScoState.session == session_id).count(),
        "log": RuntimeLog.select().where(RuntimeLog.session == session_id).count(),
        "statements": Statement.select().where(Statement.registration == session_id).count(),
    }


def test_deleting_a_session_takes_its_cmi_log_and_statements(client, admin_key, pkg12):
    gone = tracked_session(client, admin_key, pkg12, "ann")
    kept = tracked_session(client, admin_key, pkg12, "bob")
    assert all(rows_of(gone["id"]).values()) and all(rows_of(kept["id"]).values())
    before = actor_totals(client, admin_key)

    resp = client.delete(f"/api/v1/sessions/{gone['id']}", headers=bearer(admin_key))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["deleted"] is True and body["sessions"] == 1 and body["statements"] > 0
    assert rows_of(gone["id"]) == {"session": 0, "cmi": 0, "log": 0, "statements": 0}
    assert all(rows_of(kept["id"]).values())
    assert_envelope(
        client.get(f"/api/v1/sessions/{gone['id']}", headers=bearer(admin_key)), 404, "SESSION_NOT_FOUND"
    )
    # Ann's statements left the analytics; Bob's figures are as they were.
    after = actor_totals(client, admin_key)
    assert "ann" not in after and after["bob"] == before["bob"]
    assert statements_of(client, admin_key, registration=gone["id"]) == []
    assert statements_of(client, admin_key, registration=kept["id"])


def test_a_deleted_current_attempt_hands_over_to_the_one_before(client, admin_key, pkg12):
    first = new_session(client, admin_key, pkg12, user="ann").get_json()["session"]
    second = new_session(client, admin_key, pkg12, user="ann", new_attempt=True).get_json()["session"]
    assert client.delete(f"/api/v1/sessions/{second['id']}", headers=bearer(admin_key)).status_code == 200
    again = new_session(client, admin_key, pkg12, user="ann")
    assert again.status_code == 200 and again.get_json()["session"]["id"] == first["id"]


def test_session_deletion_is_tenant_isolated_and_needs_admin(client, admin_key, pkg12, make_tenant):
    mine = new_session(client, admin_key, pkg12, user="ann").get_json()["session"]
    other = make_tenant()
    theirs = client.delete(f"/api/v1/sessions/{mine['id']}", headers=other.headers("admin"))
    missing = client.delete("/api/v1/sessions/no-such-session", headers=other.headers("admin"))
    assert_envelope(theirs, 404, "SESSION_NOT_FOUND")
    assert theirs.get_json()["error"] == missing.get_json()["error"]
    assert_envelope(
        client.delete(f"/api/v1/sessions/{mine['id']}", headers=other.headers("rw")), 403, "FORBIDDEN"
    )
    assert Session.select().where(Session.id == mine["id"]).exists()


def test_erasing_a_learner_takes_everything_of_theirs(app, client, admin_key, pkg12, pkg2004):
    s1 = tracked_session(client, admin_key, pkg12, "ann")
    s2 = tracked_session(client, admin_key, pkg2004, "ann")
    kept = tracked_session(client, admin_key, pkg12, "bob")
    # Statements of Ann's own from outside a session, and a state document of her session.
    ann = account_of(app, "ann")
    post_statements(client, admin_key, statement(actor={**ann, "name": "Ann Lee"}))
    other = statement(actor={"objectType": "Agent", "name": "Cy", "mbox": "mailto:cy@example.org"})
    post_statements(client, admin_key, other)
    row, password = credentials.create(system_tenant().id)
    lrs = {**basic(row.username, password), **V2}
    doc = client.put(
        "/xapi/activities/state", headers=lrs, query_string=put_state(ann, s1["id"]), json={"page": 3}
    )
    assert doc.status_code == 204, doc.get_data(as_text=True)
    assert Document.select().where(Document.registration == s1["id"]).exists()
    lasting_link(client, admin_key, "ann", pkg12["id"])
    totals = actor_totals(client, admin_key)
    assert totals["ann"] > 0

    resp = client.delete("/api/v1/learners/ann", headers=bearer(admin_key))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["sessions"], body["links"]) == (2, 1) and body["statements"] > 2
    for s in (s1, s2):
        assert rows_of(s["id"]) == {"session": 0, "cmi": 0, "log": 0, "statements": 0}
    assert not Statement.select().where(Statement.actor_key.contains("|ann")).exists()
    assert not Document.select().where(Document.registration == s1["id"]).exists()
    assert not Learner.select().where(Learner.learner_id == "ann").exists()
    assert not LearnerLink.select().where(LearnerLink.learner_id == "ann").exists()
    assert [e.learner_id for e in LearnerErasure.select()] == ["ann"]
    after = actor_totals(client, admin_key)
    assert "ann" not in after
    assert (after["mailto:cy@example.org"], after["bob"]) == (totals["mailto:cy@example.org"], totals["bob"])
    assert all(rows_of(kept["id"]).values())
    assert_envelope(client.get("/api/v1/learners/ann", headers=bearer(admin_key)), 404, "LEARNER_NOT_FOUND")
    assert_envelope(
        client.delete("/api/v1/learners/ann", headers=bearer(admin_key)), 404, "LEARNER_NOT_FOUND"
    )


def test_an_erasure_that_fails_half_way_deletes_nothing(app, client, admin_key, pkg12, monkeypatch):
    s1 = tracked_session(client, admin_key, pkg12, "ann")
    before = rows_of(s1["id"])

    def broken(**_):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(erasure.LearnerErasure, "create", broken)
    with app.test_request_context(), pytest.raises(RuntimeError, match="the disk went away"):
        erasure.erase_learner(Session.get_by_id(s1["id"]).tenant_id, "ann")
    assert rows_of(s1["id"]) == before
    assert Learner.select().where(Learner.learner_id == "ann").exists()


def test_learner_erasure_is_tenant_isolated(client, admin_key, pkg12, make_tenant):
    new_session(client, admin_key, pkg12, user="ann")
    other = make_tenant()
    theirs = client.delete("/api/v1/learners/ann", headers=other.headers("admin"))
    missing = client.delete("/api/v1/learners/nobody", headers=other.headers("admin"))
    assert_envelope(theirs, 404, "LEARNER_NOT_FOUND")
    assert theirs.get_json()["error"] == missing.get_json()["error"]
    assert_envelope(client.delete("/api/v1/learners/ann", headers=other.headers("rw")), 403, "FORBIDDEN")
    assert Session.select().where(Session.user_id == "ann").count() == 1


def test_deletions_are_webhook_events(client, admin_key, pkg12):
    hook = client.post(
        "/api/v1/webhooks",
        headers=bearer(admin_key),
        json={"url": "http://127.0.0.1:9/hooks", "events": ["session.deleted", "learner.deleted"]},
    )
    assert hook.status_code == 201, hook.get_json()
    s1 = new_session(client, admin_key, pkg12, user="ann").get_json()["session"]
    new_session(client, admin_key, pkg12, user="bob")
    assert client.delete(f"/api/v1/sessions/{s1['id']}", headers=bearer(admin_key)).status_code == 200
    assert client.delete("/api/v1/learners/bob", headers=bearer(admin_key)).status_code == 200
    events = {e.type: e for e in WebhookEvent.select()}
    assert events["session.deleted"].data["session"]["id"] == s1["id"]
    assert events["learner.deleted"].data == {"learner": {"learner_id": "bob"}, "sessions_deleted": 1}


def test_a_dispatch_learner_is_erased_with_their_registration_and_not_merged(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key))
    assert launch(client, d, learner="x").status_code == 200
    [reg] = Registration.select()
    learner_id = reg.user_id  # "<the dispatch's scope>/x"
    client.post("/api/v1/learners", headers=bearer(admin_key), json={"learner_id": "ann"})
    merge = client.post(
        "/api/v1/learners/merge", headers=bearer(admin_key), json={"learner_id": learner_id, "into": "ann"}
    )
    assert_envelope(merge, 409, "CONFLICT")
    assert "dispatch" in merge.get_json()["error"]["message"]

    resp = client.delete(f"/api/v1/learners/{quote(learner_id, safe='')}", headers=bearer(admin_key))
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["dispatch_registrations"], resp.get_json()["sessions"]) == (1, 1)
    assert not Registration.select().exists()
    assert not Session.select().where(Session.user_id == learner_id).exists()


def test_a_merge_is_a_webhook_event(client, admin_key, pkg12):
    client.post(
        "/api/v1/webhooks",
        headers=bearer(admin_key),
        json={"url": "http://127.0.0.1:9/h", "events": ["learner.merged"]},
    )
    new_session(client, admin_key, pkg12, user="ann.le")
    new_session(client, admin_key, pkg12, user="ann.lee")
    body = {"learner_id": "ann.le", "into": "ann.lee"}
    assert client.post("/api/v1/learners/merge", headers=bearer(admin_key), json=body).status_code == 200
    [event] = WebhookEvent.select()
    assert (event.type, event.data["merged"], event.data["learner"]) == (
        "learner.merged",
        "ann.le",
        {"learner_id": "ann.lee"},
    )
    assert event.data["renumbered"] == [{"package_id": pkg12["id"], "title": pkg12["title"]}]


def test_an_erased_learners_attachment_goes_unless_another_statement_cites_it(app, client, admin_key):
    client.post("/api/v1/learners", headers=bearer(admin_key), json={"learner_id": "ann"})
    row, password = credentials.create(system_tenant().id)
    lrs = {**basic(row.username, password), **V2}
    ann, cy = account_of(app, "ann"), {"objectType": "Agent", "mbox": "mailto:cy@example.org"}
    certificate, shared = b"ann's certificate", b"the course's badge"
    for actor, contents in ((ann, [certificate, shared]), (cy, [shared])):
        parts = [Part("text/plain", hashlib.sha256(c).hexdigest(), c) for c in contents]
        cited = [
            {
                "usageType": "https://example.org/usage",
                "display": {"en-US": "file"},
                "contentType": p.content_type,
                "length": len(p.content),
                "sha2": p.sha2,
            }
            for p in parts
        ]
        body, content_type = render(json.dumps(statement(actor=actor, attachments=cited)).encode(), parts)
        stored = client.post("/xapi/statements", headers={**lrs, "Content-Type": content_type}, data=body)
        assert stored.status_code == 200, stored.get_data(as_text=True)
    assert Attachment.select().count() == 2

    assert client.delete("/api/v1/learners/ann", headers=bearer(admin_key)).status_code == 200
    assert [a.sha2 for a in Attachment.select()] == [hashlib.sha256(shared).hexdigest()]
