"""Opening a data dir: its folders, the database connection and the schema migrations. What the
domains do on top (the first-run key, pending reindexes) are their `state.on_open` tasks."""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

import peewee

from scorm_api.config import Settings
from scorm_api.db import database, open_database
from scorm_api.migrations import migrate

_opened_url: str | None = None


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
        database.connect(reuse_if_open=True)
        migrate(database.obj)
    except peewee.OperationalError as e:
        if "readonly" in str(e) or "read-only" in str(e):  # the database file alone is read-only
            raise DataDirUnwritable(f"The database {settings.db_path} is read-only: {e}") from None
        raise
