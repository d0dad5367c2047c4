"""Learner sessions: create or find (a registration per learner and package, new attempts),
lists with the seed's filters and sorts, CSV export, progress reset and the runtime call log.
Progress itself is written by tracking.py."""

from __future__ import annotations

import time
import uuid
from typing import Any

import peewee

from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError
from scorm_api.packages import versions
from scorm_api.packages.models import Package
from scorm_api.schemas import pagination
from scorm_api.sessions import previews, signals
from scorm_api.sessions.models import RuntimeLog, ScoState, SequencingState, Session


def session_not_found() -> ApiError:
    return ApiError(404, "SESSION_NOT_FOUND", "Session not found")


# ---- create / find -----------------------------------------------------------------


def _named(session_id: str):
    return (Session.id == session_id) | (Session.external_id == session_id)


def get_session(tenant_id: str, session_id: str) -> Session:
    """A session of the tenant by the id the API shows: its own, or the one its launch chose."""
    s = (
        Session.select(Session, Package)
        .join(Package, on=Session.package_version)
        .where(
            ((Session.id == session_id) | (Session.external_id == session_id)) & (Session.tenant == tenant_id)
        )
        .first()
    )
    if s is None:
        raise session_not_found()
    return s


def find_sessions(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Session]:
    """Many sessions by (tenant, the id the API shows) in one read: the ones that exist."""
    if not keys:
        return {}
    ids = {k[1] for k in keys}
    rows = (
        Session.select(Session, Package)
        .join(Package, on=Session.package_version)
        .where(
            Session.tenant.in_({k[0] for k in keys}) & (Session.id.in_(ids) | Session.external_id.in_(ids))
        )
    )
    found: dict[tuple[str, str], Session] = {}
    for s in rows:
        for key in ((s.tenant_id, s.id), (s.tenant_id, s.external_id)):
            if key in keys:
                found.setdefault(key, s)
    return found


def _row_id(tenant_id: str, chosen: str) -> str:
    """The row id of a session whose id the caller chose: the choice itself when it is a UUID
    no session has (so it is also the xAPI registration), else a UUID derived from the tenant
    and the choice (another tenant's choice can never take it, nor learn it is taken)."""
    try:
        as_uuid = str(uuid.UUID(chosen))
    except ValueError:
        as_uuid = None
    if as_uuid == chosen.lower() and not Session.select().where(Session.id == as_uuid).exists():
        return as_uuid
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"scorm-api:session:{tenant_id}:{chosen}"))


def launch_package(tenant_id: str, package_id: str, user_id: str, session_id: str | None) -> Session:
    """The cloud's POST /packages/{id}/launch: without session_id, the learner's current
    session (made if none); with one the caller chose, a new session under that id (a new
    attempt when the learner has one), or 409 "Session already exists"."""
    if session_id is None:
        return create_session(tenant_id, package_id, user_id, None, new_attempt=False)[0]
    with write_transaction():
        taken = Session.select().where(_named(session_id) & (Session.tenant == tenant_id))
        if taken.exists():
            raise ApiError(409, "CONFLICT", "Session already exists", {"session_id": session_id})
        return create_session(tenant_id, package_id, user_id, None, new_attempt=True, chosen_id=session_id)[0]


def create_session(
    tenant_id: str,
    package_id: str,
    user_id: str,
    user_name: str | None,
    new_attempt: bool,
    chosen_id: str | None = None,
) -> tuple[Session, bool]:
    pkg = versions.live(tenant_id, package_id)  # a new session gets the newest ready version
    with write_transaction():
        current = (
            Session.select()
            .where(
                (Session.package == package_id) & (Session.user_id == user_id) & (Session.is_current == True)  # noqa: E712 (peewee builds SQL from ==)
            )
            .first()
        )
        if current is not None and not new_attempt:
            if user_name and current.user_name != user_name:
                current.user_name = user_name
                current.save()
            return current, False
        attempt = (
            Session.select(peewee.fn.MAX(Session.attempt))
            .where((Session.package == package_id) & (Session.user_id == user_id))
            .scalar()
            or 0
        ) + 1
        if current is not None:
            Session.update(is_current=False).where(Session.id == current.id).execute()
            end_launches(current)
        now = utcnow_iso()
        session = Session.create(
            id=_row_id(tenant_id, chosen_id) if chosen_id else new_id(),
            external_id=chosen_id,
            tenant=tenant_id,
            package=package_id,
            package_version=pkg.id,
            user_id=user_id,
            user_name=user_name,
            attempt=attempt,
            is_current=True,
            version=1,
            created_at=now,
            updated_at=now,
        )
        session.package_version = pkg
        signals.session_created.send(session)
    return session, True


