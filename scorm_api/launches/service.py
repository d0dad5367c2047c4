"""Launching an xAPI activity or cmi5 AU, its LRS credentials, and the LMS's own moves on AU
sessions (abandon, waive).

A launch is an AuLaunch row whose id is the cmi5 session id. Its credentials are the username
`au-<id>` and a random password whose hash the row keeps:
- cmi5 hands the password out once, through the fetch URL (8.2); a second fetch is error 1;
- xAPI (tincan.xml) content gets it in the launch URL's `auth` parameter, as is customary.
Either way the credentials die with the AU session: when it terminates, is abandoned, or
expires (the runtime token lifetime).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from scorm_api.config import Settings
from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.errors import ApiError, not_found
from scorm_api.launches import cmi5_statements as v
from scorm_api.launches import progress
from scorm_api.launches.models import AuLaunch
from scorm_api.packages.course import au_activity_id, course_of
from scorm_api.packages.structure import Sco
from scorm_api.sessions import services, tracking
from scorm_api.sessions.cmi import format_duration
from scorm_api.sessions.models import Session
from scorm_api.signing import Signer
from scorm_api.xapi import documents
from scorm_api.xapi import scorm_bridge as statements
from scorm_api.xapi.identity import actor_key
from scorm_api.xapi.validation import timestamp

FETCH = "au-fetch"
LAUNCH_MODES = ("Normal", "Browse", "Review")
WAIVE_REASONS = ("Tested Out", "Equivalent AU", "Equivalent Outside Activity", "Administrative")
LAUNCH_DATA = "LMS.LaunchData"
LAUNCH_PREFIX = "au-"  # usernames of one launch's LRS credentials


@dataclass(frozen=True)
class Started:
    url: str  # the content's launch URL, with the launch parameters
    launch_method: str  # AnyWindow | OwnWindow
    launch: AuLaunch


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _later(seconds: int) -> str:
    return utcnow_iso(timedelta(seconds=seconds))


def content_url(settings: Settings, package_id: str, href: str) -> str:
    if urlsplit(href).scheme:
        return href  # an AU hosted elsewhere
    return f"{settings.content_base_url}/content/{package_id}/{href}"


def _with_params(url: str, params: dict) -> str:
    parts = urlsplit(url)
    extra = urlencode(params, quote_via=quote)
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def _credentials(launch_id: str, secret: str) -> str:
    return base64.b64encode(f"{LAUNCH_PREFIX}{launch_id}:{secret}".encode()).decode()


def start(
    signer: Signer, settings: Settings, session: Session, sco: Sco, launch_mode: str, return_url: str | None
) -> Started:
    """Everything the LMS does before the content starts; the content's launch URL."""
    standard = session.package_version.standard
    if launch_mode not in LAUNCH_MODES:
        raise ApiError(400, "BAD_REQUEST", "launch_mode must be Normal, Browse or Review")
    url = content_url(settings, session.package_version_id, sco.href)
    endpoint = f"{settings.content_base_url}/xapi"
    actor = statements.learner(session)
    now, launch_id = utcnow_iso(), str(uuid.uuid4())
    common = {
        "id": launch_id,
        "tenant": session.tenant_id,
        "session": session.id,
        "item_id": sco.item_id,
        "launch_mode": launch_mode,
        "created_at": now,
        "expires_at": _later(settings.runtime_ttl_seconds),
    }
    with write_transaction():
        if standard != "cmi5":
            secret = secrets.token_urlsafe(32)
            launch = AuLaunch.create(
                kind="xapi", activity_id=sco.item_id, secret_hash=_hash(secret), **common
            )
            statements.save(session, [statements.launch_statement(session, sco.item_id, sco.title)])
            return Started(
                _with_params(
                    url,
                    {
                        "endpoint": endpoint,
                        "auth": "Basic " + _credentials(launch_id, secret),
                        "actor": _json(actor),
                        "registration": session.id,
                        "activity_id": sco.item_id,
                    },
                ),
                "AnyWindow",
                launch,
            )
        au = course_of(session.package_version_id).au(sco.item_id)
        activity_id = au_activity_id(statements.base_url(), session.package_id, au.id)
        for active in AuLaunch.select().where(
            (AuLaunch.session == session.id)
            & (AuLaunch.kind == "cmi5")
            & AuLaunch.terminated_at.is_null()
            & AuLaunch.abandoned_at.is_null()
        ):
            _abandon(active, session)  # cmi5 9.3.6: a new launch abandons the active session
        launch = AuLaunch.create(kind="cmi5", activity_id=activity_id, **common)
        launch_data: dict[str, Any] = {
            "contextTemplate": v.context_template(au, launch_id),
            "launchMode": launch_mode,
            "moveOn": au.move_on,
        }
        if au.launch_parameters is not None:
            launch_data["launchParameters"] = au.launch_parameters
        if au.mastery_score is not None:
            launch_data["masteryScore"] = au.mastery_score
        if au.entitlement_key is not None:
            launch_data["entitlementKey"] = {"courseStructure": au.entitlement_key}
        if return_url:
            launch_data["returnURL"] = return_url
        documents.put(
            documents.Key(session.tenant_id, "state", activity_id, actor_key(actor), session.id),
            LAUNCH_DATA,
            _json(launch_data).encode(),
            "application/json",
            merge=False,
        )
        statements.save(session, [v.launched(session, au, activity_id, launch_id, launch_mode, url)])
    fetch = f"{settings.content_base_url}/player/fetch/{signer.dumps(FETCH, {'a': launch_id})}"
    return Started(
        _with_params(
            url,
            {
                "endpoint": endpoint,
                "fetch": fetch,
                "actor": _json(actor),
                "registration": session.id,
                "activityId": activity_id,
            },
        ),
        au.launch_method,
        launch,
    )


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def _error(code: str, text: str) -> dict:
    return {"error-code": code, "error-text": text}


