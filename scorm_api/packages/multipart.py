"""Multipart upload for large packages, as the cloud documents for packages over 100 MB
(`POST /api/v1/packages/multipart/init`): the zip goes up in parts, each a presigned PUT of
its exact size, in any order and in parallel; a part that failed is simply PUT again, and a
client that lost its place asks which parts are still missing (fresh URLs for them). When all
are in, `complete` joins them into the upload's object, which `POST /packages/process` then
imports as any upload; `abort` throws the parts away.

The upload is an ordinary upload ticket (packages.models.Upload, status `multipart` until it
is complete), so processing, quotas and retention are the presigned flow's.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any, BinaryIO

from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError, validation_error
from scorm_api.packages.models import MultipartUpload, Upload
from scorm_api.packages.processing import check_room
from scorm_api.packages.uploads import ZIP_CONTENT_TYPE, epoch_iso, new_ticket, upload_key
from scorm_api.state import State
from scorm_api.storage.interface import PutGrant

MiB = 1024 * 1024
PARTS = "multipart"  # where the parts are kept until they are joined
DEFAULT_PART_SIZE = 16 * MiB
MIN_PART_SIZE = 5 * MiB  # as S3's: a part smaller than this is only ever the last one
MAX_PART_SIZE = 512 * MiB
MAX_PARTS = 10_000


def _part_key(tenant_id: str, upload_id: str, number: int) -> str:
    return f"{PARTS}/{tenant_id}/{upload_id}/{number:05d}"


def _part_size(mp: MultipartUpload, upload: Upload, number: int) -> int:
    return upload.file_size - (number - 1) * mp.part_size if number == mp.part_count else mp.part_size


def _part_urls(state: State, mp: MultipartUpload, upload: Upload, numbers) -> list[dict]:
    ttl = state.settings.upload_url_ttl_seconds
    out = []
    for n in numbers:
        size = _part_size(mp, upload, n)
        url, expires = state.storage.presign_put(
            _part_key(upload.tenant_id, upload.id, n), size, ZIP_CONTENT_TYPE, ttl
        )
        out.append({"part_number": n, "url": url, "size": size, "expires_at": epoch_iso(expires)})
    return out


def init(
    state: State,
    tenant_id: str,
    filename: str,
    file_size: int,
    part_size: int | None,
    uploaded_by: str | None,
    package_id: str | None = None,
) -> dict[str, Any]:
    if file_size > state.settings.max_package_bytes:
        raise validation_error({"file_size": [f"Must be at most {state.settings.max_package_bytes} bytes"]})
    part_size = part_size or max(DEFAULT_PART_SIZE, math.ceil(file_size / MAX_PARTS))
    count = math.ceil(file_size / part_size)
    if count > MAX_PARTS:
        raise validation_error(
            {"part_size": [f"Makes {count} parts; at most {MAX_PARTS}: choose larger parts"]}
        )
    check_room(tenant_id, package_id)
    upload_id = new_id()
    now = utcnow_iso()
    with write_transaction():
        upload = new_ticket(
            upload_id,
            tenant_id,
            upload_key(tenant_id, upload_id, filename),
            filename,
            file_size,
            uploaded_by,
            status="multipart",
            expires_at=utcnow_iso(_ttl(state)),
            created_at=now,
        )
        mp = MultipartUpload.create(
            upload=upload_id,
            part_size=part_size,
            part_count=count,
            received=[],
            status="open",
            created_at=now,
        )
    return {**view(state, mp, upload), "parts": _part_urls(state, mp, upload, range(1, count + 1))}


def _ttl(state: State) -> timedelta:
    return timedelta(seconds=state.settings.upload_url_ttl_seconds * 24)  # parts may be re-minted meanwhile


def get(tenant_id: str, upload_id: str) -> tuple[MultipartUpload, Upload]:
    upload = Upload.get_or_none((Upload.id == upload_id) & (Upload.tenant == tenant_id))
    mp = MultipartUpload.get_or_none(MultipartUpload.upload == upload_id) if upload else None
    if upload is None or mp is None:
        raise ApiError(404, "NOT_FOUND", "No multipart upload with that id")
    return mp, upload


def view(state: State, mp: MultipartUpload, upload: Upload) -> dict[str, Any]:
    return {
        "upload_id": upload.id,
        "storage_path": upload.storage_path,
        "file_size": upload.file_size,
        "part_size": mp.part_size,
        "part_count": mp.part_count,
        "parts_received": sorted(mp.received),
        "status": mp.status,
        "required_put_headers": {"Content-Type": ZIP_CONTENT_TYPE},
        "expires_at": upload.expires_at,
    }


def status(state: State, tenant_id: str, upload_id: str) -> dict[str, Any]:
    """Where an upload stands, with fresh URLs for the parts still missing (to resume)."""
    mp, upload = get(tenant_id, upload_id)
    missing = (
        [n for n in range(1, mp.part_count + 1) if n not in set(mp.received)] if mp.status == "open" else []
    )
    return {**view(state, mp, upload), "missing_parts": _part_urls(state, mp, upload, missing)}


class _Joined:
    """The parts, read one after another as one stream (storage.put reads it once)."""

    def __init__(self, state: State, keys: list[str]):
        self._state, self._keys = state, list(keys)
        self._current: BinaryIO | None = None

    def read(self, n: int = -1) -> bytes:
        while True:
            if self._current is None:
                if not self._keys:
                    return b""
                opened = self._state.storage.open(self._keys.pop(0))
                if opened is None:
                    raise ApiError(409, "CONFLICT", "A part of this upload is gone: upload it again")
                self._current = opened.stream
            chunk = self._current.read(n)
            if chunk:
                return chunk
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()


def complete(state: State, tenant_id: str, upload_id: str) -> dict[str, Any]:
    mp, upload = get(tenant_id, upload_id)
    if mp.status == "complete":
        return view(state, mp, upload)  # a retried complete: already done
    if mp.status != "open":
        raise ApiError(409, "CONFLICT", f"This upload was {mp.status}")
    missing = sorted(set(range(1, mp.part_count + 1)) - set(mp.received))
    if missing:
        raise ApiError(
            409, "CONFLICT", f"{len(missing)} part(s) have not arrived yet", {"missing_parts": missing[:100]}
        )
    keys = [_part_key(tenant_id, upload_id, n) for n in range(1, mp.part_count + 1)]
    joined: BinaryIO = _Joined(state, keys)  # type: ignore[assignment]
    try:
        stored = state.storage.put(upload.storage_path, joined, size=upload.file_size)
    finally:
        joined.close()
    with write_transaction():
        MultipartUpload.update(status="complete").where(MultipartUpload.upload == upload_id).execute()
        Upload.update(status="complete", sha256=stored.sha256, completed_at=utcnow_iso()).where(
            Upload.id == upload_id
        ).execute()
    state.storage.delete_tree(f"{PARTS}/{tenant_id}/{upload_id}")
    return view(state, *get(tenant_id, upload_id))


def abort(state: State, tenant_id: str, upload_id: str) -> None:
    mp, _ = get(tenant_id, upload_id)
    if mp.status == "complete":
        raise ApiError(409, "CONFLICT", "This upload is complete; delete its package instead")
    with write_transaction():
        MultipartUpload.update(status="aborted").where(MultipartUpload.upload == upload_id).execute()
        Upload.update(status="aborted").where(Upload.id == upload_id).execute()
    state.storage.delete_tree(f"{PARTS}/{tenant_id}/{upload_id}")


class Parts:
    """storage.puts.PutReceiver of the parts: a part may be PUT (again) while its upload is
    open; each arrival is recorded."""

    prefix = PARTS + "/"

    @staticmethod
    def _parse(key: str) -> tuple[str, int]:
        _, _tenant, upload_id, number = key.split("/")
        return upload_id, int(number)

    def claim(self, key: str, grant: PutGrant) -> None:
        upload_id, _ = self._parse(key)
        mp = MultipartUpload.get_or_none(MultipartUpload.upload == upload_id)
        if mp is None:
            raise ApiError(404, "NOT_FOUND", "This upload no longer exists")
        if mp.status != "open":
            raise ApiError(409, "CONFLICT", f"This upload is {mp.status}", {"upload_status": mp.status})

    def release(self, key: str) -> None:
        pass  # nothing was recorded: the part may come again

    def complete(self, key: str) -> dict[str, Any]:
        upload_id, number = self._parse(key)
        with write_transaction():
            mp = MultipartUpload.get(MultipartUpload.upload == upload_id)
            if number not in mp.received:
                mp.received = sorted({*mp.received, number})
                MultipartUpload.update(received=mp.received).where(
                    MultipartUpload.upload == upload_id
                ).execute()
        return {"upload_id": upload_id, "part_number": number, "parts_received": len(mp.received)}
