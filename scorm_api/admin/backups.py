"""Scheduled backups (scorm_api.backup) into a folder the operator chooses (a USB stick, a
network share mounted on the laptop), every N hours, keeping the newest K.

A scheduled backup runs with nobody there to type the passphrase: the keys derived from it
(never the passphrase itself) are kept sealed with the data dir's secret, so a copy of the
database alone does not hold them, and a backup file holds the secret only encrypted under
them. Each run's outcome is kept, for the settings page to say when the last one worked."""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from scorm_api import sealing
from scorm_api.admin.models import read_setting, write_setting
from scorm_api.backup import protection, writer
from scorm_api.db import utcnow_iso
from scorm_api.errors import validation_error

if TYPE_CHECKING:
    from scorm_api.state import State

log = logging.getLogger(__name__)

_NAME = "backup_schedule"
_PURPOSE = b"scorm-api scheduled backup keys"
CHECK_SECONDS = 60.0  # how often the schedule looks whether a backup is due
FILE_PREFIX = "scorm-api-backup-"
_OURS = re.compile(rf"^{re.escape(FILE_PREFIX)}\d{{8}}-\d{{6}}Z\.tar$")


def _load() -> dict:
    raw = read_setting(_NAME)
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def public() -> dict:
    """The schedule as the API shows it: never a key."""
    s = _load()
    if not s.get("folder"):
        return {"enabled": False, "backups": []}
    return {
        "enabled": True,
        "folder": s["folder"],
        "every_hours": s["every_hours"],
        "keep": s["keep"],
        "last_run_at": s.get("last_run_at"),
        "last_success_at": s.get("last_success_at"),
        "last_error": s.get("last_error"),
        "next_run_at": _next_run(s).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "backups": _listed(Path(s["folder"])),
    }


def configure(state: State, folder: str, every_hours: int, keep: int, passphrase: str | None) -> dict:
    """Turn on or change the schedule. The passphrase is needed the first time; left out
    later, the keys derived from the earlier one stay."""
    path = Path(folder).expanduser()
    if not path.is_absolute():
        raise validation_error({"folder": ["Give the folder's full path"]})
    if not path.is_dir():
        raise validation_error({"folder": [f"No folder at {path} (is the drive plugged in?)"]})
    current = _load()
    if passphrase is not None:
        try:
            protection.check_passphrase(passphrase)
        except protection.WeakPassphrase as e:
            raise validation_error({"passphrase": [str(e)]}) from None
        sealed = sealing.seal(state.secret, protection.derive(passphrase).stored(), _PURPOSE)
    elif current.get("keys"):
        sealed = current["keys"]
    else:
        raise validation_error({"passphrase": ["Required the first time"]})
    write_setting(
        _NAME,
        json.dumps(
            {
                **{k: current[k] for k in ("last_run_at", "last_success_at", "last_error") if k in current},
                "folder": str(path),
                "every_hours": every_hours,
                "keep": keep,
                "keys": sealed,
            }
        ),
    )
    return public()


def disable() -> None:
    write_setting(_NAME, "{}")


def _keys(state: State, sealed: str) -> protection.Protection | None:
    opened = sealing.unseal(state.secret, sealed, _PURPOSE)
    return None if opened is None else protection.Protection.from_stored(opened)


RETRY_HOURS = 0.25  # after a failed run (the drive was not plugged in), try again this soon


def _next_run(s: dict) -> datetime:
    last = s.get("last_run_at")
    if not last:
        return datetime.now(UTC)
    hours = s["every_hours"] if not s.get("last_error") else min(s["every_hours"], RETRY_HOURS)
    return datetime.fromisoformat(last.replace("Z", "+00:00")) + timedelta(hours=hours)


def _ours(folder: Path) -> list[Path]:
    """This schedule's backups in `folder`, oldest first (by the time in their names): the
    only files the retention ever removes."""
    try:
        return sorted(p for p in folder.iterdir() if _OURS.match(p.name) and p.is_file())
    except OSError:
        return []


def _listed(folder: Path) -> list[dict]:
    """The backups in the folder, newest first, with their sizes."""
    found = []
    for path in reversed(_ours(folder)):
        try:
            found.append({"name": path.name, "bytes": path.stat().st_size})
        except OSError:  # removed meanwhile (the retention, the operator), or the drive pulled
            continue
    return found


# One backup at a time: "Back up now" during a scheduled run waits for it.
_running = threading.Lock()


def run_now(state: State) -> dict:
    """One scheduled backup now, then the retention; its outcome is recorded either way."""
    with _running:
        return _run(state)


def _run(state: State) -> dict:
    s = _load()
    if not s.get("folder"):
        raise validation_error({"folder": ["Backups are not scheduled"]})
    started = utcnow_iso()
    error = None
    name = None
    keys = _keys(state, s["keys"])
    try:
        if keys is None:
            raise writer.BackupError(
                "The saved backup keys do not open with this data dir's secret: set the passphrase again"
            )
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%SZ")
        folder = Path(s["folder"])
        if not folder.is_dir():
            raise writer.BackupError(f"No folder at {folder} (is the drive plugged in?)")
        name = f"{FILE_PREFIX}{stamp}.tar"
        writer.create(state.settings, folder / name, keys)
        for old in _ours(folder)[: -s["keep"]]:
            old.unlink(missing_ok=True)
    except (writer.BackupError, OSError) as e:
        error = str(e)
        log.warning("scheduled backup failed", extra={"fields": {"error": error}})
    else:
        log.info("scheduled backup written", extra={"fields": {"file": name}})
    s = _load()  # the schedule may have changed meanwhile: keep its fields, record the run
    if s.get("folder"):
        s.update(last_run_at=started, last_error=error)
        if error is None:
            s["last_success_at"] = started
        write_setting(_NAME, json.dumps(s))
    return {"file": name if error is None else None, "error": error, **public()}


def run_if_due(state: State) -> None:
    s = _load()
    if s.get("folder") and _next_run(s) <= datetime.now(UTC):
        run_now(state)
