"""The tenant's learners: listed and searched (the launch dialog's picker), made explicitly,
renamed and merged. A learner is the `user_id` their sessions carry; the record keeps the name
people see, and is made with a learner's first session when nobody made it before.

Merging moves every session of one learner to the other. Where both have sessions of the same
course, both are kept, as attempts of the one learner: SCORM Cloud keeps every registration
and Moodle's merge-users tool renumbers quiz attempts rather than dropping one, and a trainer
merging a typo into the real learner expects neither learner's progress to vanish. The
package's attempts are numbered again in the order of their last activity, so the one the
learner worked on last is the current one (the one a launch resumes); the answer names those
courses. Statements already stored keep the actor they were written with (xAPI statements are
not changed once stored)."""

from __future__ import annotations

import peewee

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.dispatches.models import Dispatch, Registration
from scorm_api.errors import ApiError, validation_error
from scorm_api.learners import signals
from scorm_api.learners.erasure import learner_not_found
from scorm_api.learners.models import Learner, LearnerLink
from scorm_api.packages.models import Package
from scorm_api.schemas import pagination
from scorm_api.sessions.models import Session
from scorm_api.sessions.previews import PREVIEW_USER_ID, is_preview

SORTS = ("name", "learner_id", "updated_at")


def _where(tenant_id: str, learner_id: str):
    return (Learner.tenant == tenant_id) & (Learner.learner_id == learner_id)


def get_learner(tenant_id: str, learner_id: str) -> Learner:
    found = Learner.get_or_none(_where(tenant_id, learner_id))
    if found is None:
        raise learner_not_found()
    return found


def note_session(session: Session, **_) -> None:
    """A session was made: its learner gets a record if they have none, and a name if theirs
    has none (session_created's receiver, in the session's transaction). The dashboard's
    Preview is no learner."""
    if is_preview(session):
        return
    now = utcnow_iso()
    Learner.insert(
        tenant=session.tenant_id,
        learner_id=session.user_id,
        name=session.user_name,
        created_at=now,
        updated_at=now,
    ).on_conflict_ignore().execute()
    if session.user_name:
        Learner.update(name=session.user_name, updated_at=now).where(
            _where(session.tenant_id, session.user_id) & Learner.name.is_null()
        ).execute()


def to_api(learner: Learner) -> dict:
    return {
        "learner_id": learner.learner_id,
        "name": learner.name,
        "sessions": getattr(learner, "session_count", None) or 0,
        "last_activity_at": getattr(learner, "last_activity_at", None),
        "created_at": learner.created_at,
        "updated_at": learner.updated_at,
    }


def _with_counts(tenant_id: str, query):
    sessions = (
        Session.select(
            Session.user_id,
            peewee.fn.COUNT(Session.id).alias("n"),
            peewee.fn.MAX(Session.updated_at).alias("last"),
        )
        .where(Session.tenant == tenant_id)
        .group_by(Session.user_id)
        .alias("s")
    )
    return query.select_extend(
        peewee.fn.COALESCE(sessions.c.n, 0).alias("session_count"),
        sessions.c.last.alias("last_activity_at"),
    ).join(sessions, peewee.JOIN.LEFT_OUTER, on=(sessions.c.user_id == Learner.learner_id))


def list_learners(tenant_id: str, search: str | None, sort: str, page: int, limit: int):
    """The tenant's learners whose id or name contains `search` (any case), with how many
    sessions each has and when they were last active."""
    # Not the Preview (a record of it may come from migration 28's fill of older sessions).
    query = Learner.select().where((Learner.tenant == tenant_id) & (Learner.learner_id != PREVIEW_USER_ID))
    if search:
        text = search.lower()
        query = query.where(
            peewee.fn.LOWER(Learner.learner_id).contains(text) | peewee.fn.LOWER(Learner.name).contains(text)
        )
    total = query.count()
    if sort == "updated_at":
        order: tuple = (Learner.updated_at.desc(), Learner.learner_id)
    elif sort == "name":  # by the name people see: a learner without one by their id
        order = (peewee.fn.LOWER(peewee.fn.COALESCE(Learner.name, Learner.learner_id)), Learner.learner_id)
    else:
        order = (Learner.learner_id,)
    rows = list(_with_counts(tenant_id, query).order_by(*order).paginate(page, limit)) if total else []
    return [to_api(r) for r in rows], pagination(page, limit, total)


def one(tenant_id: str, learner_id: str) -> dict:
    rows = list(_with_counts(tenant_id, Learner.select().where(_where(tenant_id, learner_id))))
    if not rows:
        raise learner_not_found()
    return to_api(rows[0])


