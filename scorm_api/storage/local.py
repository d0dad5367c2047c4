"""The object store on the local filesystem, with presigned-URL emulation.

Keys are relative paths under the data dir's `files/` folder. A presigned PUT URL carries an
HMAC over method, key, size, expiry and content type, made with a secret that never leaves the
data dir; the appliance's own `/storage/<key>` endpoint (routes.py) checks it, the way S3 or
R2 would. Writes go to a temporary file that is renamed into place only when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import shutil
import stat
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from werkzeug.security import safe_join

from scorm_api import spool
from scorm_api.config import Settings
from scorm_api.errors import ApiError
from scorm_api.storage.interface import PutGrant, Stored, StoredObject

CHUNK = 1024 * 1024
_PARTIAL = "put-"  # prefix of the temporary files of writes in progress, in tmp/


class LocalStorage:
    def __init__(self, settings: Settings, secret: bytes):
        self.root = settings.files_dir
        self.tmp = settings.tmp_dir
        self.base_url = settings.base_url
        self._secret = secret

    def path(self, key: str) -> Path:
        """The file behind a key (this backend's own business: its tests look at inodes). A
        key that would leave the store is refused."""
        joined = safe_join(str(self.root), key) if key else None
        if joined is None:
            raise ApiError(400, "BAD_REQUEST", "Invalid storage path")
        return Path(joined)

    # ---- single objects -----------------------------------------------------------------
    def put(
        self, key: str, stream: BinaryIO, *, size: int | None = None, max_bytes: int | None = None
    ) -> Stored:
        if size is None and max_bytes is None:
            raise TypeError("put() needs the exact size or a max_bytes cap")
        if size is not None:
            source = _file_position(stream)
            if source is not None:
                self._put_from_file(key, *source, size)
                return Stored(size, None)
        return self._put_stream(key, stream, size, max_bytes)

    def open(self, key: str) -> StoredObject | None:
        try:
            path = self.path(key)
            fd = os.open(path, os.O_RDONLY)
        except (ApiError, OSError):
            return None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            return None
        return StoredObject(
            os.fdopen(fd, "rb"), info.st_size, info.st_mtime, f"{info.st_mtime_ns:x}-{info.st_size:x}"
        )

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def fetch(self, key: str, dest: Path) -> None:
        source = self.path(key)
        try:
            os.link(source, dest)  # same filesystem (tmp/ is in the data dir): no copy
        except OSError:
            shutil.copyfile(source, dest)

    # ---- trees ------------------------------------------------------------------------
    def put_tree(self, prefix: str, source: Path) -> None:
        target = self.path(prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)  # a half-published folder of an earlier run
        os.replace(source, target)

    def delete_tree(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)

    def children(self, prefix: str) -> list[str]:
        try:
            return sorted(p.name for p in self.path(prefix).iterdir())
        except FileNotFoundError:
            return []

    def sweep_partial(self) -> int:
        removed = 0
        for path in self.tmp.glob(_PARTIAL + "*"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    # ---- presigned uploads ------------------------------------------------------------
    def _signature(self, method: str, key: str, size: int, expires: int, content_type: str) -> str:
        msg = "\n".join((method, key, str(size), str(expires), content_type)).encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    def presign_put(self, key: str, size: int, content_type: str, ttl_seconds: int) -> tuple[str, int]:
        expires = int(time.time()) + ttl_seconds
        sig = self._signature("PUT", key, size, expires, content_type)
        url = f"{self.base_url}/storage/{quote(key)}?X-Size={size}&X-Expires={expires}&X-Signature={sig}"
        return url, expires

    def verify_put(self, key: str, args: Mapping[str, str], content_type: str) -> PutGrant:
        try:
            size, expires = int(args.get("X-Size", "")), int(args.get("X-Expires", ""))
        except ValueError:
            raise ApiError(403, "FORBIDDEN", "The upload URL is not a valid presigned URL") from None
        sig = args.get("X-Signature", "")
        expected = self._signature("PUT", key, size, expires, content_type)
        if not hmac.compare_digest(sig, expected):
            raise ApiError(
                403,
                "FORBIDDEN",
                "The upload URL's signature does not match (wrong "
                "URL, or a Content-Type other than the required_put_headers)",
            )
        if expires < time.time():
            raise ApiError(
                403, "FORBIDDEN", "The upload URL has expired; mint a new one", {"expired_at": expires}
            )
        return PutGrant(key, size, expires, content_type)

    # ---- writing ---------------------------------------------------------------------
    @contextlib.contextmanager
    def _staged(self, key: str) -> Iterator[Path]:
        """A temporary path that becomes `key` when the block completes; removed otherwise
        (or when the block placed it itself), so a failed write leaves nothing behind."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp / f"{_PARTIAL}{uuid.uuid4()}"
        try:
            yield tmp
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def _put_from_file(self, key: str, fd: int, offset: int, size: int) -> None:
        """The body is already in a real file (waitress spools request bodies to one): link
        that file into place (see scorm_api.spool) or, failing that, copy it in the kernel
        (copy_file_range). Either is several times faster than reading and writing through
        Python, which matters for gigabyte uploads."""
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

    def _put_stream(self, key: str, stream: BinaryIO, size: int | None, max_bytes: int | None) -> Stored:
        limit = size if size is not None else max_bytes
        assert limit is not None
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
                raise ApiError(
                    413,
                    "PAYLOAD_TOO_LARGE",
                    f"The file is larger than the {max_bytes} bytes allowed",
                    {"limit": max_bytes},
                )
        return Stored(written, digest.hexdigest())


def _wrong_size(got: int, size: int) -> ApiError:
    return ApiError(
        400,
        "BAD_REQUEST",
        f"The body has {got} bytes; the upload URL was minted for exactly {size}",
        {"expected_bytes": size},
    )


def _file_position(stream: BinaryIO) -> tuple[int, int] | None:
    """(fd, offset) when `stream` (or the file it wraps) is a real, seekable file."""
    if not hasattr(os, "copy_file_range"):
        return None
    for obj in (stream, getattr(stream, "file", None)):
        try:
            return obj.fileno(), obj.tell()  # type: ignore[union-attr]
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            continue
    return None
