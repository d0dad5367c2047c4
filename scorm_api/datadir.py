"""Opening a data dir: its folders, the database connection and the schema migrations. What the
domains do on top (the first-run key, pending reindexes) are their `state.on_open` tasks.

A data dir keeps a reserve file (RESERVE_NAME, RESERVE_BYTES): on a disk so full that SQLite
cannot even open the database (opening in WAL mode creates its -shm and -wal files), the
reserve is given up so the server starts and reads go on; it is made again on a later start
with room to spare."""

from __future__ import annotations

import errno
import logging
import os
import secrets
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


class DataDirUnwritable(RuntimeError):
    """The data dir cannot be created or written: said in one sentence, not a traceback."""


def check_writable(data_dir: Path) -> None:
    """Raise DataDirUnwritable unless files can be created in `data_dir` (made if missing).
    A probe file, not os.access: that says yes to root on a read-only mount."""
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
