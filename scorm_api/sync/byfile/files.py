"""Sync files over the API (the dashboard's Sync page): a file written into storage for the
operator to download, the newest few per destination kept; and a file sent to be imported,
received into scratch space, checked whole and accepted before the answer, applied in the
background as its run."""

from __future__ import annotations

import logging
import secrets
import threading
from pathlib import Path
from typing import BinaryIO

from flask import Flask

from scorm_api.db import database, utcnow_iso, write_transaction
from scorm_api.errors import ApiError, not_found
from scorm_api.state import State
from scorm_api.sync.byfile import bundle, export, importer, keys
from scorm_api.sync.models import SyncFile, SyncTrust

log = logging.getLogger(__name__)
KEEP = 3  # files kept per destination: the newest, and two before it to download again
_writing = threading.Lock()  # two files for one destination at once would follow the same one
CHUNK = 1024 * 1024


def storage_key(tenant_id: str, file_id: str) -> str:
    return f"sync-files/{tenant_id}/{file_id}.sync"


def write_stored(state: State, tenant_id: str, destination: str, full: bool) -> SyncFile:
    """A new file for `destination`, in storage; what it carries counts as sent once it is
    there (the operator downloads it, as often as needed)."""
    state.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with _writing:
        tmp = state.settings.tmp_dir / f"sync-file-{secrets.token_hex(8)}.sync"
        try:
            try:
                out = export.write(state, tenant_id, tmp, destination, full)
            except export.ExportError as e:
                raise ApiError(400, "VALIDATION_ERROR", str(e)) from None
            key = storage_key(tenant_id, out.file_id)
            with open(tmp, "rb") as f:
                state.storage.put(key, f, size=out.size)
            with write_transaction():
                row = SyncFile.create(
                    id=out.file_id,
                    tenant=tenant_id,
                    destination=destination,
                    sequence=out.sequence,
                    follows=out.follows,
                    size=out.size,
                    storage_key=key,
                    counts={**out.counts, "not_carried": out.not_carried},
                    created_at=utcnow_iso(),
                )
            out.mark()
        finally:
            tmp.unlink(missing_ok=True)
        _prune(state, tenant_id, destination)
    return row


def _prune(state: State, tenant_id: str, destination: str) -> None:
    old = list(
        SyncFile.select()
        .where((SyncFile.tenant == tenant_id) & (SyncFile.destination == destination))
        .order_by(SyncFile.created_at.desc(), SyncFile.sequence.desc())
        .offset(KEEP)
    )
    for row in old:
        with write_transaction():
            row.delete_instance()
        state.storage.delete(row.storage_key)


def listed(tenant_id: str) -> list[SyncFile]:
    return list(
        SyncFile.select().where(SyncFile.tenant == tenant_id).order_by(SyncFile.created_at.desc()).limit(100)
    )


def get(tenant_id: str, file_id: str) -> SyncFile:
    row = SyncFile.get_or_none((SyncFile.id == file_id) & (SyncFile.tenant == tenant_id))
    if row is None:
        raise not_found("NOT_FOUND", "Sync file not found")
    return row


def signer(state: State) -> dict:
    """Who signs the files written here: what the importing side is shown to compare."""
    key = keys.public_hex(keys.load_or_create(state.settings.data_dir))
    return {"instance_id": state.instance_id, "fingerprint": keys.fingerprint(key)}


def view(row: SyncFile, signed_by: dict) -> dict:
    counts = dict(row.counts or {})
    not_carried = counts.pop("not_carried", [])
    return {
        "id": row.id,
        "destination": row.destination,
        "sequence": row.sequence,
        "follows": row.follows,
        "size": row.size,
        "counts": counts,
        "not_carried": not_carried,
        "created_at": row.created_at,
        "download_url": f"/api/v1/sync/files/{row.id}/download",
        "signed_by": signed_by,
    }


def file_name(row: SyncFile) -> str:
    return f"scorm-api-sync-{row.destination}-{row.sequence:04d}.sync"


# ---- importing ------------------------------------------------------------------------------


def receive(state: State, stream: BinaryIO) -> Path:
    """The request's body into scratch space, at most max_sync_file_bytes (413 above)."""
    cap = state.settings.max_sync_file_bytes
    state.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    path = state.settings.tmp_dir / f"sync-upload-{secrets.token_hex(8)}.sync"
    size = 0
    try:
        with open(path, "xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > cap:
                    raise ApiError(
                        413,
                        "PAYLOAD_TOO_LARGE",
                        "The sync file is larger than this server takes",
                        {"max_bytes": cap},
                    )
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink()
        raise ApiError(400, "VALIDATION_ERROR", "The request has no body: send the sync file's bytes")
    return path


def start_import(app: Flask, tenant_id: str, path: Path, trust: bool, name: str | None) -> importer.Prepared:
    """Checked and accepted now (400 a file that is not whole or not ours, 403 a sender not
    trusted, 409 out of order or another run going), applied on a thread of its own."""
    try:
        prepared = importer.prepare(app, tenant_id, path, trust, name)
    except bundle.BadSyncFile as e:
        raise ApiError(400, "INVALID_SYNC_FILE", str(e)) from None
    except importer.ImportRefused as e:
        details = {"reason": e.code}
        if e.signer is not None:
            details.update(instance_id=e.signer.instance_id, fingerprint=e.signer.fingerprint)
        status = {"OUT_OF_ORDER": 409, "OWN_FILE": 400}.get(e.code, 403)  # else: not trusted
        raise ApiError(status, "SYNC_FILE_REFUSED", str(e), details) from None
    finally:
        path.unlink(missing_ok=True)

    def work():
        database.connect(reuse_if_open=True)
        try:
            importer.apply(app, prepared)
        except Exception:  # the run records its own failure; this is what escaped it
            log.exception("sync file import failed", extra={"fields": {"run_id": prepared.run.id}})
        finally:
            database.close()

    threading.Thread(target=work, name=f"import-{prepared.run.id[:8]}", daemon=True).start()
    return prepared


def trusted(tenant_id: str) -> list[dict]:
    rows = SyncTrust.select().where(SyncTrust.tenant == tenant_id).order_by(SyncTrust.trusted_at.desc())
    return [
        {
            "instance_id": r.instance_id,
            "name": r.name,
            "fingerprint": keys.fingerprint(r.public_key),
            "trusted_at": r.trusted_at,
        }
        for r in rows
    ]


def distrust(tenant_id: str, instance_id: str) -> None:
    with write_transaction():
        gone = (
            SyncTrust.delete()
            .where((SyncTrust.tenant == tenant_id) & (SyncTrust.instance_id == instance_id))
            .execute()
        )
    if not gone:
        raise not_found("NOT_FOUND", "No trusted instance with this id")
