"""Conflicts kept by a sync, and the choice that settles each: keep the local version (the
next run writes it over the target's) or keep the target's (the next run leaves that session
alone until it changes here again). A conflict met importing a sync file (`direction`
"imported") has this instance's session as its local side and the file's as its remote: keep
"local" leaves the session as it is here, keep "remote" writes the file's version over it now."""

from __future__ import annotations

from flask import Flask

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.errors import ApiError, not_found
from scorm_api.schemas import paginate
from scorm_api.sync.links import Links
from scorm_api.sync.models import SyncConflict

# What a trainer weighs to choose between the two versions: the results, then the CMI data.
COMPARED = ("completion_status", "success_status", "score", "time_spent_seconds", "attempts")
MAX_DIFFERENCES = 20  # CMI data elements listed at most (a course may store hundreds)


def differences(local: dict | None, remote: dict | None) -> list[dict]:
    """Where the two versions of a conflict's session differ: each field or CMI element
    (`field`) with this instance's value and the target's; none when the target's version could
    not be read (`remote` None), as there is nothing to compare."""
    if remote is None:
        return []
    local = local or {}
    out = [
        {"field": f, "local": local.get(f), "remote": remote.get(f)}
        for f in COMPARED
        if _comparable(local.get(f)) != _comparable(remote.get(f))
    ]
    ours, theirs = local.get("cmi_data") or {}, remote.get("cmi_data") or {}
    changed = [k for k in sorted(set(ours) | set(theirs)) if ours.get(k) != theirs.get(k)]
    out += [{"field": k, "local": ours.get(k), "remote": theirs.get(k)} for k in changed[:MAX_DIFFERENCES]]
    return out


def _comparable(value):
    """A score's parts without the empty ones: no score and a score of nothing but nulls are
    the same."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v is not None} or None
    return value


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


def resolve(tenant_id: str, conflict_id: str, keep: str, app: Flask | None = None) -> SyncConflict:
    """`app`: this appliance's, to write an imported conflict's held version over the session
    here (keep "remote" of a conflict met importing a sync file)."""
    row = get(tenant_id, conflict_id)
    if row.direction == "imported" and keep == "remote" and row.status == "open":
        from scorm_api.sync.byfile import importer  # the sync file's side of it

        assert app is not None
        importer.apply_held(app, row)  # before the transaction: it writes through the API
    with write_transaction():
        row = get(tenant_id, conflict_id)
        if row.status != "open":
            raise ApiError(409, "CONFLICT", f"This conflict was already settled ({row.status})")
        links = Links(tenant_id, row.target_key)
        link = links.get(row.kind, row.local_id)
        if link is not None and row.direction == "imported":
            if keep == "local":  # the file's version stays unapplied; its next change applies
                detail = {k: v for k, v in (link.detail or {}).items() if k != "held"}
                links.save(
                    row.kind,
                    row.local_id,
                    state="synced",
                    remote_version=(row.local or {}).get("version"),
                    detail=detail,
                )
        elif link is not None:
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
