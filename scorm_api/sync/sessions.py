"""Sessions travel with their CMI data (every item's), statuses, score, attempts and time:
created on the target for the mapped package and the same learner (attempts in order), then
brought to the same state with the seed's PUT.

The PUT carries the version the target had after the last sync: if the learner went on
there since, the target refuses it (409) and nothing is overwritten on either side. The
conflict is kept with both versions until someone chooses (scorm_api.sync.conflicts)."""

from __future__ import annotations

from collections.abc import Iterator

from peewee import JOIN, Tuple

from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.sessions import serialize
from scorm_api.sessions.models import Session
from scorm_api.sync import packages
from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.models import SyncConflict, SyncLink
from scorm_api.sync.progress import Progress

KIND = "session"
PAGE = 500


def _changed(tenant_id: str, links: Links):
    """Sessions whose current version the target does not have (open conflicts wait)."""
    link = SyncLink.alias()
    on = (
        (link.tenant == Session.tenant)
        & (link.target_key == links.key)
        & (link.kind == KIND)
        & (link.local_id == Session.id)
    )
    return (
        Session.select(Session)
        .join(link, JOIN.LEFT_OUTER, on=on)
        .where(
            (Session.tenant == tenant_id)
            & (
                link.local_id.is_null()
                | (
                    (link.state != "conflict")
                    & ((link.state != "synced") | (link.local_version != Session.version.cast("TEXT")))
                )
            )
        )
    )


def count_pending(tenant_id: str, links: Links) -> int:
    return _changed(tenant_id, links).count()


def pending(tenant_id: str, links: Links) -> Iterator[Session]:
    """In learner, package, attempt order (an attempt is created after the one before it),
    a page at a time."""
    after = None
    while True:
        q = _changed(tenant_id, links)
        if after is not None:
            q = q.where(Tuple(Session.user_id, Session.package, Session.attempt, Session.id) > Tuple(*after))
        page = list(q.order_by(Session.user_id, Session.package, Session.attempt, Session.id).limit(PAGE))
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1]
        after = (last.user_id, last.package_id, last.attempt, last.id)


def send(target: Target, links: Links, session: Session, run_id: str, progress: Progress) -> None:
    pkg_link = links.get(packages.KIND, session.package_id)
    if pkg_link is None or pkg_link.state != "synced":
        progress.note(KIND, "failed", session.id, reason="Its package is not on the target yet")
        return
    link = links.get(KIND, session.id)
    created = link is None or link.remote_id is None or link.state == "creating"
    if link is None or link.remote_id is None:
        remote, theirs = _create(target, links, session, pkg_link.remote_id)
        # With progress of its own there, the learner's session stays as it is until someone
        # chooses (a conflict); otherwise this computer's progress goes on to it.
        link = links.save(
            KIND,
            session.id,
            state="conflict" if theirs else "creating",
            remote_id=remote["id"],
            remote_version=remote.get("version"),
            detail={"time_sent": 0},
        )
        if theirs:
            _conflict(target, links, session, run_id, remote["id"], progress)
            return
    time_sent = (link.detail or {}).get("time_sent", 0)
    body, unsent = _put_body(session, time_sent)
    if link.remote_version is not None:
        body["version"] = link.remote_version
    try:
        _, answer = target.call("PUT", f"/api/v1/sessions/{link.remote_id}", json=body)
    except TargetError as e:
        if e.status == 409:
            _conflict(target, links, session, run_id, link.remote_id, progress)
            return
        raise
    links.save(
        KIND,
        session.id,
        state="synced",
        local_version=str(session.version),
        remote_version=answer.get("version"),
        detail={"time_sent": time_sent + unsent},
    )
    progress.note(KIND, "created" if created else "updated", session.id, link.remote_id)


def _create(target: Target, links: Links, session: Session, remote_package: str) -> tuple[dict, bool]:
    """(the target's session for this attempt, whether it has progress of its own). Adopted
    when the target already made it (a run stopped between its POST and our note of it), else
    created."""
    if session.attempt > 1:
        adopted = _remote_attempt(target, links, session, remote_package)
        if adopted is not None:
            return adopted, False
    _, answer = target.call(
        "POST",
        "/api/v1/sessions",
        json={
            "package_id": remote_package,
            "user_id": session.user_id,
            **({"user_name": session.user_name} if session.user_name else {}),
            **({"new_attempt": True} if session.attempt > 1 else {}),
        },
    )
    remote = answer["session"]
    if links.has_remote(KIND, remote["id"]):
        # the current attempt there is one we sent already: this local attempt is a new one
        _, answer = target.call(
            "POST",
            "/api/v1/sessions",
            json={"package_id": remote_package, "user_id": session.user_id, "new_attempt": True},
        )
        remote = answer["session"]
        return remote, False
    return remote, remote.get("completion_status", "not_attempted") != "not_attempted" or bool(
        remote.get("score")
    )


def _remote_attempt(target: Target, links: Links, session: Session, remote_package: str) -> dict | None:
    _, page = target.call(
        "GET",
        "/api/v1/sessions",
        params={
            "package_id": remote_package,
            "user_id": session.user_id,
            "all_attempts": "true",
            "limit": 100,
        },
    )
    return next(
        (
            s
            for s in page.get("sessions", [])
            if s.get("attempts") == session.attempt
            and not links.has_remote(KIND, s["id"])
            and s.get("completion_status", "not_attempted") == "not_attempted"
        ),
        None,
    )


def _put_body(session: Session, time_sent: float) -> tuple[dict, float]:
    """The PUT that brings the target's session to this one's state, and the seconds of
    learning time it adds (the target counts each PUT's session_time once)."""
    detail = serialize.detail(session)
    # The CMI data alone: statuses and score follow from it on the target as they did here.
    # (The PUT's status fields would be written into the first item's CMI, over its own.)
    body = {"cmi_data": detail["cmi_data"]}
    if len(detail["activities"]) > 1:
        body["activities"] = [
            {"item_id": a["item_id"], "cmi_data": a["cmi_data"]} for a in detail["activities"][1:]
        ]
    unsent = round((session.time_spent_seconds or 0) - time_sent, 2)
    if unsent <= 0:
        return body, 0.0
    body["session_time"] = _iso_duration(unsent)
    return body, unsent


def _iso_duration(seconds: float) -> str:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"PT{int(h)}H{int(m)}M{s:.2f}S"


def _conflict(
    target: Target, links: Links, session: Session, run_id: str, remote_id: str | None, progress: Progress
) -> None:
    remote = None
    if remote_id:
        try:
            remote = target.call("GET", f"/api/v1/sessions/{remote_id}")[1].get("session")
        except TargetError:
            remote = None
    with write_transaction():
        conflict = SyncConflict.create(
            id=new_id(),
            tenant=session.tenant_id,
            target_key=links.key,
            run_id=run_id,
            kind=KIND,
            local_id=session.id,
            remote_id=remote_id,
            local=serialize.detail(session),
            remote=remote,
            created_at=utcnow_iso(),
        )
    links.save(KIND, session.id, state="conflict", local_version=str(session.version))
    progress.note(
        KIND,
        "conflict",
        session.id,
        remote_id,
        conflict_id=conflict.id,
        reason="Changed on the target since the last sync"
        if remote_id
        else "The learner already has progress on the target",
    )
