"""Object storage on the filesystem, with presigned-URL emulation.

Keys are relative paths under the data dir's `files/` folder. A presigned PUT URL carries an
HMAC over method, key, size, expiry and content type, made with a secret that never leaves the
data dir; the appliance's own `/storage/<key>` endpoint checks it, the way S3 or R2 would.
Writes go to a temporary file that is renamed into place only when complete.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from scorm_api import spool
from scorm_api.config import Settings
from scorm_api.errors import ApiError

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class PutGrant:
    """What a presigned PUT URL permits, as recovered from its query string."""
    key: str
    size: int
    expires: int
    content_type: str


class Storage:
    def __init__(self, settings: Settings, secret: bytes):
        self.root = settings.files_dir
        self.tmp = settings.tmp_dir
        self.base_url = settings.base_url
        self._secret = secret

    # ---- paths -----------------------------------------------------------------------
    def path(self, key: str) -> Path:
        target = (self.root / key).resolve()
        if self.root.resolve() not in target.parents:
            raise ApiError(400, "BAD_REQUEST", "Invalid storage path")
        return target

    def package_dir(self, package_id: str) -> Path:
        return self.root / "packages" / package_id

    def staging_dir(self, name: str) -> Path:
        return self.tmp / f"{name}.partial"

    # ---- signing ---------------------------------------------------------------------
    def _signature(self, method: str, key: str, size: int, expires: int, content_type: str) -> str:
        msg = "\n".join((method, key, str(size), str(expires), content_type)).encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    def presign_put(self, key: str, size: int, content_type: str, ttl_seconds: int) -> tuple[str, int]:
        expires = int(time.time()) + ttl_seconds
        sig = self._signature("PUT", key, size, expires, content_type)
        url = (f"{self.base_url}/storage/{quote(key)}?X-Size={size}&X-Expires={expires}"
               f"&X-Signature={sig}")
        return url, expires

    def verify_put(self, key: str, args, content_type: str) -> PutGrant:
        try:
            size, expires = int(args.get("X-Size", "")), int(args.get("X-Expires", ""))
        except ValueError:
            raise ApiError(403, "FORBIDDEN", "The upload URL is not a valid presigned URL") from None
        sig = args.get("X-Signature", "")
        expected = self._signature("PUT", key, size, expires, content_type)
        if not hmac.compare_digest(sig, expected):
            raise ApiError(403, "FORBIDDEN", "The upload URL's signature does not match (wrong "
                           "URL, or a Content-Type other than the required_put_headers)")
        if expires < time.time():
            raise ApiError(403, "FORBIDDEN", "The upload URL has expired; mint a new one",
                           {"expired_at": expires})
        return PutGrant(key, size, expires, content_type)

    # ---- writing ---------------------------------------------------------------------
    @contextlib.contextmanager
    def _staged(self, key: str):
        """A temporary path that becomes `key` when the block completes; removed otherwise
        (or when the block placed it itself), so a failed write leaves nothing behind."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / f"put-{uuid.uuid4()}"
        try:
            yield tmp
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def write_exact(self, key: str, stream: BinaryIO, size: int) -> None:
        """Copy exactly `size` bytes into `key`. Nothing is left behind when the body is
        shorter or broken off.

        When the body is already in a real file (waitress spools request bodies to one), that
        file is linked into place (see scorm_api.spool) or, failing that, copied in the kernel
        (copy_file_range): either is several times faster than reading and writing through
        Python, which matters for gigabyte uploads.
        """
        source = _file_position(stream)
        if source is None:
            self._write(key, stream, size)
            return
        fd, offset = source
        with self._staged(key) as tmp:
            if offset == 0 and os.fstat(fd).st_size == size and spool.link_spooled(fd, tmp):
                return  # the spooled body itself becomes the object: no copy
            with open(tmp, "xb") as out:
                copied = 0
                while copied < size:
                    n = os.copy_file_range(fd, out.fileno(), size - copied, offset + copied)
                    if n == 0:
                        break
                    copied += n
            if copied != size:
                raise _wrong_size(copied, size)

    def write_stream(self, key: str, stream: BinaryIO, max_bytes: int) -> tuple[int, str]:
        """Stream a body of unknown length (at most `max_bytes`); return (size, SHA-256)."""
        return self._write(key, stream, None, max_bytes)

    def _write(self, key: str, stream: BinaryIO, size: int | None,
               max_bytes: int | None = None) -> tuple[int, str]:
        limit = size if size is not None else max_bytes
        digest = hashlib.sha256()
        written = 0
        with self._staged(key) as tmp:
            with open(tmp, "xb") as out:
                while written < limit:
                    chunk = stream.read(min(CHUNK, limit - written))
                    if not chunk:
                        break
                    digest.update(chunk)
                    out.write(chunk)
                    written += len(chunk)
            if size is not None:
                # An exact-size body comes from a stream already capped at its Content-Length
                # (which the caller checked); reading past that cap is itself an error in
                # werkzeug, so only a short body is possible here.
                if written != size:
                    raise _wrong_size(written, size)
            elif stream.read(1):  # a body of unknown length must be probed for more
                raise ApiError(413, "PAYLOAD_TOO_LARGE", f"The file is larger than the "
                               f"{max_bytes} bytes allowed", {"limit": max_bytes})
        return written, digest.hexdigest()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def _wrong_size(got: int, size: int) -> ApiError:
    return ApiError(400, "BAD_REQUEST", f"The body has {got} bytes; the upload URL was minted "
                    f"for exactly {size}", {"expected_bytes": size})


def _file_position(stream) -> tuple[int, int] | None:
    """(fd, offset) when `stream` (or the file it wraps) is a real, seekable file."""
    if not hasattr(os, "copy_file_range"):
        return None
    for obj in (stream, getattr(stream, "file", None)):
        try:
            return obj.fileno(), obj.tell()
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            continue
    return None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
