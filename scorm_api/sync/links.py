"""The persistent map between local objects and the target's: read and written one row at a
time, each write its own short transaction, so a run stopped anywhere keeps what it did."""

from __future__ import annotations

import hashlib

from scorm_api.db import Prepared, PreparedText, utcnow_iso, write_transaction
from scorm_api.sync.models import SyncLink


def target_key(url: str, remote_tenant_id: str) -> str:
    """One map per (target, remote tenant): syncing to a second target starts afresh."""
    return hashlib.sha256(f"{url.rstrip('/').lower()}\n{remote_tenant_id}".encode()).hexdigest()


_GET = Prepared(
    lambda: SyncLink.select().where(
        (SyncLink.tenant == "")
        & (SyncLink.target_key == "")
        & (SyncLink.kind == "")
        & (SyncLink.local_id == "")
    )
)
_COLUMNS = ("remote_id", "state", "local_version", "remote_version", "detail", "updated_at")
_KEY = ("tenant_id", "target_key", "kind", "local_id")
_INSERT = PreparedText(
    lambda p: (
        f"INSERT INTO sync_link ({', '.join(_KEY + _COLUMNS)}) "
        f"VALUES ({', '.join([p] * (len(_KEY) + len(_COLUMNS)))})"
    )
)
_UPDATES: dict[tuple[str, ...], PreparedText] = {}  # one per set of fields written (a handful)


def _update(fields: tuple[str, ...]) -> PreparedText:
    if fields not in _UPDATES:
        _UPDATES[fields] = PreparedText(
            lambda p: (
                f"UPDATE sync_link SET {', '.join(f'{f} = {p}' for f in fields)} "
                f"WHERE {' AND '.join(f'{k} = {p}' for k in _KEY)}"
            )
        )
    return _UPDATES[fields]


class Links:
    def __init__(self, tenant_id: str, key: str):
        self.tenant_id, self.key = tenant_id, key

    def where(self, kind: str):
        """This map's links of one kind (a condition, for queries over them)."""
        return (
            (SyncLink.tenant == self.tenant_id) & (SyncLink.target_key == self.key) & (SyncLink.kind == kind)
        )

    def get(self, kind: str, local_id: str) -> SyncLink | None:
        found = _GET.models(SyncLink, self.tenant_id, self.key, kind, local_id)
        return found[0] if found else None

    def of(self, kind: str, local_ids: list[str]) -> dict[str, SyncLink]:
        if not local_ids:
            return {}
        return {
            r.local_id: r
            for r in SyncLink.select().where(self.where(kind) & SyncLink.local_id.in_(local_ids))
        }

    def save(self, kind: str, local_id: str, **fields) -> None:
        """Write these fields of the link (made, in state "new" unless given, if it is not
        there yet): its own short transaction, with SQL compiled once per set of fields."""
        fields["updated_at"] = utcnow_iso()
        if "detail" in fields:
            fields["detail"] = SyncLink.detail.db_value(fields["detail"])
        names = tuple(sorted(fields))
        key = (self.tenant_id, self.key, kind, local_id)
        with write_transaction():
            updated = _update(names).execute(*(fields[n] for n in names), *key).rowcount
            if not updated:
                row = {"state": "new", "remote_id": None, "local_version": None, "remote_version": None}
                row["detail"] = None
                row.update(fields)
                _INSERT.execute(*key, *(row[c] for c in _COLUMNS))

    def forget(self, kind: str, local_id: str) -> None:
        with write_transaction():
            SyncLink.delete().where(self.where(kind) & (SyncLink.local_id == local_id)).execute()
