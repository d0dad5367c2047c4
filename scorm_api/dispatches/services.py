"""Dispatches of a tenant: create, read, change (enable, disable, limits, domains, password),
revoke, reset the registration count; their figures and the learners who came through them.
Every query is scoped to one tenant: another tenant's dispatch is not found."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import peewee

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.dispatches import domains, signals, tokens
from scorm_api.dispatches.models import Dispatch, Registration
from scorm_api.errors import ApiError, not_found, validation_error
from scorm_api.hashing import hash_password
from scorm_api.packages import versions
from scorm_api.schemas import pagination
from scorm_api.sessions.models import Session
from scorm_api.state import State

STANDARDS = ("scorm12", "scorm2004")
MAX_HOURS = 24 * 365 * 10  # ten years


def dispatch_not_found() -> ApiError:
    return not_found("DISPATCH_NOT_FOUND", "Dispatch not found")


def revoked_error() -> ApiError:
    return ApiError(409, "DISPATCH_REVOKED", "This dispatch has been revoked; create a new one")


def status_of(d: Dispatch, now: str | None = None) -> str:
    if d.revoked_at:
        return "revoked"
    if d.expires_at and d.expires_at <= (now or utcnow_iso()):
        return "expired"
    return "active" if d.enabled else "disabled"


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def token_of(state: State, d: Dispatch) -> str:
    # Issued at the record's creation: the same dispatch always has the same token and link.
    return tokens.mint(state.secret, d.id, d.tenant_id, _epoch(d.created_at))


def launch_url(state: State, token: str) -> str:
    return f"{state.settings.content_base_url}/player/dispatch/{token}"


def to_api(state: State, d: Dispatch) -> dict:
    token = token_of(state, d)
    return {
        "id": d.id,
        "tenant_id": d.tenant_id,
        "package_id": d.package_id,
        "dispatch_name": d.dispatch_name,
        "client_name": d.client_name,
        "registration_limit": d.registration_limit,
        "registration_count": d.registration_count,
        "license_limit": d.license_limit,
        "track_licenses": d.track_licenses,
        "license_count": d.license_count,
        "expires_at": d.expires_at,
        "allowed_domains": d.allowed_domains,
        "password_protected": d.password_hash is not None,
        "status": status_of(d),
        "enabled": d.enabled,
        "revoked_at": d.revoked_at,
        "learner_scope": d.learner_scope,
        "token": token,
        "launch_url": launch_url(state, token),
        "zip": {
            "status": d.zip_status or "not_generated",
            "standard": d.zip_standard,
            "generated_at": d.zip_generated_at,
            "error": d.zip_error,
        },
        "created_at": d.created_at,
        "updated_at": d.updated_at,
    }


def get(tenant_id: str, dispatch_id: str) -> Dispatch:
    d = Dispatch.get_or_none((Dispatch.id == dispatch_id) & (Dispatch.tenant == tenant_id))
    if d is None:
        raise dispatch_not_found()
    return d


def page(tenant_id: str, page_no: int, limit: int, package_id: str | None = None):
    query = Dispatch.select().where(Dispatch.tenant == tenant_id)
    if package_id:
        query = query.where(Dispatch.package == package_id)
    total = query.count()
    rows = list(query.order_by(Dispatch.created_at.desc(), Dispatch.id.desc()).paginate(page_no, limit))
    return rows, pagination(page_no, limit, total)


def _limits(body: dict, d: Dispatch) -> None:
    """Apply the body's settings to `d` (create and change share them)."""
    for field in ("dispatch_name", "client_name", "registration_limit", "license_limit"):
        if field in body:
            setattr(d, field, body[field])
    if "track_licenses" in body:
        d.track_licenses = body["track_licenses"]
    if d.license_limit is not None:
        if body.get("track_licenses") is False:
            raise validation_error({"track_licenses": ["A license_limit needs track_licenses"]})
        d.track_licenses = True
    if "expires_in_hours" in body:
        hours = body["expires_in_hours"]
        d.expires_at = None if hours is None else utcnow_iso(timedelta(hours=hours))
    if "allowed_domains" in body:
        patterns = body["allowed_domains"] or []
        errors = {f"allowed_domains[{i}]": [p] for i, x in enumerate(patterns) if (p := domains.problem(x))}
        if errors:
            raise validation_error(errors)
        d.allowed_domains = domains.normalise(patterns)
    if "password" in body:
        d.password_hash = None if body["password"] is None else hash_password(body["password"])


