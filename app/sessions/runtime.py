"""The player's side of a session: launch links, runtime tokens, commits and the call log.

A launch link carries a short-lived signed token. Opening it mints a runtime token for that
one launch (session, SCO, launch id and start time), which is the only credential the page
holds: never an API key. Commits are ordered by (launch start, commitSequence): a commit older
than one already applied is acknowledged and ignored, so replays and late beacons are harmless.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass

from app.config import Settings
from app.db import Prepared, new_id, utcnow_iso, write_transaction
from app.errors import ApiError, bad_request
from app.sessions import services
from app.packages.models import Package
from app.sessions.models import RuntimeLog, ScoState, Session
from app.signing import Signer

log = logging.getLogger("scorm_api.runtime")

LAUNCH, RUNTIME = "launch", "runtime"
MAX_LOG_ENTRIES = 1000
# Commit bodies may carry fields besides CMI elements.
_NON_CMI = {"commitSequence", "terminate"}


@dataclass
class Launch:
    session: Session
    sco: services.Sco
    scos: list[services.Sco]
    runtime_token: str
    cmi: dict[str, str]


def launch_link(signer: Signer, settings: Settings, session: Session) -> tuple[str, int]:
    token = signer.dumps(LAUNCH, {"s": session.id})
    return (f"{settings.content_base_url}/player/launch/{token}",
            int(time.time()) + settings.launch_link_ttl_seconds)


def open_launch(signer: Signer, settings: Settings, token: str, item_id: str | None) -> Launch:
    payload = signer.loads(LAUNCH, token, settings.launch_link_ttl_seconds)
    session = Session.get_or_none(Session.id == payload["s"])
    if session is None:
        raise services.session_not_found()
    scos = services.scos_for(session.package_id)
    if not scos:
        raise ApiError(409, "CONFLICT", "This package has nothing to launch")
    sco = next((s for s in scos if s.item_id == item_id), None) if item_id else None
    if sco is None:
        sco = _resume_point(session, scos)
    now = utcnow_iso()
    with write_transaction():
        Session.update(launch_count=Session.launch_count + 1, last_launched_at=now,
                       first_launched_at=session.first_launched_at or now) \
            .where(Session.id == session.id).execute()
    runtime = signer.dumps(RUNTIME, {"s": session.id, "i": sco.item_id, "l": str(uuid.uuid4()),
                                     "ts": int(time.time() * 1000)})
    return Launch(session, sco, scos, runtime, services.launch_state(session, sco))


def _resume_point(session: Session, scos: list[services.Sco]) -> services.Sco:
    """The SCO to open: the one suspended last, else the first not yet completed."""
    states = {s.item_id: s for s in ScoState.select().where(ScoState.session == session.id)}
    suspended = [st for st in states.values()
                 if st.cmi.get("cmi.core.exit", st.cmi.get("cmi.exit")) == "suspend"]
    if suspended:
        last = max(suspended, key=lambda st: st.updated_at)
        found = next((s for s in scos if s.item_id == last.item_id), None)
        if found:
            return found
    return next((s for s in scos if s.item_id not in states
                 or states[s.item_id].completion_status != "completed"), scos[0])


def _runtime(signer: Signer, settings: Settings, token: str) -> dict:
    return signer.loads(RUNTIME, token, settings.runtime_ttl_seconds)


def parse_body(raw: bytes) -> object:
    """Commits arrive as JSON, or as text/plain JSON from navigator.sendBeacon."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad_request("The commit body is not valid JSON") from None


def commit(signer: Signer, settings: Settings, token: str, raw: bytes) -> dict:
    p = _runtime(signer, settings, token)
    try:
        return _commit(p, raw)
    except ApiError as e:  # a refused commit is exactly what "why didn't it track?" needs
        log.warning("runtime commit refused", extra={"fields": {
            "session_id": p["s"], "item_id": p["i"], "error": e.message, "details": e.details}})
        raise


# Only the package's standard is needed with the session, not its (large) parsed structure.
_SESSION_FOR_COMMIT = Prepared(lambda: Session.select(Session, Package.standard).join(Package)
                               .where(Session.id == ""))


def _commit(p: dict, raw: bytes) -> dict:
    body = parse_body(raw)
    if not isinstance(body, dict):
        raise bad_request("The commit body must be a JSON object of CMI elements")
    seq = body.get("commitSequence")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
        raise bad_request("commitSequence must be an integer")
    updates = services.clean_cmi({k: v for k, v in body.items() if k not in _NON_CMI})
    launch_key = f"{p['ts']:013d}:{p['l']}"
    with write_transaction():
        found = _SESSION_FOR_COMMIT.models(Session, p["s"])
        if not found:
            raise services.session_not_found()
        session = found[0]
        standard = session.standard
        state = services.find_state(session.id, p["i"])
        if state is not None and _is_stale(state, launch_key, seq):
            return {"result": True, "errorCode": 0, "stale": True}
        services.apply_cmi(session, standard, p["i"], updates, launch_key, seq, state)
    suspend = updates.get("cmi.suspend_data", "")
    if standard == services.SCORM12 and len(suspend) > services.SUSPEND_DATA_12_LIMIT:
        log.warning("suspend_data over the SCORM 1.2 limit kept whole", extra={"fields": {
            "session_id": session.id, "item_id": p["i"], "length": len(suspend)}})
    return {"result": True, "errorCode": 0, "version": session.version}


def _is_stale(state: ScoState, launch_key: str, seq: int | None) -> bool:
    last = state.last_commit_launch
    if last is None:
        return False
    if launch_key < last:
        return True  # from a launch older than one that already committed
    return launch_key == last and seq is not None and state.last_commit_seq is not None \
        and seq <= state.last_commit_seq


def append_log(signer: Signer, settings: Settings, token: str, raw: bytes) -> int:
    p = _runtime(signer, settings, token)
    entries = parse_body(raw)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise bad_request("The log body must be a JSON array of entries")
    entries = entries[:MAX_LOG_ENTRIES]
    with write_transaction():
        if not Session.select().where(Session.id == p["s"]).exists():
            raise services.session_not_found()
        RuntimeLog.create(id=new_id(), session=p["s"], launch_id=p["l"], item_id=p["i"],
                          entries=entries, created_at=utcnow_iso())
    return len(entries)


def read_log(tenant_id: str, session_id: str, limit: int = 5000) -> list[dict]:
    session = services.get_session(tenant_id, session_id)
    out = []
    for row in RuntimeLog.select().where(RuntimeLog.session == session.id).order_by(RuntimeLog.created_at):
        out.extend({"launch_id": row.launch_id, "item_id": row.item_id, **e} for e in row.entries)
    # Batches from one page can arrive out of order (a periodic flush racing the unload
    # beacon); each entry carries the time of its call, so order by that (stable sort).
    out.sort(key=lambda e: str(e.get("t", "")))
    return out[:limit]
