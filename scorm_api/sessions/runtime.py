"""The player's side of a session: launch links, deliveries, commits, sequencing state and the
call log.

A launch link carries a short-lived signed token. Opening it mints a page token (session,
launch id, start time); each SCO the page then shows is a delivery with its own runtime token
(session, SCO, delivery id, start time). Those tokens are the only credentials the page holds:
never an API key. Commits are ordered by (delivery start, commitSequence): a commit older than
one already applied is acknowledged and ignored, so replays and late beacons are harmless.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass

from scorm_api.config import Settings
from scorm_api.db import Prepared, new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError, bad_request
from scorm_api.launches import service as launch_service
from scorm_api.sessions import services, statements
from scorm_api.packages.models import Package
from scorm_api.sessions.models import RuntimeLog, ScoState, SequencingState, Session
from scorm_api.signing import Signer

log = logging.getLogger(__name__)

LAUNCH, PAGE, RUNTIME = "launch", "page", "runtime"
MAX_LOG_ENTRIES = 1000
MAX_SEQUENCING_STATE_CHARS = 4 * 1024 * 1024
# Commit bodies may carry fields besides CMI elements.
_NON_CMI = {"commitSequence", "terminate"}


# Only the package's standard is needed with the session, not its (large) parsed structure.
_SESSION_WITH_STANDARD = Prepared(lambda: Session.select(Session, Package.standard).join(Package)
                                   .where(Session.id == ""))


@dataclass
class Page:
    """What the player page starts from. Each SCO it then shows is a delivery with its own
    runtime token (see `deliver`). `redirect`: the content's launch URL, when the launch link
    asked to go straight there."""
    session: Session
    page_token: str
    config: dict
    redirect: str | None = None


XAPI_STANDARDS = ("cmi5", "xapi")  # launched with LRS credentials, not a SCORM API


def launch_link(signer: Signer, settings: Settings, session: Session, item_id: str | None = None,
                launch_mode: str | None = None, redirect: bool = False) -> tuple[str, int]:
    """`item_id`: open that item; `launch_mode` (cmi5): Normal, Browse or Review; `redirect`
    (xAPI/cmi5 with an item): the link goes straight to the content, without the player page."""
    payload = {"s": session.id}
    if item_id:
        payload["i"] = item_id
    if launch_mode:
        payload["m"] = launch_mode
    if redirect:
        payload["r"] = 1
    token = signer.dumps(LAUNCH, payload)
    return (f"{settings.content_base_url}/player/launch/{token}",
            int(time.time()) + settings.launch_link_ttl_seconds)


def _session(session_id: str) -> Session:
    session = Session.get_or_none(Session.id == session_id)
    if session is None:
        raise services.session_not_found()
    return session


def _item_statuses(states) -> dict:
    return {st.item_id: {"completion": st.completion_status, "success": st.success_status} for st in states}


def _launch_key(p: dict) -> str:
    return f"{p['ts']:013d}:{p['l']}"


def _new_launch(session_id: str, **extra) -> dict:
    return {"s": session_id, "l": str(uuid.uuid4()), "ts": int(time.time() * 1000), **extra}


def open_launch(signer: Signer, settings: Settings, token: str, item_id: str | None) -> Page:
    payload = signer.loads(LAUNCH, token, settings.launch_link_ttl_seconds)
    session = _session(payload["s"])
    pkg = session.package
    scos = services.scos_for(pkg.id)
    if not scos:
        raise ApiError(409, "CONFLICT", "This package has nothing to launch")
    item_id = item_id or payload.get("i")
    xapi = pkg.standard in XAPI_STANDARDS
    now = utcnow_iso()
    with write_transaction():
        Session.update(launch_count=Session.launch_count + 1, last_launched_at=now,
                       first_launched_at=session.first_launched_at or now) \
            .where(Session.id == session.id).execute()
        if not xapi:  # xAPI content and the cmi5 LMS steps write their own
            statements.launched(session)
    page_token = signer.dumps(PAGE, _new_launch(session.id, **({"m": payload["m"]} if "m" in payload else {})))
    states = {st.item_id: st for st in ScoState.select().where(ScoState.session == session.id)}
    sequenced = services.uses_sequencing(pkg.standard, scos)
    chosen = next((s for s in scos if s.item_id == item_id), None) if item_id else None
    base = f"{settings.content_base_url}/player/runtime/{page_token}"
    config = {
        "standard": pkg.standard,
        "title": pkg.title,
        "sessionId": session.id,
        "mode": "xapi" if xapi else "sequencing" if sequenced else "flow",
        "tree": services.toc_for(pkg.id, sequenced),
        "items": [{"id": s.item_id, "title": s.title} for s in scos],
        "status": _item_statuses(states.values()),
        "deliverUrl": f"{base}/deliver",
        "statusUrl": f"{base}/status",
        "sequencingUrl": f"{base}/sequencing",
        "start": chosen.item_id if chosen else None,
    }
    if sequenced:
        saved = SequencingState.get_or_none(SequencingState.session == session.id)
        config["sequencingState"] = saved.state if saved else None
    else:
        config["start"] = (chosen or _resume_point(scos, states)).item_id
    redirect = None
    if xapi and payload.get("r"):
        redirect = _start_content(signer, settings, session, page_token, config["start"],
                                  payload.get("m"))["contentUrl"]
    return Page(session, page_token, config, redirect)


def _resume_point(scos: list[services.Sco], states: dict[str, ScoState]) -> services.Sco:
    """The SCO to open: the one suspended last, else the first not yet completed."""
    suspended = [st for st in states.values()
                 if st.cmi.get("cmi.core.exit", st.cmi.get("cmi.exit")) == "suspend"]
    if suspended:
        last = max(suspended, key=lambda st: st.updated_at)
        found = next((s for s in scos if s.item_id == last.item_id), None)
        if found:
            return found
    return next((s for s in scos if s.item_id not in states
                 or states[s.item_id].completion_status != "completed"), scos[0])


def _page(signer: Signer, settings: Settings, token: str) -> dict:
    return signer.loads(PAGE, token, settings.runtime_ttl_seconds)


def _runtime(signer: Signer, settings: Settings, token: str) -> dict:
    return signer.loads(RUNTIME, token, settings.runtime_ttl_seconds)


def deliver(signer: Signer, settings: Settings, page_token: str, raw: bytes) -> dict:
    """Start one SCO on the page: its own runtime token (a new launch key, so its session
    time and commit order are its own), the CMI it resumes from, and its content URL."""
    p = _page(signer, settings, page_token)
    body = parse_body(raw)
    item_id = body.get("item_id") if isinstance(body, dict) else None
    if not isinstance(item_id, str):
        raise bad_request("Say which item to deliver: {\"item_id\": \"...\"}")
    session = _session(p["s"])
    if session.package.standard in XAPI_STANDARDS:
        return _start_content(signer, settings, session, page_token, item_id, p.get("m"))
    sco = _sco(session, item_id)
    with write_transaction():
        statements.initialized(session, sco.item_id, sco.title)
    runtime_token = signer.dumps(RUNTIME, _new_launch(session.id, i=sco.item_id))
    base = f"{settings.content_base_url}/player/runtime/{runtime_token}"
    return {"item_id": sco.item_id, "title": sco.title,
            "contentUrl": f"{settings.content_base_url}/content/{session.package_id}/{sco.href}",
            "commitUrl": f"{base}/commit", "logUrl": f"{base}/log",
            "cmi": services.launch_state(session, sco)}


def _sco(session: Session, item_id: str) -> services.Sco:
    sco = next((s for s in services.scos_for(session.package_id) if s.item_id == item_id), None)
    if sco is None:
        raise ApiError(404, "NOT_FOUND", "This package has no launchable item with that id",
                       {"item_id": item_id})
    return sco


def _start_content(signer: Signer, settings: Settings, session: Session, page_token: str, item_id: str,
                   launch_mode: str | None) -> dict:
    """An xAPI activity or cmi5 AU: the LMS's launch steps, then the content's own URL (which
    returns to the player page, cmi5's returnURL, when the AU exits)."""
    sco = _sco(session, item_id)
    returned = f"{settings.content_base_url}/player/returned/{page_token}"
    started = launch_service.start(signer, settings, session, sco, launch_mode or "Normal", returned)
    return {"item_id": sco.item_id, "title": sco.title, "contentUrl": started.url,
            "launchMethod": started.launch_method, "auSessionId": started.launch.id}


def returned_to(signer: Signer, settings: Settings, page_token: str) -> str:
    """Where a learner goes when content exits to its returnURL outside the player page: a
    fresh launch of the player for the same session."""
    session = _session(_page(signer, settings, page_token)["s"])
    return launch_link(signer, settings, session)[0]


def statuses(signer: Signer, settings: Settings, page_token: str) -> dict:
    """Each item's status and the session's, for the player's table of contents."""
    session = _session(_page(signer, settings, page_token)["s"])
    return {"status": _item_statuses(ScoState.select().where(ScoState.session == session.id)),
            "session": {"completion": session.completion_status, "success": session.success_status}}


def save_sequencing(signer: Signer, settings: Settings, page_token: str, raw: bytes) -> dict:
    """The sequencing engine's state after a delivery or an attempt's end, with the root
    activity's rollup. Ordered like commits: (page launch, seq); a stale save is ignored."""
    p = _page(signer, settings, page_token)
    body = parse_body(raw)
    if not isinstance(body, dict) or not isinstance(body.get("state"), str):
        raise bad_request("The body must be {\"state\": \"...\", \"seq\": n, \"rollup\": {...}}")
    seq = body.get("seq")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
        raise bad_request("seq must be an integer")
    if len(body["state"]) > MAX_SEQUENCING_STATE_CHARS:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", "The sequencing state is too large")
    rollup = services.clean_rollup(body.get("rollup"))
    with write_transaction():
        found = _SESSION_WITH_STANDARD.models(Session, p["s"])
        if not found:
            raise services.session_not_found()
        applied = services.apply_sequencing(found[0], found[0].standard, body["state"],
                                            _launch_key(p), seq, rollup)
    return {"result": True, "errorCode": 0, "stale": not applied}


def parse_body(raw: bytes) -> object:
    """Commits arrive as JSON, or as text/plain JSON from navigator.sendBeacon."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad_request("The commit body is not valid JSON") from None


def commit(signer: Signer, settings: Settings, token: str, raw: bytes, terminate: bool = False) -> dict:
    """One commit of a delivery; `terminate`: the SCO's final one (the runtime's ?terminate=true)."""
    p = _runtime(signer, settings, token)
    try:
        return _commit(p, raw, terminate)
    except ApiError as e:  # a refused commit is exactly what "why didn't it track?" needs
        log.warning("runtime commit refused", extra={"fields": {
            "session_id": p["s"], "item_id": p["i"], "error": e.message, "details": e.details}})
        raise


def _commit(p: dict, raw: bytes, terminate: bool) -> dict:
    body = parse_body(raw)
    if not isinstance(body, dict):
        raise bad_request("The commit body must be a JSON object of CMI elements")
    seq = body.get("commitSequence")
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
        raise bad_request("commitSequence must be an integer")
    updates = services.clean_cmi({k: v for k, v in body.items() if k not in _NON_CMI})
    launch_key = _launch_key(p)
    with write_transaction():
        found = _SESSION_WITH_STANDARD.models(Session, p["s"])
        if not found:
            raise services.session_not_found()
        session = found[0]
        standard = session.standard
        state = services.find_state(session.id, p["i"])
        if state is not None and services.is_stale(state.last_commit_launch,
                                                   state.last_commit_seq, launch_key, seq):
            return {"result": True, "errorCode": 0, "stale": True}
        state = services.apply_cmi(session, standard, p["i"], updates, launch_key, seq, state)
        if terminate:
            exit_value = state.cmi.get("cmi.core.exit" if standard == services.SCORM12 else "cmi.exit")
            statements.ended(session, p["i"], exit_value, state.launch_times.get(launch_key))
    suspend = updates.get("cmi.suspend_data", "")
    if standard == services.SCORM12 and len(suspend) > services.SUSPEND_DATA_12_LIMIT:
        log.warning("suspend_data over the SCORM 1.2 limit kept whole", extra={"fields": {
            "session_id": session.id, "item_id": p["i"], "length": len(suspend)}})
    return {"result": True, "errorCode": 0, "version": session.version}


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
    # beacon); each entry carries the time of its call and the page's call counter.
    out.sort(key=lambda e: (str(e.get("t", "")), e.get("n") if isinstance(e.get("n"), int) else 0))
    return out[:limit]
