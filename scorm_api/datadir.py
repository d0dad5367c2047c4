"""Opening a data dir: its folders, the database connection and the schema migrations. What the
domains do on top (the first-run key, pending reindexes) are their `state.on_open` tasks.

A data dir keeps a reserve file (RESERVE_NAME, RESERVE_BYTES): on a disk so full that SQLite
cannot even open the database (opening in WAL mode creates its -shm and -wal files), the
reserve is given up so the server starts and reads go on; it is made again on a later start
with room to spare.

Everything in a data dir is its operator's alone (learners' records, keys, the signing key):
the process creates files 0600 and folders 0700 (`keep_private`, a umask, so the files SQLite
and the log handler create themselves are covered too), and a data dir made by an older version
is tightened when it is opened (`tighten`)."""

from __future__ import annotations

import errno
import logging
import os
import secrets
import stat
from pathlib import Path

import peewee

from scorm_api import disk
from scorm_api.config import Settings
from scorm_api.db import database, open_database
from scorm_api.migrations import migrate

log = logging.getLogger(__name__)

_opened_url: str | None = None
RESERVE_NAME = "reserve.bin"
RESERVE_BYTES = 8 * 1024 * 1024


# Nobody but the user who runs the appliance may read or list what it writes.
PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """Make every file and folder this process creates from now on its user's only. A umask
    rather than a mode at each call site: SQLite makes the database (whose mode its -wal and
    -shm files copy), the log handler its rotated files, the storage its uploads. Called
    before the first thing is written (the data dir itself, the log file)."""
    os.umask(PRIVATE_UMASK)


def tighten(data_dir: Path) -> int:
    """Take group and other permissions off everything under `data_dir` (itself included),
    as a data dir made by an older version, or copied in with a loose umask, has them; returns
    how many entries changed. Symlinks are left alone (their targets are not ours)."""
    changed = 0
    for root, dirs, files in os.walk(data_dir):
        for path in (root, *(os.path.join(root, name) for name in (*dirs, *files))):
            try:
                st = os.lstat(path)
            except FileNotFoundError:  # removed meanwhile (a finished upload's part, say)
                continue
            if stat.S_ISLNK(st.st_mode) or not stat.S_IMODE(st.st_mode) & PRIVATE_UMASK:
                continue
            os.chmod(path, stat.S_IMODE(st.st_mode) & ~PRIVATE_UMASK)
            changed += 1
    if changed:
        log.info(
            "the data dir was readable by other users: now its owner's only",
            extra={"fields": {"data_dir": str(data_dir), "entries": changed}},
        )
    return changed


class DataDirUnwritable(RuntimeError):
    """The data dir cannot be created or written: said in one sentence, not a traceback."""


def check_writable(data_dir: Path) -> None:
    """Raise DataDirUnwritable unless files can be created in `data_dir` (made if missing).
    A probe file, not os.access: that says yes to root on a read-only mount. The data dir is
    the first thing the appliance writes: from here on the process writes privately."""
    keep_private()
    probe = Path(data_dir) / f".write-probe-{secrets.token_hex(4)}"
    try:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        probe.unlink()
    except OSError as e:
        why = {errno.EROFS: "it is on a read-only file system", errno.EACCES: "permission denied"}.get(
            e.errno or 0, e.strerror or str(e)
        )
        raise DataDirUnwritable(
            f"The data dir {data_dir} cannot be written ({why}). Choose a writable one with "
            "--data-dir (or SCORM_API_DATA_DIR), or fix its permissions."
        ) from None


def prepare(settings: Settings) -> None:
    """Idempotent. One process serves one database: the model proxy is bound to the URL
    opened last."""
    global _opened_url
    check_writable(settings.data_dir)
    try:
        settings.ensure_dirs()
        tighten(settings.data_dir)
    except OSError as e:
        raise DataDirUnwritable(f"The data dir {settings.data_dir} cannot be prepared: {e}") from None
    url = settings.effective_database_url
    if database.obj is None or _opened_url != url:
        if database.obj is not None:
            database.close()
        database.initialize(open_database(url))
        _opened_url = url
    try:
        _connect_and_migrate()
    except peewee.OperationalError as e:
        if "readonly" in str(e) or "read-only" in str(e):  # the database file alone is read-only
            raise DataDirUnwritable(f"The database {settings.db_path} is read-only: {e}") from None
        if settings.database_url is not None or not _release_reserve(settings.data_dir):
            raise
        _connect_and_migrate()
    _keep_reserve(settings.data_dir)


def _connect_and_migrate() -> None:
    database.connect(reuse_if_open=True)
    migrate(database.obj)


def _release_reserve(data_dir: Path) -> bool:
    """Give up the reserve when the disk is too full to open the database; False if there is
    none or the disk is not the problem."""
    reserve = Path(data_dir) / RESERVE_NAME
    space = disk.usage(data_dir)
    if not reserve.exists() or space is None or space.free_bytes >= RESERVE_BYTES:
        return False
    reserve.unlink()
    log.warning(
        "the disk is full: the data dir's reserve was given up to open the database; "
        "writes will answer 507 until space is freed",
        extra={"fields": {"data_dir": str(data_dir)}},
    )
    if not database.is_closed():
        database.close()
    return True


def _keep_reserve(data_dir: Path) -> None:
    """Make the reserve when there is room for it and more (never the last free bytes)."""
    reserve = Path(data_dir) / RESERVE_NAME
    space = disk.usage(data_dir)
    if reserve.exists() or space is None or space.free_bytes < 3 * RESERVE_BYTES:
        return
    try:
        with open(reserve, "wb") as f:
            if hasattr(os, "posix_fallocate"):
                os.posix_fallocate(f.fileno(), 0, RESERVE_BYTES)  # real blocks, not a sparse file
            else:
                f.write(b"\0" * RESERVE_BYTES)
    except OSError:
        reserve.unlink(missing_ok=True)
