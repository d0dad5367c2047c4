"""The disk the data dir is on: how much is free, and telling a full disk apart from other
failures, so that a full disk answers 507 with a clear message (and reads go on working)
instead of a bare 500.

SQLite reports a full disk as "database or disk is full" (SQLITE_FULL), PostgreSQL as "could
not extend file ... No space left on device"; files written directly fail with ENOSPC (or
EDQUOT, a quota). Each leaves nothing half-written: SQLite rolls the transaction back, and
storage writes go to a temporary name first.
"""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path

import peewee

FULL_MESSAGE = (
    "The server's disk is full: nothing of this request was written. Free some space on the "
    "machine (or move the data dir to a larger disk), then try again."
)
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_TEXTS = ("database or disk is full", "no space left on device", "could not extend file", "disk full")


@dataclass(frozen=True)
class Usage:
    free_bytes: int
    total_bytes: int


def usage(path: Path) -> Usage | None:
    """Free and total bytes of the file system holding `path` (None if it cannot be read)."""
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        du = shutil.disk_usage(probe)
    except OSError:
        return None
    return Usage(du.free, du.total)


def is_full(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is the disk being full."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in _FULL_ERRNOS:
            return True
        if isinstance(e, (peewee.DatabaseError, OSError)) and any(t in str(e).lower() for t in _FULL_TEXTS):
            return True
        if isinstance(e, peewee.DatabaseError):
            orig = getattr(e, "orig", None)  # peewee keeps the driver's own exception
            if isinstance(orig, BaseException) and is_full(orig):
                return True
        e = e.__cause__ or e.__context__
    return False
