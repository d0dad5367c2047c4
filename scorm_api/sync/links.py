"""The persistent map between local objects and the target's: read and written one row at a
time, each write its own short transaction, so a run stopped anywhere keeps what it did."""

from __future__ import annotations

import hashlib

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.sync.models import SyncLink


def target_key(url: str, remote_tenant_id: str) -> str:
    """One map per (target, remote tenant): syncing to a second target starts afresh."""
    return hashlib.sha256(f"{url.rstrip('/').lower()}\n{remote_tenant_id}".encode()).hexdigest()


class Links:
    def __init__(self, tenant_id: str, key: str):
        self.tenant_id, self.key = tenant_id, key

    def _where(self, kind: str):
        return (
            (SyncLink.tenant == self.tenant_id) & (SyncLink.target_key == self.key) & (SyncLink.kind == kind)
        )

    def get(self, kind: str, local_id: str) -> SyncLink | None:
        return SyncLink.get_or_none(self._where(kind) & (SyncLink.local_id == local_id))

    def of(self, kind: str, local_ids: list[str]) -> dict[str, SyncLink]:
        if not local_ids:
            return {}
        return {
            r.local_id: r
            for r in SyncLink.select().where(self._where(kind) & SyncLink.local_id.in_(local_ids))
        }

    def has_remote(self, kind: str, remote_id: str) -> bool:
        """Whether a local object is already mapped to this remote one."""
        return SyncLink.select().where(self._where(kind) & (SyncLink.remote_id == remote_id)).exists()

    def save(self, kind: str, local_id: str, **fields) -> SyncLink:
        fields["updated_at"] = utcnow_iso()
        with write_transaction():
            updated = (
                SyncLink.update(**fields).where(self._where(kind) & (SyncLink.local_id == local_id)).execute()
            )
            if not updated:
                SyncLink.create(
                    tenant=self.tenant_id,
                    target_key=self.key,
                    kind=kind,
                    local_id=local_id,
                    **{"state": "new", **fields},
                )
        link = self.get(kind, local_id)
        assert link is not None  # just written, in this transaction
        return link

    def forget(self, kind: str, local_id: str) -> None:
        with write_transaction():
            SyncLink.delete().where(self._where(kind) & (SyncLink.local_id == local_id)).execute()
