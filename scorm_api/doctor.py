"""`scorm-api doctor`: checks a person can run before asking for help. Read-only: it never
creates a database (that would mint an admin key nobody sees).

It reports the settings a server on this data dir has: while one runs, its address (from
instance.json); the operator's stored settings laid over (the CLI reads those, `cli.doctor`)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import peewee

from scorm_api import disk
from scorm_api.config import Settings
from scorm_api.datadir import DataDirUnwritable, check_writable
from scorm_api.db import open_database
from scorm_api.instance import RunningInstance
from scorm_api.migrations import current_version, latest_version

# The API docs' UI, in openapi.VENDOR_DIR: not imported from there, which would load Flask for
# a command that serves nothing (tests/test_cli_imports.py checks the two agree).
SCALAR = Path(__file__).parent / "static" / "vendor" / "scalar" / "standalone.js"


def _check(name: str, ok: bool, detail: str) -> dict:
    return {"name": name, "ok": ok, "detail": detail}


def _data_dir(settings: Settings) -> dict:
    d = settings.data_dir
    if not d.exists():
        parent = next((p for p in d.parents if p.exists()), None)
        ok = parent is not None and os.access(parent, os.W_OK)
        return _check(
            "data dir",
            ok,
            f"{d} does not exist yet; "
            + ("it will be created on first start" if ok else "its parent is not writable"),
        )
    try:
        check_writable(d)
    except DataDirUnwritable as e:
        return _check("data dir", False, str(e))
    space = disk.usage(d)
    free = space.free_bytes if space else 0
    low = free < settings.disk_low_bytes
    return _check(
        "data dir",
        not low,
        f"{d} writable, {free / 1024**3:.1f} GiB free"
        + (
            f" — low (under {settings.disk_low_bytes / 1024**2:.0f} MiB): free some space before "
            "writes start failing"
            if low
            else ""
        ),
    )


def open_existing(settings: Settings) -> peewee.Database | None:
    """The data dir's database, connected, or None when it has none yet (opening a missing
    SQLite file would create it). Raises what the driver raises on a damaged one."""
    if settings.database_url is None and not settings.db_path.exists():
        return None
    db = open_database(settings.effective_database_url)
    db.connect()
    return db


def shown(settings: Settings) -> dict[str, Any]:
    """The settings as doctor prints them: the addresses as the server uses them (public_url
    is the address its links carry even when none was given)."""
    out = settings.as_dict()
    out["public_url"] = settings.base_url
    out["content_url"] = settings.content_base_url
    return out


def _database(settings: Settings) -> list[dict]:
    try:
        db = open_existing(settings)
    except Exception as e:  # report any driver error as a failed check
        return [_check("database", False, f"cannot open: {e}")]
    if db is None:
        return [_check("database", True, f"{settings.db_path} will be created on first start")]
    try:
        checks = [_check("database", True, "opens")]
        version, latest = current_version(db), latest_version()
        checks.append(
            _check(
                "schema",
                version <= latest,
                f"version {version} of {latest}"
                + (" (migrates on next start)" if version < latest else "")
                + (" — newer than this program: upgrade it" if version > latest else ""),
            )
        )
        if settings.database_url is None:
            result = db.execute_sql("PRAGMA quick_check").fetchone()[0]
            checks.append(_check("integrity", result == "ok", result))
            mode = db.execute_sql("PRAGMA journal_mode").fetchone()[0]
            checks.append(_check("journal mode", mode == "wal", mode))
        return checks
    finally:
        db.close()


def _port(settings: Settings, running: RunningInstance | None) -> dict:
    """Where this data dir's server listens; with none running, whether `serve` could listen
    where the settings say."""
    where = f"{settings.host}:{settings.port}"
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        answers = s.connect_ex((settings.host, settings.port)) == 0
    if running is not None:
        return _check(
            "port",
            answers,
            f"{where}: this data dir's server listens there ({running.kind}, process {running.pid})"
            + ("" if answers else ", but nothing answers: it may be hung, or still starting"),
        )
    return _check(
        "port",
        True,
        f"{where} "
        + (
            "is in use by another program (not a server of this data dir): `serve` would need another --port"
            if answers
            else "is free"
        ),
    )


def _assets() -> dict:
    return _check(
        "offline assets", SCALAR.is_file(), f"API docs UI {'present' if SCALAR.is_file() else 'missing'}"
    )


def run_checks(settings: Settings, running: RunningInstance | None = None) -> list[dict]:
    """`settings` as the data dir's server has them; `running`: that server, if one runs."""
    return [_data_dir(settings), *_database(settings), _port(settings, running), _assets()]
