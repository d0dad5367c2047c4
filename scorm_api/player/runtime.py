"""The player's side of a session: launch links redeemed, items delivered, commits, the
sequencing state and the call log, authorised by the player's tokens alone.

A launch link (sessions.launch_links) carries a short-lived signed token. Opening it mints a
page token (session, launch id, start time); each item the page then shows is a delivery with
its own runtime token (session, item, delivery id, start time). Those tokens are the only
credentials the page holds: never an API key. What the tokens allow is written through
sessions.tracking; xAPI and cmi5 content is started by the launches domain.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from scorm_api import safejson
from scorm_api.config import Settings
from scorm_api.errors import ApiError, bad_request
from scorm_api.launches import service as launch_service
from scorm_api.packages import launch_urls, structure
from scorm_api.packages.structure import XAPI_STANDARDS, Sco
from scorm_api.schemas import MAX_INTEGER
from scorm_api.sessions import call_log, tracking
from scorm_api.sessions.launch_links import LAUNCH, PAGE, RUNTIME, launch_link
from scorm_api.sessions.models import ScoState, SequencingState, Session
from scorm_api.sessions.resume import launch_state, resume_point
from scorm_api.sessions.services import check_launch_open, create_session, session_not_found
from scorm_api.sessions.vocabulary import for_standard
from scorm_api.signing import Signer

log = logging.getLogger(__name__)

MAX_LOG_ENTRIES = 1000
# Commit bodies may carry fields besides CMI elements.
_NON_CMI = {"commitSequence", "terminate"}


@dataclass
class Page:
    """What the player page starts from. Each item it then shows is a delivery with its own
    runtime token (see `deliver`). `redirect`: the content's launch URL, when the launch link
    asked to go straight there."""

    session: Session
    page_token: str
    config: dict
    redirect: str | None = None


def parse_body(raw: bytes) -> object:
    """Commits arrive as JSON, or as text/plain JSON from navigator.sendBeacon."""
    return safejson.loads(raw, "The commit body is not valid JSON")


def _session(session_id: str) -> Session:
    session = Session.get_or_none(Session.id == session_id)
    if session is None:
        raise session_not_found()
    return session


def _open_session(page: dict) -> Session:
    """The session of a page token whose launch is still open (409 once a reset or a new
    attempt ended it)."""
    session = _session(page["s"])
    check_launch_open(session, page["ts"])
    return session


def _item_statuses(states) -> dict:
    return {st.item_id: {"completion": st.completion_status, "success": st.success_status} for st in states}


def _launch_key(p: dict) -> str:
    return f"{p['ts']:013d}:{p['l']}"


def _new_launch(session_id: str, **extra) -> dict:
    return {"s": session_id, "l": str(uuid.uuid4()), "ts": int(time.time() * 1000), **extra}


def _sco(session: Session, item_id: str) -> Sco:
    sco = structure.sco(session.package_version_id, item_id)
    if sco is None:
        raise ApiError(
            404, "NOT_FOUND", "This package has no launchable item with that id", {"item_id": item_id}
        )
    return sco


class Runtime:
    """The player's operations, with the signer of its tokens and the live settings."""

    def __init__(self, signer: Signer, settings: Settings):
        self.signer = signer
        self.settings = settings

    def _page(self, token: str) -> dict:
        return self.signer.loads(PAGE, token, self.settings.runtime_ttl_seconds)

    def _runtime(self, token: str) -> dict:
        return self.signer.loads(RUNTIME, token, self.settings.runtime_ttl_seconds)

    def _base(self, token: str) -> str:
        return f"{self.settings.content_base_url}/player/runtime/{token}"

    # ---- the page ---------------------------------------------------------------------
    def open_launch(self, token: str, item_id: str | None) -> Page:
        payload = self.signer.loads(LAUNCH, token, self.settings.launch_link_ttl_seconds)
        return self.open_session(_session(payload["s"]), item_id or payload.get("i"), payload)

    def open_session(
        self,
        session: Session,
        item_id: str | None,
        payload: dict | None = None,
        new_attempts: bool = True,
    ) -> Page:
        """The player page of a session: a launch link redeemed (`payload`, its token's: a
        cmi5 launch mode, a redirect to the content), or a dispatch's launch. `new_attempts`:
        the learner may start a new attempt from the page (not in a dispatch, whose host LMS
        keys its learner to this session)."""
        payload = payload or {}
        pkg = session.package_version
        scos = structure.scos_for(pkg.id)
        if not scos:
            raise ApiError(409, "CONFLICT", "This package has nothing to launch")
        xapi = pkg.standard in XAPI_STANDARDS
        tracking.launched(session, announce=not xapi)  # xAPI content and cmi5 write their own
        extra = {"m": payload["m"]} if "m" in payload else {}
        if not new_attempts:
            extra["na"] = 1
        page_token = self.signer.dumps(PAGE, _new_launch(session.id, **extra))
        states = {st.item_id: st for st in ScoState.select().where(ScoState.session == session.id)}
        sequenced = structure.uses_sequencing(pkg.standard, scos)
        chosen = next((s for s in scos if s.item_id == item_id), None) if item_id else None
        base = self._base(page_token)
        config: dict[str, Any] = {
            "standard": pkg.standard,
            "title": pkg.title,
            "sessionId": session.id,
            "mode": "xapi" if xapi else "sequencing" if sequenced else "flow",
            "tree": structure.toc_for(pkg.id, sequenced),
            "items": [{"id": s.item_id, "title": s.title} for s in scos],
            "status": _item_statuses(states.values()),
            "deliverUrl": f"{base}/deliver",
            "statusUrl": f"{base}/status",
            "sequencingUrl": f"{base}/sequencing",
            "start": chosen.item_id if chosen else None,
            "session": _session_result(session),
            "hazards": _offline_hazards(pkg.warnings),
        }
        if new_attempts and not xapi:
            config["newAttemptUrl"] = f"{base}/new-attempt"
        if sequenced:
            saved = SequencingState.get_or_none(SequencingState.session == session.id)
            config["sequencingState"] = saved.state if saved else None
        else:
            config["start"] = (chosen or resume_point(pkg.standard, scos, states)).item_id
        redirect = None
        if xapi and payload.get("r"):
            redirect = self._start_content(session, page_token, config["start"], payload.get("m"))[
                "contentUrl"
            ]
        return Page(session, page_token, config, redirect)

    def deliver(self, page_token: str, raw: bytes) -> dict:
        """Start one item on the page: its own runtime token (a new launch key, so its
        session time and commit order are its own), the CMI it resumes from, and its content
        URL. `"review": true` opens it in review mode (cmi.mode review, no credit): the
        learner looks back at a finished course and nothing it commits changes the record."""
        p = self._page(page_token)
        body = parse_body(raw)
        if not isinstance(body, dict) or not isinstance(body.get("item_id"), str):
            raise bad_request('Say which item to deliver: {"item_id": "..."}')
        item_id, review = body["item_id"], body.get("review", False)
        if not isinstance(review, bool):
            raise bad_request("review must be true or false")
        session = _open_session(p)
        if session.package_version.standard in XAPI_STANDARDS:
            return self._start_content(session, page_token, item_id, p.get("m"))
        sco = _sco(session, item_id)
        cmi = launch_state(session, sco)
        if review:
            vocab = for_standard(session.package_version.standard)
            cmi.update({vocab.mode: "review", vocab.credit: "no-credit"})
        else:
            tracking.item_started(session, sco)
        extra = {"rv": 1} if review else {}
        runtime_token = self.signer.dumps(RUNTIME, _new_launch(session.id, i=sco.item_id, **extra))
        base = self._base(runtime_token)
        return {
            "item_id": sco.item_id,
            "title": sco.title,
            "contentUrl": sco.href
            if launch_urls.is_absolute(sco.href)  # an asset on the web (warned at import)
            else f"{self.settings.content_base_url}/content/{session.package_version_id}/{sco.href}",
            "commitUrl": f"{base}/commit",
            "logUrl": f"{base}/log",
            "cmi": cmi,
            "scormType": sco.scorm_type or "sco",
            "review": review,
        }

    def _start_content(
        self, session: Session, page_token: str, item_id: str, launch_mode: str | None
    ) -> dict:
        """An xAPI activity or cmi5 AU: the LMS's launch steps, then the content's own URL
        (which returns to the player page, cmi5's returnURL, when the AU exits)."""
        sco = _sco(session, item_id)
        returned = f"{self.settings.content_base_url}/player/returned/{page_token}"
        started = launch_service.start(
            self.signer, self.settings, session, sco, launch_mode or "Normal", returned
        )
        return {
            "item_id": sco.item_id,
            "title": sco.title,
            "contentUrl": started.url,
            "launchMethod": started.launch_method,
            "auSessionId": started.launch.id,
        }

    def returned_to(self, page_token: str) -> str:
        """Where a learner goes when content exits to its returnURL outside the player page:
        a fresh launch of the player for the same session."""
        session = _session(self._page(page_token)["s"])
        return launch_link(self.signer, self.settings, session)[0]

    def new_attempt(self, page_token: str) -> str:
        """The learner's own "Start a new attempt": a new session for the same learner and
        package (the earlier attempt stays readable, its launches end), and the launch URL
        of its player page."""
        p = self._page(page_token)
        if p.get("na"):
            raise ApiError(409, "CONFLICT", "A new attempt cannot be started from this launch")
        session = _open_session(p)
        fresh, _ = create_session(
            session.tenant_id, session.package_id, session.user_id, session.user_name, new_attempt=True
        )
        return launch_link(self.signer, self.settings, fresh)[0]

    def statuses(self, page_token: str) -> dict:
        """Each item's status and the session's, for the player's table of contents."""
        session = _session(self._page(page_token)["s"])
        return {
            "status": _item_statuses(ScoState.select().where(ScoState.session == session.id)),
            "session": _session_result(session),
        }

    def save_sequencing(self, page_token: str, raw: bytes) -> dict:
        """The sequencing engine's state after a delivery or an attempt's end, with the root
        activity's rollup. Ordered like commits: (page launch, seq); a stale save is ignored."""
        p = self._page(page_token)
        body = parse_body(raw)
        if not isinstance(body, dict) or not isinstance(body.get("state"), str):
            raise bad_request('The body must be {"state": "...", "seq": n, "rollup": {...}}')
        seq = _sequence(body.get("seq"), "seq")
        applied = tracking.save_sequencing(
            p["s"], body["state"], _launch_key(p), seq, tracking.clean_rollup(body.get("rollup"))
        )
        return {"result": True, "errorCode": 0, "stale": not applied}

    # ---- a delivery ---------------------------------------------------------------------
    def commit(self, token: str, raw: bytes, terminate: bool = False) -> dict:
        """One commit of a delivery; `terminate`: the item's final one (the runtime's
        ?terminate=true)."""
        p = self._runtime(token)
        try:
            body = parse_body(raw)
            if not isinstance(body, dict):
                raise bad_request("The commit body must be a JSON object of CMI elements")
            seq = _sequence(body.get("commitSequence"), "commitSequence")
            updates = tracking.clean_cmi({k: v for k, v in body.items() if k not in _NON_CMI})
            if p.get("rv"):  # review mode: checked like any commit, never written
                return {"result": True, "errorCode": 0, "review": True}
            return tracking.commit(self.settings, p["s"], p["i"], _launch_key(p), seq, updates, terminate)
        except ApiError as e:  # a refused commit is exactly what "why didn't it track?" needs
            call_log.refused(self.settings, p["s"], p["l"], p["i"], e)
            log.warning(
                "runtime commit refused",
                extra={
                    "fields": {
                        "session_id": p["s"],
                        "item_id": p["i"],
                        "error": e.message,
                        "details": e.details,
                    }
                },
            )
            raise

    def append_log(self, token: str, raw: bytes) -> int:
        p = self._runtime(token)
        entries = parse_body(raw)
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise bad_request("The log body must be a JSON array of entries")
        entries = entries[:MAX_LOG_ENTRIES]
        call_log.append(self.settings, p["s"], p["l"], p["i"], entries)
        return len(entries)


def _session_result(session: Session) -> dict:
    """The session's result as the player shows it (a finished course's page) and a
    dispatch's bridge hands the host LMS."""
    return {
        "completion": session.completion_status,
        "success": session.success_status,
        "score": {
            "scaled": session.score_scaled,
            "raw": session.score_raw,
            "min": session.score_min,
            "max": session.score_max,
        },
        "time_spent_seconds": session.time_spent_seconds,
    }


def _offline_hazards(warnings: list | None) -> dict:
    """What the player tells a learner whose course never starts: how many of the package's
    files load something from the internet, and a few of the addresses."""
    hits = [w for w in warnings or [] if w.get("code") == "offline_hazard" and w.get("url")]
    return {"count": len(hits), "urls": sorted({w["url"] for w in hits})[:3]}


def _sequence(value, name: str) -> int | None:
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INTEGER
    ):
        raise bad_request(f"{name} must be an integer from 0 to {MAX_INTEGER}")
    return value