def create(state: State, tenant_id: str, body: dict) -> Dispatch:
    pkg = versions.latest(tenant_id, body["package_id"])  # 404 for another tenant's package too
    now = utcnow_iso()
    dispatch_id = f"dispatch-{uuid.uuid4().hex}"
    d = Dispatch(
        id=dispatch_id,
        learner_scope=body.get("learner_scope") or dispatch_id,
        tenant=tenant_id,
        package=pkg.family_id,
        dispatch_name=body.get("dispatch_name") or pkg.title[:200],
        allowed_domains=[],
        zip_standard=body.get("standard") or "scorm12",
        created_at=now,
        updated_at=now,
    )
    _limits(body, d)
    with write_transaction():
        d.save(force_insert=True)
        signals.created.send(d)
    return d


def change(tenant_id: str, dispatch_id: str, body: dict) -> Dispatch:
    with write_transaction():
        d = get(tenant_id, dispatch_id)
        if d.revoked_at:
            raise revoked_error()
        _limits(body, d)
        if "enabled" in body:
            d.enabled = body["enabled"]
        if "standard" in body:
            d.zip_standard = body["standard"]
        d.updated_at = utcnow_iso()
        d.save()
        signals.changed.send(d)
    return d


def revoke(tenant_id: str, dispatch_id: str) -> Dispatch:
    """Final: the next launch of its token is refused (revoking twice is the same)."""
    with write_transaction():
        d = get(tenant_id, dispatch_id)
        if not d.revoked_at:
            d.revoked_at = d.updated_at = utcnow_iso()
            d.save()
            signals.revoked.send(d)
    return d


def reset_registrations(tenant_id: str, dispatch_id: str) -> Dispatch:
    """The registration count back to 0 (the learners keep their registrations and progress;
    the license count, unique learners ever, is not reset)."""
    with write_transaction():
        d = get(tenant_id, dispatch_id)
        if d.revoked_at:
            raise revoked_error()
        d.registration_count = 0
        d.updated_at = utcnow_iso()
        d.save()
        signals.changed.send(d)
    return d


# ---- who came through, and how it went ---------------------------------------------


def _sessions_of(d: Dispatch):
    """The current sessions of the dispatch's learners."""
    learners = Registration.select(Registration.user_id).where(Registration.dispatch == d.id)
    return Session.select().where(
        (Session.package == d.package_id) & Session.user_id.in_(learners) & (Session.is_current == True)  # noqa: E712
    )


def figures(d: Dispatch) -> dict:
    mine = Registration.dispatch == d.id
    learners = Registration.select().where(mine).count()
    launches = Registration.select(peewee.fn.SUM(Registration.launch_count)).where(mine).scalar()
    sessions = _sessions_of(d)
    completed = sessions.where(Session.completion_status == "completed").count()
    passed = sessions.where(Session.success_status == "passed").count()
    failed = sessions.where(Session.success_status == "failed").count()
    return {
        "launches": launches or 0,
        "unique_learners": learners,
        "completions": completed,
        "passed": passed,
        "failed": failed,
        "pass_rate": round(passed / (passed + failed), 4) if passed + failed else None,
    }


def registrations(tenant_id: str, dispatch_id: str, page_no: int, limit: int):
    """The learners who came through the dispatch, newest first, with their session here."""
    d = get(tenant_id, dispatch_id)
    query = Registration.select().where(Registration.dispatch == d.id)
    total = query.count()
    rows = list(
        query.order_by(Registration.last_launched_at.desc(), Registration.id).paginate(page_no, limit)
    )
    sessions = {s.user_id: s for s in _sessions_of(d).where(Session.user_id.in_([r.user_id for r in rows]))}
    out = []
    for r in rows:
        s = sessions.get(r.user_id)
        out.append(
            {
                "learner_id": r.learner_id,
                "learner_name": r.learner_name,
                "host_origin": r.host_origin,
                "launch_count": r.launch_count,
                "first_launched_at": r.first_launched_at,
                "last_launched_at": r.last_launched_at,
                "session_id": s.public_id if s else None,
                "completion_status": s.completion_status if s else None,
                "success_status": s.success_status if s else None,
                "score": s.score_scaled if s else None,
                "time_spent_seconds": s.time_spent_seconds if s else None,
            }
        )
    return out, pagination(page_no, limit, total)
