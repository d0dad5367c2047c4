"""Deleting a session, and erasing a learner (GDPR's right to erasure), each in one write
transaction: everything goes, or nothing does.

A session takes with it its CMI data, call log, sequencing state and cmi5 launches (their rows
cascade from the session's) and the xAPI statements and state documents of its registration:
the ones the SCORM bridge and the course wrote for this session. A learner takes every session
of theirs in the tenant, every statement whose actor is them (their account on this
appliance, under any URL it has served at) or whose registration is one of their sessions,
their documents, their dispatch registrations and lasting links, their analytics rows, and
their record; a row naming only their id stays behind (LearnerErasure) so that a sync can
erase them on its targets too. The analytics' running totals are taken back statement by
statement, as voiding does, so the figures of the other learners stay right."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.dispatches.models import Dispatch, Registration
from scorm_api.errors import ApiError
from scorm_api.learners import signals
from scorm_api.learners.models import Learner, LearnerErasure, LearnerLink
from scorm_api.sessions.models import Session
from scorm_api.sessions.services import end_launches, get_session
from scorm_api.xapi import analytics, own_urls
from scorm_api.xapi.identity import actor_key
from scorm_api.xapi.models import AnalyticsPending, Attachment, Document, Related, Statement
from scorm_api.xapi.scorm_bridge import base_url

CHUNK = 500  # ids per IN (...): SQLite's limit on bound parameters is far above it


def learner_not_found() -> ApiError:
    return ApiError(404, "LEARNER_NOT_FOUND", "Learner not found")


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = list(values)
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def delete_session(tenant_id: str, session_id: str) -> dict:
    """Delete one session (any attempt) of the tenant; another tenant's id is a 404, as a
    missing one is. The learner's other attempts stay; when the current one goes, the newest
    of the others becomes current, so the next launch resumes it."""
    with write_transaction():
        session = get_session(tenant_id, session_id)
        end_launches(session)  # an open course window stops writing at once
        signals.session_deleted.send(session)
        removed = _erase_sessions(tenant_id, [session.id], set())
        if session.is_current:
            newest = (
                Session.select(Session.id)
                .where((Session.package == session.package_id) & (Session.user_id == session.user_id))
                .order_by(Session.attempt.desc())
                .first()
            )
            if newest is not None:
                Session.update(is_current=True).where(Session.id == newest.id).execute()
    return {"session_id": session.public_id, "deleted": True, **removed}


def erase_learner(tenant_id: str, learner_id: str) -> dict:
    """Erase a learner of the tenant and everything recorded of them (see the module's text)."""
    with write_transaction():
        learner = Learner.get_or_none((Learner.tenant == tenant_id) & (Learner.learner_id == learner_id))
        sessions = list(
            Session.select().where((Session.tenant == tenant_id) & (Session.user_id == learner_id))
        )
        if learner is None and not sessions:
            raise learner_not_found()
        for session in sessions:
            end_launches(session)
        removed = _erase_sessions(tenant_id, [s.id for s in sessions], actor_keys(learner_id))
        dispatches = Dispatch.select(Dispatch.id).where(Dispatch.tenant == tenant_id)
        removed["dispatch_registrations"] = (
            Registration.delete()
            .where(Registration.dispatch.in_(dispatches) & (Registration.user_id == learner_id))
            .execute()
        )
        removed["links"] = (
            LearnerLink.delete()
            .where((LearnerLink.tenant == tenant_id) & (LearnerLink.learner_id == learner_id))
            .execute()
        )
        Learner.delete().where((Learner.tenant == tenant_id) & (Learner.learner_id == learner_id)).execute()
        LearnerErasure.create(
            id=new_id(),
            tenant=tenant_id,
            learner_id=learner_id,
            session_ids=[s.id for s in sessions],
            erased_at=utcnow_iso(),
        )
        signals.learner_deleted.send(tenant_id, learner_id=learner_id, sessions=removed["sessions"])
    return {"learner_id": learner_id, "deleted": True, **removed}


def actor_keys(learner_id: str) -> set[str]:
    """The learner as the actor of statements: their account under every URL this appliance
    has served at (the SCORM bridge names the learner by the base URL of the day)."""
    urls = {*own_urls.every(), base_url()}
    return {k for url in urls if (k := actor_key({"account": {"homePage": url, "name": learner_id}}))}


def _erase_sessions(tenant_id: str, session_ids: list[str], keys: set[str]) -> dict:
    """Delete these sessions with the statements and documents of their registrations, and the
    statements and documents whose agent is one of `keys`. Inside the caller's transaction."""
    pks: list[str] = []
    for part in _chunks(session_ids):
        pks += [
            s.pk for s in Statement.select(Statement.pk).where(mine(tenant_id, Statement.registration, part))
        ]
    for part in _chunks(keys):
        pks += [
            s.pk for s in Statement.select(Statement.pk).where(mine(tenant_id, Statement.actor_key, part))
        ]
    pks = sorted(set(pks))
    documents = 0
    for part in _chunks(session_ids):
        documents += Document.delete().where(mine(tenant_id, Document.registration, part)).execute()
    for part in _chunks(keys):
        documents += Document.delete().where(mine(tenant_id, Document.agent_key, part)).execute()
    statements = delete_statements(tenant_id, pks)
    sessions = 0
    for part in _chunks(session_ids):  # their CMI, call log, sequencing state, AU launches cascade
        sessions += Session.delete().where(mine(tenant_id, Session.id, part)).execute()
    return {"sessions": sessions, "statements": statements, "documents": documents}


def mine(tenant_id: str, column, values: list[str]):
    return (column.model.tenant == tenant_id) & column.in_(values)


def delete_statements(tenant_id: str, pks: list[str]) -> int:
    """Delete stored statements, their analytics contribution and the attachments no other
    statement of the tenant cites."""
    hashes: set[str] = set()
    for part in _chunks(pks):
        rows = list(
            Statement.select(Statement.pk, Statement.body, Statement.package_id, Statement.voided).where(
                mine(tenant_id, Statement.pk, part)
            )
        )
        queued = {
            r.statement_pk: r.sign
            for r in AnalyticsPending.select().where(mine(tenant_id, AnalyticsPending.statement_pk, part))
        }
        # What each one counts in the totals now: a queued +1 is not counted yet, a queued -1
        # (it was voided since it was counted) still is, and a voided one no longer is.
        counted = [r for r in rows if queued.get(r.pk) == -1 or (r.pk not in queued and not r.voided)]
        analytics.record(tenant_id, [(r.body, r.package_id, -1) for r in counted])
        AnalyticsPending.delete().where(mine(tenant_id, AnalyticsPending.statement_pk, part)).execute()
        Related.delete().where(mine(tenant_id, Related.statement_pk, part)).execute()
        Statement.delete().where(mine(tenant_id, Statement.pk, part)).execute()
        hashes |= {a["sha2"].lower() for r in rows for a in r.body.get("attachments") or [] if "sha2" in a}
    # Attachments are kept once per tenant and hash, cited from statement bodies only. The cast:
    # compared as the JSON field itself, the pattern would be JSON-encoded (quoted) first.
    for sha2 in hashes:
        cited = Statement.body.cast("TEXT").contains(sha2)
        if not Statement.select().where((Statement.tenant == tenant_id) & cited).exists():
            Attachment.delete().where((Attachment.tenant == tenant_id) & (Attachment.sha2 == sha2)).execute()
    return len(pks)