def create_learner(tenant_id: str, learner_id: str, name: str | None) -> dict:
    """A learner made on purpose, before their first launch; 409 when the id is taken."""
    now = utcnow_iso()
    try:
        with write_transaction():
            if Learner.select().where(_where(tenant_id, learner_id)).exists():
                raise peewee.IntegrityError("taken")
            Learner.create(tenant=tenant_id, learner_id=learner_id, name=name, created_at=now, updated_at=now)
    except peewee.IntegrityError:  # taken before, or at the same moment by another request
        raise ApiError(
            409, "CONFLICT", "A learner with this id already exists", {"learner_id": learner_id}
        ) from None
    return one(tenant_id, learner_id)


def rename(tenant_id: str, learner_id: str, name: str | None) -> dict:
    """The learner's display name, on their record and on every session of theirs (the lists
    show it, new statements carry it, and a sync carries it with each session: a new version)."""
    now = utcnow_iso()
    with write_transaction():
        get_learner(tenant_id, learner_id)
        Learner.update(name=name, updated_at=now).where(_where(tenant_id, learner_id)).execute()
        Session.update(user_name=name, version=Session.version + 1, updated_at=now).where(
            (Session.tenant == tenant_id) & (Session.user_id == learner_id)
        ).execute()
    return one(tenant_id, learner_id)


def merge(tenant_id: str, source_id: str, target_id: str) -> dict:
    """Move every session of `source_id` to `target_id`, then remove the source's record
    (see the module's text for sessions of the same course)."""
    if source_id == target_id:
        raise validation_error({"into": ["A learner cannot be merged into themselves"]})
    now = utcnow_iso()
    with write_transaction():
        source, target = get_learner(tenant_id, source_id), get_learner(tenant_id, target_id)
        dispatches = Dispatch.select(Dispatch.id).where(Dispatch.tenant == tenant_id)
        if (
            Registration.select()
            .where(Registration.dispatch.in_(dispatches) & Registration.user_id.in_([source_id, target_id]))
            .exists()
        ):
            raise ApiError(
                409,
                "CONFLICT",
                "This learner came through a dispatch: the learning platform that launched them "
                "names them, so they cannot be merged here",
                {"learner_id": source_id},
            )
        mine = Session.tenant == tenant_id
        theirs = {
            s.package_id for s in Session.select(Session.package).where(mine & (Session.user_id == source_id))
        }
        both = {
            s.package_id
            for s in Session.select(Session.package).where(
                mine & (Session.user_id == target_id) & Session.package.in_(theirs or [""])
            )
        }
        name = target.name or source.name
        # Attempts first out of the way of the unique (package, learner, attempt) index.
        Session.update(attempt=Session.attempt * -1).where(
            mine & (Session.user_id == source_id) & Session.package.in_(both or [""])
        ).execute()
        moved = (
            Session.update(user_id=target_id, user_name=name, version=Session.version + 1, updated_at=now)
            .where(mine & (Session.user_id == source_id))
            .execute()
        )
        if name != target.name:
            Learner.update(name=name, updated_at=now).where(_where(tenant_id, target_id)).execute()
        for package_id in both:
            _renumber(tenant_id, package_id, target_id)
        LearnerLink.update(learner_id=target_id).where(
            (LearnerLink.tenant == tenant_id) & (LearnerLink.learner_id == source_id)
        ).execute()
        Learner.delete().where(_where(tenant_id, source_id)).execute()
        titles = {
            p.id: p.title
            for p in Package.select(Package.id, Package.title).where(Package.id.in_(both or [""]))
        }
        renumbered = [{"package_id": p, "title": titles.get(p)} for p in sorted(both)]
        signals.learner_merged.send(
            tenant_id, source=source_id, target=target_id, moved=moved, renumbered=renumbered
        )
    return {
        "learner": one(tenant_id, target_id),
        "merged": source_id,
        "moved_sessions": moved,
        "renumbered": renumbered,
    }


def _renumber(tenant_id: str, package_id: str, learner_id: str) -> None:
    """The learner's attempts of one package, numbered 1… in the order of their last activity;
    the last is current."""
    rows = list(
        Session.select(Session.id)
        .where(
            (Session.tenant == tenant_id) & (Session.package == package_id) & (Session.user_id == learner_id)
        )
        .order_by(Session.updated_at, Session.created_at, Session.id)
    )
    for pass_offset in (-1_000_000, 0):  # first out of the way of every attempt number in use
        for n, row in enumerate(rows, start=1):
            fields: dict = {"attempt": n if pass_offset == 0 else pass_offset - n}
            if pass_offset == 0:
                fields["is_current"] = n == len(rows)
            Session.update(**fields).where(Session.id == row.id).execute()
