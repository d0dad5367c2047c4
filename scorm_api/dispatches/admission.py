"""A launch through a dispatch: the record its token names is checked every time (revoked,
disabled, expired, the launching page's domain, the password), then the learner of the host
LMS is admitted: their registration found, or made within the registration and license caps,
and their session here resumed. A relaunch never makes a second registration, whatever the
host sends."""

from __future__ import annotations

from dataclasses import dataclass

import peewee

from scorm_api.db import database, new_id, utcnow_iso, write_transaction
from scorm_api.dispatches import domains, signals, tokens
from scorm_api.dispatches.models import Dispatch, Registration
from scorm_api.dispatches.services import status_of
from scorm_api.errors import ApiError
from scorm_api.hashing import verify_password
from scorm_api.sessions import services as sessions
from scorm_api.sessions.models import Session
from scorm_api.state import State
from scorm_api.throttle import SignInThrottle

MAX_LEARNER_ID = 200
MAX_LEARNER_NAME = 200
MAX_PASSWORD = 200
GUESSES = SignInThrottle()  # wrong access passwords, per dispatch and browser address


@dataclass(frozen=True)
class Visitor:
    """Who launches, as the shell read them from the host LMS, and from where."""

    learner_id: str | None
    learner_name: str | None
    host_origin: str | None  # the launching page's origin (the Referer), None when not sent
    password: str | None = None
    client: str = ""  # the browser's address: wrong passwords from it are throttled


def refused(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, code, message)


def open_dispatch(state: State, token: str) -> Dispatch:
    """The record a token names, if it may be launched now."""
    dispatch_id, tenant_id = tokens.read(state.secret, token)
    d = Dispatch.get_or_none((Dispatch.id == dispatch_id) & (Dispatch.tenant == tenant_id))
    if d is None:
        raise refused(404, "DISPATCH_NOT_FOUND", "This course is no longer offered here")
    status = status_of(d)
    if status == "revoked":
        raise refused(403, "DISPATCH_REVOKED", "This course has been withdrawn by its provider")
    if status == "expired":
        raise refused(410, "DISPATCH_EXPIRED", "Access to this course has expired")
    if status == "disabled":
        raise refused(403, "DISPATCH_DISABLED", "This course is paused by its provider; try again later")
    return d


def check_visitor(d: Dispatch, visitor: Visitor) -> None:
    """The domain and the password (the learner is checked by admit)."""
    if not domains.allows(d.allowed_domains, visitor.host_origin):
        raise refused(
            403,
            "DISPATCH_DOMAIN_NOT_ALLOWED",
            "This course can only be opened from the learning platform it was sent to",
        )
    if d.password_hash is not None:
        if not visitor.password:
            raise refused(401, "DISPATCH_PASSWORD_REQUIRED", "This course needs its access password")
        guesser = f"{d.id} {visitor.client}"
        GUESSES.check(guesser)  # 429 while this browser must wait
        if len(visitor.password) > MAX_PASSWORD or not verify_password(visitor.password, d.password_hash):
            GUESSES.failed(guesser)
            raise refused(401, "DISPATCH_PASSWORD_WRONG", "That access password is not right")


def learner_of(visitor: Visitor) -> tuple[str, str | None]:
    learner_id = (visitor.learner_id or "").strip()
    if not learner_id:
        raise refused(400, "DISPATCH_LEARNER_REQUIRED", "Say who is learning: a learner id is needed")
    if len(learner_id) > MAX_LEARNER_ID or any(ord(c) < 32 for c in learner_id):
        raise refused(
            400, "DISPATCH_LEARNER_INVALID", "The learner id the learning platform sent is not valid"
        )
    name = (visitor.learner_name or "").strip()[:MAX_LEARNER_NAME] or None
    return learner_id, name


def user_id_of(d: Dispatch, learner_id: str) -> str:
    """The session's learner here: scoped to the dispatch, as two host LMSs may both have a
    learner "42"."""
    return f"{d.learner_scope}/{learner_id}"


def admit(state: State, d: Dispatch, visitor: Visitor) -> tuple[Registration, Session]:
    check_visitor(d, visitor)
    learner_id, name = learner_of(visitor)
    now = utcnow_iso()
    # One transaction: while no version of the package is ready, create_session's 409 takes
    # back the registration and its counts.
    with write_transaction():
        mine = (Registration.dispatch == d.id) & (Registration.learner_id == learner_id)
        reg = Registration.get_or_none(mine)
        if reg is None:
            try:
                with database.atomic():  # a savepoint: a lost race undoes its counts too
                    reg = _register(d, learner_id, name, visitor.host_origin, now)
            except peewee.IntegrityError:  # the same learner's first launch at once elsewhere
                reg = Registration.get(mine)  # (PostgreSQL; SQLite's writers queue)
                _relaunched(reg, name, now)
        else:
            _relaunched(reg, name, now)
        session, _ = sessions.create_session(
            d.tenant_id, d.package_id, reg.user_id, reg.learner_name, new_attempt=False
        )
    return reg, session


def _relaunched(reg: Registration, name: str | None, now: str) -> None:
    reg.launch_count += 1
    reg.last_launched_at = now
    reg.learner_name = name or reg.learner_name
    reg.save()


def _register(d: Dispatch, learner_id: str, name: str | None, origin: str | None, now: str) -> Registration:
    """A new learner, counted within the caps by one conditional update each (so two first
    launches at once can never both take the last place)."""
    room = Dispatch.registration_limit.is_null() | (Dispatch.registration_count < Dispatch.registration_limit)
    counted = Dispatch.update(registration_count=Dispatch.registration_count + 1).where(
        (Dispatch.id == d.id) & room
    )
    if not counted.execute():
        raise refused(
            403,
            "DISPATCH_REGISTRATION_LIMIT",
            "This course has reached the number of learners it was sent for",
        )
    licensed = Dispatch.update(license_count=Dispatch.license_count + 1).where(
        (Dispatch.id == d.id)
        & (Dispatch.license_limit.is_null() | (Dispatch.license_count < Dispatch.license_limit))
    )
    if not licensed.execute():
        raise refused(403, "DISPATCH_LICENSE_LIMIT", "All the licenses for this course are in use")
    reg = Registration.create(
        id=new_id(),
        dispatch=d.id,
        learner_id=learner_id,
        learner_name=name,
        user_id=user_id_of(d, learner_id),
        host_origin=origin[:300] if origin else None,
        launch_count=1,
        first_launched_at=now,
        last_launched_at=now,
    )
    d.registration_count += 1
    d.license_count += 1
    signals.registered.send(d, registration=reg)
    return reg
