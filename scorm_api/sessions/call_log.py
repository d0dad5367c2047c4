"""The runtime call log: every API call the content made, per launch, for "why didn't it
track?". Written by the player page in batches, and by the server when it refuses a commit
(so the refusal and its reason sit beside the calls that led to it).

It is capped per session (settings.call_log_max_bytes): past the cap the oldest batches are
dropped, not the new ones, because the latest calls are the ones that explain a problem.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import peewee

from scorm_api.config import Settings
from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError
from scorm_api.sessions.models import RuntimeLog, Session
from scorm_api.sessions.services import session_not_found


def append(settings: Settings, session_id: str, launch_id: str, item_id: str | None, entries: list) -> None:
    size = len(json.dumps(entries, separators=(",", ":"), ensure_ascii=False))
    with write_transaction():
        if not Session.select().where(Session.id == session_id).exists():
            raise session_not_found()
        RuntimeLog.create(
            id=new_id(),
            session=session_id,
            launch_id=launch_id,
            item_id=item_id,
            entries=entries,
            created_at=utcnow_iso(),
            size_bytes=size,
        )
        _trim(session_id, settings.call_log_max_bytes)


def refused(settings: Settings, session_id: str, launch_id: str, item_id: str | None, err: ApiError) -> None:
    """Record that the server refused a write of this launch, and why."""
    entry: dict[str, Any] = {
        "t": utcnow_iso(),
        "n": 0,
        "call": "server: commit refused",
        "args": [],
        "result": f"{err.status} {err.code}",
        "error": err.code,
        "note": err.message,
        "source": "server",
    }
    if err.details:
        entry["details"] = err.details
    with contextlib.suppress(ApiError):  # the session is gone: nothing to explain any more
        append(settings, session_id, launch_id, item_id, [entry])


def _trim(session_id: str, max_bytes: int) -> None:
    total = (
        RuntimeLog.select(peewee.fn.SUM(RuntimeLog.size_bytes))
        .where(RuntimeLog.session == session_id)
        .scalar()
        or 0
    )
    if total <= max_bytes:
        return
    dropped = []
    for row in (
        RuntimeLog.select(RuntimeLog.id, RuntimeLog.size_bytes)
        .where(RuntimeLog.session == session_id)
        .order_by(RuntimeLog.created_at, RuntimeLog.id)
    ):
        if total <= max_bytes:
            break
        dropped.append(row.id)
        total -= row.size_bytes
    RuntimeLog.delete().where(RuntimeLog.id.in_(dropped)).execute()