def fetch_token(signer: Signer, settings: Settings, token: str) -> dict:
    """The cmi5 fetch URL: the auth token once (8.2); errors are 200s with an error-code."""
    try:
        launch_id = signer.loads(FETCH, token, settings.runtime_ttl_seconds)["a"]
    except ApiError:
        return _error("2", "This fetch URL is not valid")
    secret = secrets.token_urlsafe(32)
    with write_transaction():
        launch = AuLaunch.get_or_none(AuLaunch.id == launch_id)
        if launch is None:
            return _error("2", "This fetch URL is not valid")
        if launch.secret_hash is not None:
            return _error("1", "The authorization token has already been returned")
        if launch.ended or launch.expires_at < utcnow_iso():
            return _error("1", "This AU session has ended")
        AuLaunch.update(secret_hash=_hash(secret)).where(AuLaunch.id == launch_id).execute()
    return {"auth-token": _credentials(launch_id, secret)}


def authenticate(username: str, password: str) -> AuLaunch | None:
    """The live launch these credentials belong to, or None."""
    launch = AuLaunch.get_or_none(AuLaunch.id == username[len(LAUNCH_PREFIX) :])
    if (
        launch is None
        or launch.secret_hash is None
        or not hmac.compare_digest(launch.secret_hash, _hash(password))
    ):
        return None
    if launch.ended or launch.expires_at < utcnow_iso():
        return None
    return launch


# ---- the LMS ending or excusing AU sessions ----------------------------------------------------


def _abandon(launch: AuLaunch, session: Session) -> None:
    au = course_of(session.package_version_id).au(launch.item_id)
    start_at = timestamp(launch.created_at, "created_at")
    last = timestamp(launch.last_statement_at or launch.created_at, "last_statement_at")
    seconds = max(0.0, (last - start_at).total_seconds())
    launch.abandoned_at = utcnow_iso()
    launch.save()
    state = tracking.state_for(session, launch.item_id)
    state.launch_times = {**state.launch_times, launch.id: seconds}
    state.save()
    statements.save(
        session, [v.abandoned(session, au, launch.activity_id, launch.id, format_duration(seconds))]
    )


def end_open_launches(session: Session) -> None:
    """sessions.signals.launches_ended: the session's open AU sessions end with it, so their
    LRS credentials stop working. A cmi5 one is abandoned as cmi5 9.3.6 has the LMS do (an
    Abandoned statement); a plain xAPI launch has no such statement and simply ends."""
    for launch in AuLaunch.select().where(
        (AuLaunch.session == session.id) & AuLaunch.terminated_at.is_null() & AuLaunch.abandoned_at.is_null()
    ):
        if launch.kind == "cmi5":
            _abandon(launch, session)
        else:
            launch.abandoned_at = utcnow_iso()
            launch.save()


def abandon(tenant_id: str, launch_id: str) -> AuLaunch:
    with write_transaction():
        launch = AuLaunch.get_or_none((AuLaunch.id == launch_id) & (AuLaunch.tenant == tenant_id))
        if launch is None:
            raise not_found("NOT_FOUND", "AU session not found")
        if launch.kind != "cmi5":
            raise ApiError(409, "CONFLICT", "Only cmi5 AU sessions are abandoned")
        if launch.ended:
            raise ApiError(
                409, "CONFLICT", "This AU session has already ended", {"status": launch.to_api()["status"]}
            )
        session = services.get_session(tenant_id, launch.session_id)
        _abandon(launch, session)
        progress.settle(session, launch.id)
    return launch


def waive(tenant_id: str, session_id: str, item_id: str, reason: str) -> Session:
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 200:
        raise ApiError(
            400, "BAD_REQUEST", "Say why the AU is waived: reason (e.g. " + ", ".join(WAIVE_REASONS) + ")"
        )
    with write_transaction():
        session = services.get_session(tenant_id, session_id)
        course = course_of(session.package_version_id)
        if course is None:
            raise ApiError(409, "CONFLICT", "Only AUs of cmi5 packages are waived")
        au = course.au(item_id)
        if au is None:
            raise not_found("NOT_FOUND", "This course has no AU with that id")
        if progress.is_waived(session, au):
            raise ApiError(409, "CONFLICT", "This AU is already waived in this registration")
        if progress.au_met(au, tracking.find_state(session.id, au.id)):
            raise ApiError(409, "CONFLICT", "This AU already met its moveOn criteria")
        sid = str(uuid.uuid4())  # cmi5 9.3.7: a session id of the waiver's own
        activity_id = au_activity_id(statements.base_url(), session.package_id, au.id)
        statements.save(session, [v.waived(session, au, activity_id, sid, reason.strip())])
        progress.mark_waived(session, au, reason.strip())
        progress.settle(session, sid)
    return session


def launches_of(tenant_id: str, session_id: str) -> list[AuLaunch]:
    session = services.get_session(tenant_id, session_id)
    return list(AuLaunch.select().where(AuLaunch.session == session.id).order_by(AuLaunch.created_at))
