"""What the appliance needs of an object store, as a Protocol: the local filesystem
implementation (`local.py`) is one; an S3-compatible one drops in beside it.

Keys are '/'-separated relative names chosen by the domains ("uploads/<tenant>/<id>/<file>",
"packages/<id>/content/<path>"); no caller outside this package turns one into a path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol


@dataclass(frozen=True)
class PutGrant:
    """What a presigned PUT URL permits, as recovered from its query string."""

    key: str
    size: int
    expires: int
    content_type: str


@dataclass(frozen=True)
class Stored:
    """What `put` wrote. `sha256` is None when the bytes never passed through Python (a
    spooled body linked into place, a kernel copy): the caller hashes later if it needs to."""

    size: int
    sha256: str | None


@dataclass
class StoredObject:
    """An object opened for reading; the caller closes `stream` (a response does it)."""

    stream: BinaryIO
    size: int
    modified: float  # seconds since the epoch
    etag: str


class Storage(Protocol):
    # ---- single objects -----------------------------------------------------------------
    def put(
        self, key: str, stream: BinaryIO, *, size: int | None = None, max_bytes: int | None = None
    ) -> Stored:
        """Write an object from `stream`: exactly `size` bytes (400 when the body is shorter),
        or a body of unknown length of at most `max_bytes` (413 above). All or nothing: a
        failed write leaves no object behind."""
        ...

    def open(self, key: str) -> StoredObject | None:
        """The object for reading, or None when there is none (a folder is none)."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """The object's size in bytes (FileNotFoundError when there is none)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...

    def fetch(self, key: str, dest: Path) -> None:
        """Put a copy of the object in the local file `dest` (which must not exist), for work
        that needs random access (a zip). A hard link where the backend can."""
        ...

    # ---- trees (a package's published files) -------------------------------------------
    def put_tree(self, prefix: str, source: Path) -> None:
        """Publish the local folder `source` as the objects under `prefix`, replacing any
        there, and consume `source`. Atomic where the backend can be (a rename)."""
        ...

    def delete_tree(self, prefix: str) -> None: ...

    def children(self, prefix: str) -> list[str]:
        """The names directly under `prefix` (for the start-up sweeps)."""
        ...

    def sweep_partial(self) -> int:
        """Remove what interrupted writes left behind; how many. Only while no other process
        writes to this store."""
        ...

    # ---- presigned uploads ------------------------------------------------------------
    def presign_put(self, key: str, size: int, content_type: str, ttl_seconds: int) -> tuple[str, int]:
        """A URL that accepts one PUT of exactly `size` bytes with that Content-Type until
        the expiry (epoch seconds) returned with it."""
        ...

    def verify_put(self, key: str, args: Mapping[str, str], content_type: str) -> PutGrant:
        """The grant of a presigned URL's query string, or 403 (forged, other headers,
        expired)."""
        ...
