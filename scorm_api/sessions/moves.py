"""Moving sessions to another version of their package, as SCORM Cloud's "update
registrations to the newest version" (the cloud's FAQ: "you can force all sessions to use the
new version").

A moved session keeps everything it recorded: its statuses, score, time, dates and each
item's CMI data (kept by item identifier, so an item the new version still has resumes where
it was). What cannot follow is refused or reset, and the answer says how many:
- a session on a version of another standard (SCORM 1.2 data cannot become 2004 data) stays;
- a SCORM 2004 session's sequencing state (the activity tree's tracking, the suspended
  activity) is reset when the new version's activity tree differs: the engine cannot resume a
  tree it no longer has;
- its open launches end, as they load the old version's content.
"""

from __future__ import annotations

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.errors import ApiError
from scorm_api.packages import structure, versions
from scorm_api.packages.models import Package
from scorm_api.sessions.models import SequencingState, Session
from scorm_api.sessions.services import end_launches


def move_sessions(
    tenant_id: str, package_id: str, to_version: int | None = None, from_version: int | None = None
) -> dict:
    target = (
        versions.numbered(tenant_id, package_id, to_version)
        if to_version is not None
        else versions.live(tenant_id, package_id)
    )
    if target.status != "ready":
        raise ApiError(
            409,
            "CONFLICT",
            f"Version {target.version_number} is {target.status}; only a ready version takes sessions",
        )
    source = versions.numbered(tenant_id, package_id, from_version) if from_version is not None else None
    counts = {"moved": 0, "skipped_other_standard": 0, "sequencing_reset": 0}
    with write_transaction():
        query = Session.select().where(
            (Session.tenant == tenant_id)
            & (Session.package == target.family_id)
            & (Session.package_version != target.id)
        )
        if source is not None:
            query = query.where(Session.package_version == source.id)
        rows: dict[str, Package] = {}
        for session in query:
            old = rows.get(session.package_version_id)
            if old is None:
                old = rows[session.package_version_id] = Package.get_by_id(session.package_version_id)
            if old.standard != target.standard:
                counts["skipped_other_standard"] += 1
                continue
            if _tree(old) != _tree(target):
                reset = SequencingState.delete().where(SequencingState.session == session.id).execute()
                counts["sequencing_reset"] += reset
            Session.update(
                package_version=target.id, version=Session.version + 1, updated_at=utcnow_iso()
            ).where(Session.id == session.id).execute()
            end_launches(session)
            counts["moved"] += 1
    return {"package_id": target.family_id, "to_version": target.version_number, **counts}


def _tree(pkg: Package) -> tuple:
    """What a session's sequencing state is about: the items and the activity tree's rules."""
    return tuple(s.item_id for s in structure.scos_for(pkg.id)), structure.toc_for(pkg.id, True)
