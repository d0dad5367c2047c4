"""Lasting launch links: one learner, one course, valid until revoked (or for the hours or days
chosen). A trainer makes them before a class and hands them out printed; the seed's launch
links last minutes (sessions.launch_links) because they are minted at the moment of launch.

The link's id is the secret in its URL (`/player/link/<id>`, on the content origin): 32 random
bytes, as unguessable as a signed token and, unlike one, revocable. Every opening reads the
record, then resumes the learner's current session of the course (made when there is none,
on the newest ready version), exactly as a launch through the API would."""

from __future__ import annotations

import secrets
from datetime import timedelta

import peewee

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.errors import ApiError
from scorm_api.learners.models import Learner, LearnerLink
from scorm_api.packages import versions
from scorm_api.packages.models import Package
from scorm_api.schemas import pagination
from scorm_api.sessions import services
from scorm_api.sessions.models import Session

PATH = "/player/link/"
MAX_VALID_HOURS = 24 * 366


def link_not_found() -> ApiError:
    return ApiError(404, "LINK_NOT_FOUND", "This link is not known here. Check that it was copied whole")


def url_of(content_base_url: str, link: LearnerLink) -> str:
    return f"{content_base_url}{PATH}{link.id}"


def to_api(content_base_url: str, link: LearnerLink) -> dict:
    status = "revoked" if link.revoked_at else "expired" if _expired(link) else "active"
    return {
        "id": link.id,
        "learner_id": link.learner_id,
        "learner_name": getattr(link, "learner_name", None),
        "package_id": link.package_id,
        "package_title": getattr(link, "package_title", None),
        "launch_url": url_of(content_base_url, link),
        "status": status,
        "expires_at": link.expires_at,
        "revoked_at": link.revoked_at,
        "use_count": link.use_count,
        "last_used_at": link.last_used_at,
        "created_at": link.created_at,
    }


def _expired(link: LearnerLink) -> bool:
    return link.expires_at is not None and link.expires_at <= utcnow_iso()


def create(tenant_id: str, learner_id: str, package_id: str, valid_hours: int | None) -> LearnerLink:
    """A new link; `valid_hours` None: until revoked. The learner must exist (a link for a typo
    would make a new learner on the day), and the course must be ready to launch."""
    versions.live(tenant_id, package_id)  # 404 for another tenant's, 409 while not ready
    now = utcnow_iso()
    with write_transaction():
        learner = Learner.get_or_none((Learner.tenant == tenant_id) & (Learner.learner_id == learner_id))
        if learner is None:
            raise ApiError(404, "LEARNER_NOT_FOUND", "Learner not found", {"learner_id": learner_id})
        link = LearnerLink.create(
            id=secrets.token_urlsafe(32),
            tenant=tenant_id,
            learner_id=learner_id,
            package=package_id,
            expires_at=utcnow_iso(timedelta(hours=valid_hours)) if valid_hours else None,
            created_at=now,
        )
    return find(tenant_id, link.id)


def _listed():
    return (
        LearnerLink.select(
            LearnerLink, Learner.name.alias("learner_name"), Package.title.alias("package_title")
        )
        .join(Package, on=(Package.id == LearnerLink.package))
        .join(
            Learner,
            on=((Learner.tenant == LearnerLink.tenant) & (Learner.learner_id == LearnerLink.learner_id)),
            join_type=peewee.JOIN.LEFT_OUTER,
            src=LearnerLink,
        )
    )


def find(tenant_id: str, link_id: str) -> LearnerLink:
    found = _listed().where((LearnerLink.tenant == tenant_id) & (LearnerLink.id == link_id)).objects().first()
    if found is None:
        raise link_not_found()
    return found


def list_links(tenant_id: str, filters: dict, page: int, limit: int):
    """The tenant's links, by course then learner name (the printed list's order); revoked and
    expired ones only when asked for."""
    query = _listed().where(LearnerLink.tenant == tenant_id)
    for field in ("learner_id", "package_id"):
        if filters.get(field):
            query = query.where(getattr(LearnerLink, field) == filters[field])
    if not filters.get("include_inactive"):
        now = utcnow_iso()
        query = query.where(
            LearnerLink.revoked_at.is_null()
            & (LearnerLink.expires_at.is_null() | (LearnerLink.expires_at > now))
        )
    total = query.count()
    rows = (
        query.order_by(Package.title, Learner.name, LearnerLink.learner_id, LearnerLink.created_at)
        .paginate(page, limit)
        .objects()
    )
    return list(rows), pagination(page, limit, total)


def revoke(tenant_id: str, link_id: str) -> LearnerLink:
    """Revoked at once and for good; revoking again changes nothing."""
    with write_transaction():
        link = find(tenant_id, link_id)
        if link.revoked_at is None:
            LearnerLink.update(revoked_at=utcnow_iso()).where(LearnerLink.id == link.id).execute()
    return find(tenant_id, link_id)


def open_link(link_id: str) -> Session:
    """The learner's session for an opened link, or why it does not open (410 when revoked or
    expired: the link was real, and is no more)."""
    link = LearnerLink.get_or_none(LearnerLink.id == link_id)
    if link is None:
        raise link_not_found()
    if link.revoked_at:
        raise ApiError(
            410, "LINK_REVOKED", "This link has been withdrawn. Ask your trainer for a new one", {}
        )
    if _expired(link):
        raise ApiError(410, "LINK_EXPIRED", "This link has expired. Ask your trainer for a new one", {})
    learner = Learner.get_or_none(
        (Learner.tenant == link.tenant_id) & (Learner.learner_id == link.learner_id)
    )
    with write_transaction():
        session, _ = services.create_session(
            link.tenant_id, link.package_id, link.learner_id, learner.name if learner else None, False
        )
        LearnerLink.update(use_count=LearnerLink.use_count + 1, last_used_at=utcnow_iso()).where(
            LearnerLink.id == link.id
        ).execute()
    return session
