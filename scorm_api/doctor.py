"""`scorm-api doctor`: checks a person can run before asking for help. Read-only: it never
creates a database (that would mint an admin key nobody sees)."""

from __future__ import annotations

import os
import socket

from scorm_api import disk
from scorm_api.config import Settings
from scorm_api.datadir import DataDirUnwritable, check_writable
from scorm_api.db import open_database
from scorm_api.migrations import current_version, latest_version
from scorm_api.openapi import VENDOR_DIR


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


def _database(settings: Settings) -> list[dict]:
    if settings.database_url is None and not settings.db_path.exists():
        return [_check("database", True, f"{settings.db_path} will be created on first start")]
    try:
        db = open_database(settings.effective_database_url)
        db.connect()
    except Exception as e:  # report any driver error as a failed check
        return [_check("database", False, f"cannot open: {e}")]
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


def _port(settings: Settings) -> dict:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        in_use = s.connect_ex((settings.host, settings.port)) == 0
    return _check(
        "port",
        True,
        f"{settings.host}:{settings.port} "
        + ("is in use (a server is probably running)" if in_use else "is free"),
    )


def _assets() -> dict:
    scalar = VENDOR_DIR / "scalar" / "standalone.js"
    return _check(
        "offline assets", scalar.is_file(), f"API docs UI {'present' if scalar.is_file() else 'missing'}"
    )


def run_checks(settings: Settings) -> list[dict]:
    return [_data_dir(settings), *_database(settings), _port(settings), _assets()]
