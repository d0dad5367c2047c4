"""The database's side of a backup: a consistent copy of a live SQLite file, and what a copy
holds (rows per table, its integrity)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def snapshot(source: Path, dest: Path) -> None:
    """Copy `source` into a new file `dest` with SQLite's online backup API, in one step: the
    copy is one read transaction, so it is the database as of one moment, while the server's
    writers go on committing to the WAL (they never wait for it; only the WAL's checkpoint
    waits until the copy ends). The driver releases the GIL while it copies."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(dest)
        try:
            # A scratch file read right back: syncing it to the disk would only cost time.
            dst.execute("PRAGMA synchronous=OFF")
            src.backup(dst)
            # A self-contained file: no WAL beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def table_counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
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
    finally:
        db.close()


def damaged(path: Path) -> str | None:
    """What SQLite's quick check finds wrong with the file, None when it is sound."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = [r[0] for r in db.execute("PRAGMA quick_check")]
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        return str(e)
    return None if found == ["ok"] else "; ".join(found[:3])


def schema_version(path: Path) -> int:
    """The newest migration applied to the database at `path` (0 for none)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
    except sqlite3.OperationalError:  # no such table: from before the migrations table
        return 0
    finally:
        db.close()
