"""Conflicts kept by a sync, and the choice that settles each: keep the local version (the
next run writes it over the target's) or keep the target's (the next run leaves that session
alone until it changes here again)."""

from __future__ import annotations

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.errors import ApiError, not_found
from scorm_api.schemas import paginate
from scorm_api.sync.links import Links
from scorm_api.sync.models import SyncConflict


def list_for(tenant_id: str, status: str | None, page: int, limit: int):
    q = SyncConflict.select().where(SyncConflict.tenant == tenant_id)
    if status:
        q = q.where(SyncConflict.status == status)
    return paginate(q.order_by(SyncConflict.created_at.desc(), SyncConflict.id), page, limit)


def get(tenant_id: str, conflict_id: str) -> SyncConflict:
    row = SyncConflict.get_or_none((SyncConflict.id == conflict_id) & (SyncConflict.tenant == tenant_id))
    if row is None:
        raise not_found("NOT_FOUND", "Sync conflict not found")
    return row


def resolve(tenant_id: str, conflict_id: str, keep: str) -> SyncConflict:
    with write_transaction():
        row = get(tenant_id, conflict_id)
        if row.status != "open":
            raise ApiError(409, "CONFLICT", f"This conflict was already settled ({row.status})")
        links = Links(tenant_id, row.target_key)
        link = links.get(row.kind, row.local_id)
        if link is not None:
            # Against the target's version seen in the conflict: if it moved again since, the
            # next run meets a new conflict rather than overwriting that too.
            remote = row.remote or {}
            fields = {
                "state": "synced",
                "remote_version": remote.get("version"),
                "detail": {**(link.detail or {}), "remote_updated_at": remote.get("updated_at")},
            }
            if keep == "local":
                fields["local_version"] = ""  # no version is "": sent again
            links.save(row.kind, row.local_id, **fields)
        row.status, row.resolved_at = f"kept_{keep}", utcnow_iso()
        row.save()
    return row