SORTS: dict[str, Any] = {
    "updated_at": Session.updated_at,
    "created_at": Session.created_at,
    "last_launched_at": Session.last_launched_at,
    "user_id": Session.user_id,
    "user_name": Session.user_name,
    "completion_status": Session.completion_status,
    "success_status": Session.success_status,
    "score": Session.score_scaled,
    "time_spent_seconds": Session.time_spent_seconds,
}


def _filtered(tenant_id: str, filters: dict):
    """The matching sessions (no join), in the requested order; ties broken by id in the same
    direction, so the covering indexes of migration 7 serve the order."""
    query = Session.select().where(Session.tenant == tenant_id)
    for field in ("completion_status", "success_status", "user_id"):
        if filters.get(field):
            query = query.where(getattr(Session, field) == filters[field])
    if filters.get("package_id"):
        query = query.where(Session.package == filters["package_id"])
    if filters.get("search"):  # a learner's id or name containing the text, any case
        text = filters["search"].lower()
        query = query.where(
            peewee.fn.LOWER(Session.user_id).contains(text)
            | peewee.fn.LOWER(Session.user_name).contains(text)
        )
    if not filters.get("all_attempts"):
        query = query.where(Session.is_current == True)  # noqa: E712
    if not filters.get("previews"):
        query = query.where(previews.not_preview())
    return query


def _ordering(filters: dict) -> tuple:
    column = SORTS[filters.get("sort") or "updated_at"]
    if filters.get("order") == "asc":
        return column.asc(nulls="LAST"), Session.id.asc()
    return column.desc(nulls="LAST"), Session.id.desc()


def _with_package(ids_query, filters: dict):
    """The sessions whose ids the (narrow, indexed) query picked, with their version's title."""
    return (
        Session.select(Session, Package.title, Package.version, Package.id, Package.version_number)
        .join(Package, on=Session.package_version)
        .where(Session.id.in_(ids_query))
        .order_by(*_ordering(filters))
    )


def _page_of(base, filters: dict, page: int, limit: int) -> list[Session]:
    ids = base.select(Session.id).order_by(*_ordering(filters)).paginate(page, limit)
    return list(_with_package(ids, filters))


def list_sessions(tenant_id: str, filters: dict, page: int, limit: int):
    base = _filtered(tenant_id, filters)
    total = base.count()
    return (_page_of(base, filters, page, limit) if total else []), pagination(page, limit, total)


def iter_sessions(tenant_id: str, filters: dict, batch: int = 1000):
    """Every matching session, fetched a batch at a time (exports of any size, bounded memory)."""
    base = _filtered(tenant_id, filters)
    page = 1
    while True:
        rows = _page_of(base, filters, page, batch)
        yield from rows
        if len(rows) < batch:
            return
        page += 1


def end_launches(session: Session) -> None:
    """End every open launch of the session: tokens minted before now can no longer write
    (sessions.tracking checks the epoch), and the features above end theirs (signal)."""
    session.launch_epoch_ms = epoch_ms()
    Session.update(launch_epoch_ms=session.launch_epoch_ms).where(Session.id == session.id).execute()
    signals.launches_ended.send(session)


def epoch_ms() -> int:
    return int(time.time() * 1000)


def check_launch_open(session: Session, started_ms: int) -> None:
    """Raise 409 when the launch that started at `started_ms` was ended by end_launches."""
    if started_ms < session.launch_epoch_ms:
        raise ApiError(
            409,
            "CONFLICT",
            "This launch has ended: the session's progress was reset or a new attempt began. "
            "Launch the course again.",
            {"session_id": session.id},
        )


def reset_progress(tenant_id: str, session_id: str) -> Session:
    with write_transaction():
        session = get_session(tenant_id, session_id)
        end_launches(session)
        ScoState.delete().where(ScoState.session == session.id).execute()
        SequencingState.delete().where(SequencingState.session == session.id).execute()
        session.completion_status, session.success_status = "not_attempted", "unknown"
        session.score_scaled = session.score_raw = session.score_min = session.score_max = None
        session.time_spent_seconds, session.session_time, session.completed_at = 0, None, None
        session.version += 1
        session.updated_at = utcnow_iso()
        session.save()
    return session


def read_log(tenant_id: str, session_id: str, limit: int = 5000) -> list[dict]:
    """The runtime call log: every API call the content made, per launch, in call order."""
    session = get_session(tenant_id, session_id)
    out: list[dict[str, Any]] = []
    for row in RuntimeLog.select().where(RuntimeLog.session == session.id).order_by(RuntimeLog.created_at):
        out.extend({"launch_id": row.launch_id, "item_id": row.item_id, **e} for e in row.entries)
    # Batches from one page can arrive out of order (a periodic flush racing the unload
    # beacon); each entry carries the time of its call and the page's call counter.
    out.sort(key=lambda e: (str(e.get("t", "")), e.get("n") if isinstance(e.get("n"), int) else 0))
    return out[:limit]
