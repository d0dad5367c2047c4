"""Sessions travel as the cloud documents it: created by the launch call
(`POST /packages/{id}/launch` with `user_id` and a session id we choose), then brought to this
session's state by the seed's `PUT /sessions/{id}`. Each attempt is a session of its own there,
created in attempt order.

The session id is chosen deterministically (UUIDv5 of the local id and the target's key): a run
stopped between the launch and our note of it finds the session on the next run ("Session
already exists" is the launch it made), never a second one.

What the cloud's PUT holds goes to every target: the first item's CMI data, the session's
statuses and score, the learning time not sent before (each PUT's session_time is counted once
there). An appliance target also takes our extensions, and so every item's CMI and time and
the carried record (sessions/carried.py: learner name, dates, launch count, sequencing
state); what a cloud target cannot take is listed by `not_carried`, in the dry run and the
report, never dropped without a word.

A PUT first saves the time it is about to add ("putting"): a run stopped before the answer
reads the session back on the next run and tells whether that time arrived, so time is
neither lost nor counted twice. A learner who went on there since the last sync makes a
conflict (kept with both versions until someone chooses, sync/conflicts.py): a target that
takes `version` refuses a stale PUT itself; on the cloud the session's `updated_at` is
compared first."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from peewee import JOIN, SQL, Tuple

from scorm_api.db import Prepared, new_id, utcnow_iso, write_transaction
from scorm_api.packages import structure
from scorm_api.packages.models import Package
from scorm_api.sessions import carried, previews, serialize
from scorm_api.sessions.cmi import format_duration
from scorm_api.sessions.models import ScoState, SequencingState, Session
from scorm_api.sync import packages
from scorm_api.sync.client import Api, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.models import SyncConflict, SyncLink
from scorm_api.sync.profile import Profile
from scorm_api.sync.progress import Progress

KIND = "session"
PAGE = 500
_IDS = uuid.UUID("8f1d3c52-5d7e-4f0b-9a47-2b6c1e0d9a31")  # the namespace of the ids we choose
TOTAL = ""  # time_sent's key for the whole session (a cloud target counts it per session)
TIME_SLACK = 1.0  # seconds: the target rounds time_spent_seconds


def remote_session_id(links: Links, session_id: str) -> str:
    return str(uuid.uuid5(_IDS, f"{links.key}/{session_id}"))


def _changed(tenant_id: str, links: Links, new_only: bool = False):
    """Sessions whose current version the target does not have (open conflicts wait);
    `new_only`: those the target has no session for yet (each will be a launch there)."""
    link = SyncLink.alias()
    on = (
        (link.tenant == Session.tenant)
        & (link.target_key == links.key)
        & (link.kind == KIND)
        & (link.local_id == Session.id)
    )
    if new_only:
        wanted = link.local_id.is_null() | (link.state == "new")
    else:
        wanted = link.local_id.is_null() | (
            (link.state != "conflict")
            & ((link.state != "synced") | (link.local_version != Session.version.cast("TEXT")))
        )
    return (
        Session.select(Session)
        .join(link, JOIN.LEFT_OUTER, on=on)
        # The dashboard's previews are never synced (sessions/previews.py).
        .where((Session.tenant == tenant_id) & wanted & previews.not_preview())
    )


def count_pending(tenant_id: str, links: Links) -> tuple[int, int]:
    """(sessions to send, how many of them are new there: each is one launch on the target)."""
    return _changed(tenant_id, links).count(), _changed(tenant_id, links, new_only=True).count()


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


# ---- what a session is made of, and what a cloud target cannot take -----------------------


# Read for every session a dry run lists: compiled once (db.Prepared).
_ENGINE = Prepared(
    lambda: SequencingState.select(SequencingState.session).where(SequencingState.session == "")
)
_NEWEST_READY = Prepared(  # the version a launch on the target gives a session (a package id)
    lambda: (
        Package.select(Package.id)
        .where((Package.family_id == "") & (Package.status == SQL("'ready'")))
        .order_by(Package.version_number.desc())
        .limit(1)
    )
)


def _items(session: Session) -> tuple[str, list[ScoState]]:
    """(the first item's id, the items' states in the package's order)."""
    scos = structure.scos_for(session.package_version_id)
    return (scos[0].item_id if scos else "default"), serialize.ordered_states(session)


def _seconds(state: ScoState) -> float:
    return round(sum(state.launch_times.values()), 2)


# What a cloud target cannot hold, each with how the dry run and the report name it.
NOT_CARRIED = {
    "items_cmi": "CMI data of a multi-SCO course's other SCOs (the cloud keeps one item's)",
    "items_time": "Learning time per SCO (the cloud keeps the session's total)",
    "sequencing": "SCORM 2004 sequencing state (where a sequenced course resumes)",
    "learner_name": "The learner's name (the launch call takes an id only)",
    "dates": "History dates: first and last launch, completion (the cloud stamps its own)",
    "launch_count": "Launch counts (a synced session starts at the launch that creates it)",
    "older_version": "The package version a session runs, when it is not the newest (the cloud "
    "creates sessions on a package's newest version)",
}


def not_carried(session: Session) -> list[str]:
    """What of this session a cloud target cannot take (keys of NOT_CARRIED)."""
    first, states = _items(session)
    others = [st for st in states if st.item_id != first]
    out = []
    if any(st.cmi for st in others):
        out.append("items_cmi")
    if any(_seconds(st) > 0 for st in others):
        out.append("items_time")
    if _ENGINE.execute(session.id).fetchone():
        out.append("sequencing")
    if session.user_name:
        out.append("learner_name")
    if session.first_launched_at or session.completed_at:
        out.append("dates")
    if session.launch_count:
        out.append("launch_count")
    if (_NEWEST_READY.execute(session.package_id, 1).fetchone() or (None,))[0] != session.package_version_id:
        out.append("older_version")
    return out


def put_body(
    session: Session, profile: Profile, time_sent: dict[str, float]
) -> tuple[dict, dict[str, float]]:
    """The PUT that brings the target's session to this one's state, and what time_sent
    becomes once it is accepted."""
    first, states = _items(session)
    by_item = {st.item_id: st for st in states}
    body: dict = {"cmi_data": by_item[first].cmi if first in by_item else {}}
    if not profile.whole_sessions:
        # The cloud's fields: its session is one record, whatever the course's SCOs.
        if session.completion_status != "not_attempted":
            body["completion_status"] = session.completion_status
        if session.success_status != "unknown":
            body["success_status"] = session.success_status
        score = serialize.score_parts(session)
        if score:
            body["score"] = score
        total = round(session.time_spent_seconds or 0, 2)
        if total - time_sent.get(TOTAL, 0.0) > 0:
            body["session_time"] = format_duration(total - time_sent.get(TOTAL, 0.0))
        return body, {TOTAL: total}
    times = {st.item_id: _seconds(st) for st in states}
    return timed(_whole(session, first, states), times, first, time_sent), times


def whole(session: Session) -> tuple[dict, str, dict[str, float]]:
    """The PUT an appliance target takes, but for the time (what to add depends on what the
    target has been sent: `timed`), with the first item's id and each item's learning time."""
    first, states = _items(session)
    return _whole(session, first, states), first, {st.item_id: _seconds(st) for st in states}


def _whole(session: Session, first: str, states: list[ScoState]) -> dict:
    """Every item's CMI and the carried record."""
    by_item = {st.item_id: st for st in states}
    body: dict = {"cmi_data": by_item[first].cmi if first in by_item else {}}
    activities = [{"item_id": st.item_id, "cmi_data": st.cmi} for st in states if st.item_id != first]
    if activities:
        body["activities"] = activities
    body["appliance"] = carried.record(session)
    return body


def timed(body: dict, times: dict[str, float], first: str, time_sent: dict[str, float]) -> dict:
    """`body` with the learning time the target has not been sent yet, per item."""
    body = {**body}

    def due(item: str) -> str | None:
        more = times.get(item, 0.0) - time_sent.get(item, 0.0)
        return format_duration(more) if more > 0 else None

    if (first_time := due(first)) is not None:
        body["session_time"] = first_time
    if body.get("activities"):
        body["activities"] = [
            {**a, **({"session_time": t} if (t := due(a["item_id"])) is not None else {})}
            for a in body["activities"]
        ]
    return body


# ---- sending ------------------------------------------------------------------------------


class Outgoing(Protocol):
    """A session as `send` sends it: one of this instance's (`Here`), or one a sync file
    carried (sync/byfile/importer.py), which this instance applies to itself."""

    # "sent" (this instance's, to a target) or "imported" (a file's, to this instance): which
    # side of a conflict is this instance's.
    direction: str

    @property
    def id(self) -> str: ...

    @property
    def tenant_id(self) -> str: ...

    @property
    def user_id(self) -> str: ...

    @property
    def package_id(self) -> str:
        """The package (its first version's id) as the map knows it."""
        ...

    @property
    def version(self) -> int: ...

    def body(self, profile: Profile, time_sent: dict[str, float]) -> tuple[dict, dict[str, float]]: ...

    def detail(self) -> dict: ...

    def held(self) -> dict | None:
        """What a conflict keeps to apply later, if this side is not this instance's."""
        ...


@dataclass
class Here:
    session: Session
    direction = "sent"

    @property
    def id(self) -> str:
        return self.session.id

    @property
    def tenant_id(self) -> str:
        return self.session.tenant_id

    @property
    def user_id(self) -> str:
        return self.session.user_id

    @property
    def package_id(self) -> str:
        return self.session.package_id

    @property
    def version(self) -> int:
        return self.session.version

    def body(self, profile: Profile, time_sent: dict[str, float]) -> tuple[dict, dict[str, float]]:
        return put_body(self.session, profile, time_sent)

    def detail(self) -> dict:
        return serialize.detail(self.session)

    def held(self) -> dict | None:
        return None


def send(
    target: Api, links: Links, session: Outgoing, run_id: str, progress: Progress, profile: Profile
) -> None:
    pkg_link = packages.remote_package(links, session.package_id)
    if pkg_link is None or pkg_link.state != "synced":
        progress.note(KIND, "failed", session.id, reason="Its package is not on the target yet")
        return
    link = links.get(KIND, session.id)
    if link is None or link.state == "new":
        # Launched, then noted with the PUT that follows (one write here, not two): a run
        # stopped between them launches again next time and meets "Session already exists".
        remote_id = remote_session_id(links, session.id)
        _launch(target, pkg_link.remote_id, session, remote_id)
        progress.launched()
        state, remote_version = "launched", None
        detail: dict = {"time_sent": {}, "package_id": session.package_id}
    else:
        remote_id, state, remote_version = link.remote_id, link.state, link.remote_version
        detail = dict(link.detail or {})
    time_sent = detail.get("time_sent") or {}
    if state == "putting":
        time_sent = _settle_unanswered(target, remote_id, detail, time_sent)
        state = "synced" if detail.get("remote_updated_at") else "launched"
    elif state == "synced" and not profile.versions:
        remote = _remote(target, remote_id)
        if remote is not None and remote.get("updated_at") != detail.get("remote_updated_at"):
            _conflict(links, session, run_id, remote_id, remote, progress, detail)
            return
    created = state == "launched"
    body, sent_after = session.body(profile, time_sent)
    if profile.versions and remote_version is not None:
        body["version"] = remote_version
    detail["time_sent"] = time_sent
    links.save(
        KIND, session.id, state="putting", remote_id=remote_id, detail={**detail, "time_after": sent_after}
    )
    try:
        _, answer = target.call("PUT", f"/api/v1/sessions/{remote_id}", json=body)
    except TargetError as e:
        if e.unavailable:
            raise  # it may have arrived: "putting" has the next run read the session back
        if e.status == 404 and state == "launched":
            state = "new"  # the session the launch answered for is not there: launch again
        links.save(KIND, session.id, state=state, detail=detail)  # refused: nothing changed there
        if e.status == 409:
            _conflict(links, session, run_id, remote_id, _remote(target, remote_id), progress, detail)
            return
        raise
    links.save(
        KIND,
        session.id,
        state="synced",
        local_version=str(session.version),
        remote_version=answer.get("version") if profile.versions else None,
        detail={
            "time_sent": sent_after,
            "remote_updated_at": answer.get("updated_at"),
            "package_id": session.package_id,  # what deletions.py needs once the session is gone
        },
    )
    progress.note(KIND, "created" if created else "updated", session.id, remote_id)


def _launch(target: Api, remote_package: str, session: Outgoing, remote_id: str) -> None:
    """The cloud's way to create a session. "Session already exists" (409) for our id is the
    launch an earlier, stopped run made: that session is the one to fill."""
    try:
        target.call(
            "POST",
            f"/api/v1/packages/{remote_package}/launch",
            json={"user_id": session.user_id, "session_id": remote_id},
        )
    except TargetError as e:
        if e.status != 409:
            raise


def _remote(target: Api, remote_id: str) -> dict | None:
    try:
        return target.call("GET", f"/api/v1/sessions/{remote_id}")[1].get("session")
    except TargetError as e:
        if e.unavailable:
            raise
        return None


def _settle_unanswered(target: Api, remote_id: str, detail: dict, time_sent: dict) -> dict:
    """A PUT whose answer never came: its time arrived if the target's total shows it."""
    after = detail.get("time_after") or {}
    remote = _remote(target, remote_id)
    if remote is None:
        return time_sent
    there = float(remote.get("time_spent_seconds") or 0)
    return after if abs(there - sum(after.values())) <= TIME_SLACK + len(after) else time_sent


def _conflict(
    links: Links,
    session: Outgoing,
    run_id: str,
    remote_id: str | None,
    remote: dict | None,
    progress: Progress,
    detail: dict,
) -> None:
    mine, theirs = session.detail(), remote
    if session.direction == "imported":  # the target is this instance: its side is "local"
        mine, theirs = remote or {}, mine
    with write_transaction():
        conflict = SyncConflict.create(
            id=new_id(),
            tenant=session.tenant_id,
            target_key=links.key,
            run_id=run_id,
            kind=KIND,
            local_id=session.id,
            remote_id=remote_id,
            local=mine,
            remote=theirs,
            direction=session.direction,
            created_at=utcnow_iso(),
        )
    held = session.held()
    links.save(
        KIND,
        session.id,
        state="conflict",
        local_version=str(session.version),
        **({"detail": {**detail, "held": held}} if held is not None else {}),
    )
    progress.note(
        KIND,
        "conflict",
        session.id,
        remote_id,
        conflict_id=conflict.id,
        reason="Changed on the target since the last sync"
        if session.direction == "sent"
        else "Changed here since the last import",
    )
