"""Where events come from: the sessions', packages', dispatches' and learners' signals, each
turned into an event in the sender's write transaction (events.record), then the delivery task
woken.

The receivers are module functions connected once (as the xAPI bridge's are); they act for
the state wired last, as the database proxy serves the data dir opened last: one process
serves one data dir."""

from __future__ import annotations

import math

from scorm_api.db import after_commit
from scorm_api.dispatches import services as dispatch_services
from scorm_api.dispatches import signals as dispatch_signals
from scorm_api.dispatches.models import Dispatch
from scorm_api.learners import signals as learner_signals
from scorm_api.packages import signals as package_signals
from scorm_api.packages import versions
from scorm_api.packages.models import Package
from scorm_api.sessions import serialize
from scorm_api.sessions import signals as session_signals
from scorm_api.sessions.models import Session
from scorm_api.state import State
from scorm_api.tenants.models import Tenant
from scorm_api.webhooks import events

_wired: list[State] = []


def connect(state: State) -> None:
    _wired[:] = [state]
    for signal, fn in (
        (session_signals.launched, launched),
        (session_signals.saved, saved),
        (package_signals.processed, processed),
        (package_signals.processing_failed, failed),
        (package_signals.version_ready, updated),
        (package_signals.deleting, deleting),
        (dispatch_signals.created, dispatch_created),
        (dispatch_signals.changed, dispatch_updated),
        (dispatch_signals.revoked, dispatch_revoked),
        (dispatch_signals.registered, dispatch_registered),
        (learner_signals.session_deleted, session_deleted),
        (learner_signals.learner_deleted, learner_deleted),
        (learner_signals.learner_merged, learner_merged),
    ):
        signal.connect(fn, weak=False)  # the same function again is not a second receiver


def emit(tenant_id: str, types: list[str], object_id: str, data) -> None:
    """`data`: a function making the object's body, called only when a webhook wants one of
    `types` (a commit with no subscriber pays one read, not a serialisation)."""
    hooks = events.subscriptions(tenant_id)
    if not hooks or not types:
        return
    made: list[dict] = []

    def body() -> dict:  # made once, and only for an event that is new
        if not made:
            made.append(data())
        return made[0]

    interval = _wired[0].settings.webhook_progress_interval_seconds if _wired else 10.0
    recorded = [events.record(tenant_id, t, object_id, body, hooks, interval) for t in types]
    if any(r is not None and r.type != events.PROGRESS for r in recorded):
        # Once per transaction, when the delivery worker can see the rows. A progress event
        # waits out its interval: the worker's own tick takes it.
        after_commit(_wake)


def _wake() -> None:
    if _wired:
        _wired[0].jobs.wake_worker(events.DELIVER_TASK)


def _session(session: Session):
    return lambda: {"session": serialize.summary(session)}


def _package(pkg: Package):
    base = _wired[0].settings.content_base_url if _wired else ""
    return lambda: {"package": pkg.to_api(base, full=False)}


def launched(session: Session, **_) -> None:
    emit(session.tenant_id, ["session.launched"], session.public_id, _session(session))


def saved(session: Session, completion_before: str, success_before: str, score_before: tuple, **_) -> None:
    types = [events.PROGRESS]
    done = session.completion_status == "completed" or session.success_status == "passed"
    was = completion_before == "completed" or success_before == "passed"
    if done and not was:
        types.append("session.completed")
    score = (session.score_scaled, session.score_raw)
    if score != score_before and any(v is not None for v in score):
        types.append("session.scored")
    emit(session.tenant_id, types, session.public_id, _session(session))


def processed(pkg: Package, **_) -> None:
    emit(pkg.tenant_id, ["package.processing.completed"], pkg.family_id, _package(pkg))
    if pkg.version_number == 1:  # a new package: the quota's use grew
        _usage(pkg.tenant_id)


THRESHOLDS = (80, 100)  # percent of a quota, as the cloud's usage.threshold ("80% or 100%")


def _usage(tenant_id: str) -> None:
    """usage.threshold when the package quota's use reaches 80% or 100% (once per crossing)."""
    limit = Tenant.select(Tenant.max_packages).where(Tenant.id == tenant_id).scalar()
    if not limit:
        return
    used = versions.count(tenant_id)
    for percent in THRESHOLDS:
        mark = math.ceil(limit * percent / 100)
        if used - 1 < mark <= used:
            usage = {"metric": "packages", "used": used, "limit": limit, "threshold_percent": percent}
            emit(tenant_id, ["usage.threshold"], "usage:packages", lambda u=usage: {"usage": u})


def failed(pkg: Package, **_) -> None:
    emit(pkg.tenant_id, ["package.processing.failed"], pkg.family_id, _package(pkg))


def updated(pkg: Package, **_) -> None:
    emit(pkg.tenant_id, ["package.updated"], pkg.family_id, _package(pkg))


def deleting(pkg: Package, **_) -> None:
    emit(pkg.tenant_id, ["package.deleted"], pkg.family_id, _package(pkg))


def _dispatch(d: Dispatch, **extra):
    """The dispatch as the API lists it, without its token: a receiver learns what changed,
    not a link that launches the course."""

    def body() -> dict:
        shown = dispatch_services.to_api(_wired[0], d) if _wired else {"id": d.id}
        for secret in ("token", "launch_url"):
            shown.pop(secret, None)
        return {"dispatch": shown, **extra}

    return body


def dispatch_created(d: Dispatch, **_) -> None:
    emit(d.tenant_id, ["dispatch.created"], d.id, _dispatch(d))


def dispatch_updated(d: Dispatch, **_) -> None:
    emit(d.tenant_id, ["dispatch.updated"], d.id, _dispatch(d))


def dispatch_revoked(d: Dispatch, **_) -> None:
    emit(d.tenant_id, ["dispatch.revoked"], d.id, _dispatch(d))


def dispatch_registered(d: Dispatch, registration, **_) -> None:
    learner = {
        "learner_id": registration.learner_id,
        "learner_name": registration.learner_name,
        "host_origin": registration.host_origin,
    }
    emit(d.tenant_id, ["dispatch.registration.created"], d.id, _dispatch(d, registration=learner))


def session_deleted(session: Session, **_) -> None:
    emit(session.tenant_id, ["session.deleted"], session.public_id, _session(session))


def learner_deleted(tenant_id: str, learner_id: str, sessions: int, **_) -> None:
    # Only the id: an erased learner's name and records are what the erasure takes away.
    body = {"learner": {"learner_id": learner_id}, "sessions_deleted": sessions}
    emit(tenant_id, ["learner.deleted"], f"learner:{learner_id}"[:255], lambda: body)


def learner_merged(tenant_id: str, source: str, target: str, moved: int, renumbered: list, **_) -> None:
    body = {
        "learner": {"learner_id": target},
        "merged": source,
        "moved_sessions": moved,
        "renumbered": renumbered,
    }
    emit(tenant_id, ["learner.merged"], f"learner:{target}"[:255], lambda: body)
