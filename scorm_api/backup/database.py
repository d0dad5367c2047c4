"""The database's side of a backup: a consistent copy of a live SQLite file, and what a copy
holds (rows per table, its integrity)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def _read_only(path: Path, timeout: float = 5.0) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout)
    try:
        yield db
    finally:
        db.close()


def snapshot(source: Path, dest: Path) -> None:
    """Copy `source` into a new file `dest` with SQLite's online backup API, in one step: the
    copy is one read transaction, so it is the database as of one moment, while the server's
    writers go on committing to the WAL (they never wait for it; only the WAL's checkpoint
    waits until the copy ends). The driver releases the GIL while it copies."""
    with _read_only(source, timeout=30) as src, contextlib.closing(sqlite3.connect(dest)) as dst:
        # A scratch file read right back: syncing it to the disk would only cost time.
        dst.execute("PRAGMA synchronous=OFF")
        src.backup(dst)
        # A self-contained file: no WAL beside it.
        dst.execute("PRAGMA journal_mode=DELETE")


def table_counts(path: Path) -> dict[str, int]:
    with _read_only(path) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            n: db.execute(f'SELECT count(*) FROM "{n.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
            for n in names
        }


def damaged(path: Path) -> str | None:
    """What SQLite's quick check finds wrong with the file, None when it is sound."""
    try:
        with _read_only(path) as db:
            found = [r[0] for r in db.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as e:
        return str(e)
    return None if found == ["ok"] else "; ".join(found[:3])


def schema_version(path: Path) -> int:
    """The newest migration applied to the database at `path` (0 for none)."""
    with _read_only(path) as db:
        try:
            return db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
        except sqlite3.OperationalError:  # no such table: from before the migrations table
            return 0
