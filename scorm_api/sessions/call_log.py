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
from scorm_api.packages import structure
from scorm_api.sessions import services, vocabulary
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


# ---- reading: what each answer means ---------------------------------------------------

# The error codes of each standard's API (SCORM 1.2 RTE 3.3.2, SCORM 2004 RTE 3.1.7), in
# plain words for the trainer reading the log.
_MEANINGS_12 = {
    "101": "General exception: the runtime could not do what was asked",
    "201": "Invalid argument: the element name or value is not valid here",
    "202": "The element cannot have children",
    "203": "The element is not a list (it has no count)",
    "301": "Not initialized: the course called before LMSInitialize",
    "401": "Not implemented: the runtime does not have this element",
    "402": "Invalid set value: the element is a keyword (_children, _count)",
    "403": "Read only: the course tried to change a value only the LMS sets",
    "404": "Write only: the course tried to read a value it may only write",
    "405": "Incorrect data type: the value is not of the element's type",
}
_MEANINGS_2004 = {
    "101": "General exception: the runtime could not do what was asked",
    "102": "Initialization failed",
    "103": "Already initialized: Initialize was called a second time",
    "104": "The content already terminated: it cannot initialize again",
    "111": "Termination failed",
    "112": "Terminate before Initialize",
    "113": "Terminate after Terminate",
    "122": "Read before Initialize",
    "123": "Read after Terminate",
    "132": "Write before Initialize",
    "133": "Write after Terminate",
    "142": "Commit before Initialize",
    "143": "Commit after Terminate",
    "201": "Invalid argument",
    "301": "Read failed (for instance an objective or interaction that does not exist yet)",
    "351": "Write failed",
    "391": "Commit failed: the data may not have been saved",
    "401": "No such element in SCORM 2004",
    "402": "The runtime does not implement this element",
    "403": "Read before the value was set",
    "404": "Read only: the course tried to change a value only the LMS sets",
    "405": "Write only: the course tried to read a value it may only write",
    "406": "Wrong type: the value is not of the element's type",
    "407": "Out of range: the value is outside what the element accepts",
    "408": "A value it depends on was not set first (an interaction's id, say)",
}
# Answers that are part of normal use, not faults: what the course learns from them is
# "nothing there yet", as on a first launch (the bookmark, the suspend data).
_EXPECTED_2004 = {("GetValue", "403"): "normal when nothing was stored there yet, as on a first launch"}


def explain(entry: dict, standard: str | None, titles: dict[str, str]) -> dict:
    """One call log entry with its item's title and, for an error code, what it means and
    whether it is an expected answer (`expected`) or a fault."""
    out = dict(entry)
    item_id = entry.get("item_id")
    if item_id:
        out["item_title"] = titles.get(item_id, item_id)
    code = str(entry.get("error") or "0")
    if code == "0":
        return out
    is12 = vocabulary.for_standard(standard) is vocabulary.SCORM_12
    expected = None if is12 else _EXPECTED_2004.get((str(entry.get("call")), code))
    meaning = (_MEANINGS_12 if is12 else _MEANINGS_2004).get(code)
    if entry.get("source") == "server":
        meaning = entry.get("note") or meaning
    out["error_meaning"] = (meaning or "Error " + code) + (f" ({expected})" if expected else "")
    out["expected"] = expected is not None
    return out


def read(tenant_id: str, session_id: str) -> list[dict]:
    """The session's call log (services.read_log), each entry explained."""
    session = services.get_session(tenant_id, session_id)
    titles = {sco.item_id: sco.title for sco in structure.scos_for(session.package_version_id)}
    standard = session.package_version.standard
    return [explain(e, standard, titles) for e in services.read_log(tenant_id, session_id)]


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
