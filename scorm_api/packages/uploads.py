"""Upload tickets: the seed's presigned flow (mint, PUT) and the small multipart upload.

A ticket allows one PUT of exactly `file_size` bytes with the required headers before it
expires; claiming it is one conditional UPDATE, so two concurrent PUTs cannot both win.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError, validation_error
from scorm_api.packages.models import Upload
from scorm_api.packages.processing import check_room
from scorm_api.state import State
from scorm_api.storage.interface import PutGrant

ZIP_CONTENT_TYPE = "application/zip"
UPLOADS = "uploads"  # where the upload tickets' objects are kept
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME.sub("_", base).strip("._") or "package"
    return base[:120] if base.lower().endswith(".zip") else base[:116] + ".zip"


def epoch_iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def mint_upload(
    state: State,
    tenant_id: str,
    filename: str,
    file_size: int,
    uploaded_by: str | None,
    package_id: str | None = None,
) -> dict:
    if file_size > state.settings.max_package_bytes:
        raise validation_error({"file_size": [f"Must be at most {state.settings.max_package_bytes} bytes"]})
    check_room(tenant_id, package_id)
    upload_id = new_id()
    key = upload_key(tenant_id, upload_id, filename)
    url, expires = state.storage.presign_put(
        key, file_size, ZIP_CONTENT_TYPE, state.settings.upload_url_ttl_seconds
    )
    with write_transaction():
        new_ticket(
            upload_id,
            tenant_id,
            key,
            filename,
            file_size,
            uploaded_by,
            status="pending",
            expires_at=epoch_iso(expires),
            created_at=utcnow_iso(),
        )
    return {
        "upload_id": upload_id,
        "presigned_url": url,
        "method": "PUT",
        "storage_path": key,
        "required_put_headers": {"Content-Type": ZIP_CONTENT_TYPE},
        "file_size": file_size,
        "expires_at": epoch_iso(expires),
        "expires_in": state.settings.upload_url_ttl_seconds,
    }


class Tickets:
    """storage.puts.PutReceiver of the upload tickets: a presigned PUT to `uploads/...` lands
    only while its ticket is pending, and completes it."""

    prefix = UPLOADS + "/"

    def claim(self, key: str, grant: PutGrant) -> None:
        with write_transaction():
            claimed = (
                Upload.update(status="uploading")
                .where((Upload.storage_path == key) & (Upload.status == "pending"))
                .execute()
            )
            if not claimed:
                upload = Upload.get_or_none(Upload.storage_path == key)
                if upload is None:
                    raise ApiError(404, "NOT_FOUND", "This upload no longer exists")
                raise ApiError(
                    409,
                    "CONFLICT",
                    "This upload URL has already been used"
                    if upload.status != "uploading"
                    else "An upload to this URL is in progress",
                    {"upload_status": upload.status},
                )

    def release(self, key: str) -> None:
        Upload.update(status="pending").where(Upload.storage_path == key).execute()

    def complete(self, key: str) -> dict:
        with write_transaction():  # (the checksum is taken while processing, which reads it anyway)
            Upload.update(status="complete", completed_at=utcnow_iso()).where(
                Upload.storage_path == key
            ).execute()
        upload = Upload.get(Upload.storage_path == key)
        return {"storage_path": upload.storage_path, "size": upload.file_size}


def upload_key(tenant_id: str, upload_id: str, filename: str) -> str:
    return f"{UPLOADS}/{tenant_id}/{upload_id}/{safe_filename(filename)}"


def store_multipart(state: State, tenant_id: str, file_storage, uploaded_by: str | None) -> Upload:
    """POST /packages/upload: the form's file becomes a completed upload ticket."""
    return store(state, tenant_id, file_storage.stream, file_storage.filename or "package.zip", uploaded_by)


def store(state: State, tenant_id: str, stream, filename: str, uploaded_by: str | None) -> Upload:
    """A zip read from `stream` becomes a completed upload ticket (a form's file, a sync
    file's package)."""
    upload_id = new_id()
    key = upload_key(tenant_id, upload_id, filename)
    stored = state.storage.put(key, stream, max_bytes=state.settings.max_upload_bytes)
    size, sha256 = stored.size, stored.sha256
    if size == 0:
        state.storage.delete(key)
        raise validation_error({"file": ["The file is empty"]})
    now = utcnow_iso()
    with write_transaction():
        return new_ticket(
            upload_id,
            tenant_id,
            key,
            filename,
            size,
            uploaded_by,
            status="complete",
            sha256=sha256,
            expires_at=now,
            created_at=now,
            completed_at=now,
        )


def new_ticket(
    upload_id: str, tenant_id: str, key: str, filename: str, size: int, uploaded_by: str | None, **fields: Any
) -> Upload:
    return Upload.create(
        id=upload_id,
        tenant=tenant_id,
        storage_path=key,
        filename=filename,
        file_size=size,
        content_type=ZIP_CONTENT_TYPE,
        uploaded_by=uploaded_by,
        **fields,
    )
