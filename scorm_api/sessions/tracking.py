"""The single write path of learner progress: clean what came in, apply it to the item's
state (normalised by the package's vocabulary), roll the session up, save, and tell the
features above what changed (signals). The player's commits and the seed's REST PUT both come
through here, so the same data always gives the same result.

Commits are ordered by (launch key, sequence): a write older than one already applied is
acknowledged and ignored, so replays and late beacons are harmless.
"""

from __future__ import annotations

import logging
import re
import uuid

from scorm_api.config import Settings
from scorm_api.db import Prepared, new_id, update_columns, utcnow_iso, write_transaction
from scorm_api.errors import ApiError, validation_error
from scorm_api.packages import structure
from scorm_api.packages.models import Package
from scorm_api.packages.structure import Sco
from scorm_api.sessions import carried, cmi, engine, limits, signals
from scorm_api.sessions.cmi import format_duration
from scorm_api.sessions.models import ScoState, SequencingState, Session
from scorm_api.sessions.services import check_launch_open, get_session, session_not_found
from scorm_api.sessions.vocabulary import for_standard

log = logging.getLogger(__name__)

CMI_KEY = re.compile(r"^(cmi|adl)\.[A-Za-z0-9_.]{1,250}$")
MAX_VALUE_CHARS = 256 * 1024
MAX_KEYS = 5000

# What normalisation decides, on an item's state and on the session alike.
_STATUS_COLUMNS = (
    "completion_status",
    "success_status",
    "score_scaled",
    "score_raw",
    "score_min",
    "score_max",
)
_STATE_COLUMNS = (
    "cmi",
    *_STATUS_COLUMNS,
    "launch_times",
    "last_commit_launch",
    "last_commit_seq",
    "updated_at",
    "cmi_chars",
)
_SESSION_COLUMNS = (
    *_STATUS_COLUMNS,
    "time_spent_seconds",
    "session_time",
    "completed_at",
    "version",
    "updated_at",
)
# Only the package's standard is needed with the session, not its (large) parsed structure.
_SESSION_WITH_STANDARD = Prepared(
    lambda: (
        Session.select(Session, Package.standard)
        .join(Package, on=(Package.id == Session.package_version))
        .where(Session.id == "")
    )
)
_STATE_LOOKUP = Prepared(lambda: ScoState.select().where((ScoState.session == "") & (ScoState.item_id == "")))


# ---- cleaning ---------------------------------------------------------------------------


def clean_cmi(data) -> dict[str, str]:
    """Validate CMI data from outside: dotted cmi./adl. keys, scalar values, bounded sizes."""
    if not isinstance(data, dict):
        raise validation_error({"cmi_data": ["Must be an object of CMI element names to values"]})
    if len(data) > MAX_KEYS:
        raise validation_error({"cmi_data": [f"At most {MAX_KEYS} elements"]})
    errors, out = {}, {}
    for key, value in data.items():
        if not isinstance(key, str) or not CMI_KEY.match(key):
            errors[f"cmi_data.{key}"] = ["Not a CMI element name (cmi.* or adl.*)"]
            continue
        if isinstance(value, (dict, list)):
            if value:
                errors[f"cmi_data.{key}"] = ["Must be a string or a number"]
            continue  # an empty collection (the runtime's "cmi.objectives": []) carries no data
        if value is None:
            text = ""
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        if len(text) > MAX_VALUE_CHARS:
            errors[f"cmi_data.{key}"] = [f"Must be at most {MAX_VALUE_CHARS} characters"]
            continue
        out[key] = text
    if errors:
        raise validation_error(errors)
    return out


_ENGINE_COMPLETION = {"completed": "completed", "incomplete": "incomplete"}
_ENGINE_SUCCESS = {"passed": "passed", "failed": "failed"}


def clean_rollup(data) -> dict:
    """The root activity's status as the player reports it, reduced to known values."""
    if not isinstance(data, dict):
        return {}
    scaled = data.get("scaled")
    ok_scaled = isinstance(scaled, (int, float)) and not isinstance(scaled, bool) and -1 <= scaled <= 1
    return {
        "completion": _ENGINE_COMPLETION.get(str(data.get("completion"))),
        "success": _ENGINE_SUCCESS.get(str(data.get("success"))),
        "scaled": float(scaled) if ok_scaled else None,
    }


# ---- item states ------------------------------------------------------------------------


def find_state(session_id: str, item_id: str) -> ScoState | None:
    found = _STATE_LOOKUP.models(ScoState, session_id, item_id)
    return found[0] if found else None


def state_for(session: Session, item_id: str) -> ScoState:
    state = find_state(session.id, item_id)
    if state is None:
        state = ScoState.create(
            id=new_id(), session=session.id, item_id=item_id, cmi={}, launch_times={}, updated_at=utcnow_iso()
        )
    return state


def launch_started_ms(launch_key: str) -> int:
    """When the player's launch started (its key is "<13-digit ms>:<launch id>")."""
    return int(launch_key[:13])


def is_stale(last_launch: str | None, last_seq: int | None, launch_key: str, seq: int | None) -> bool:
    """Whether a write from (launch_key, seq) is older than the last one applied."""
    if last_launch is None:
        return False
    if launch_key < last_launch:
        return True  # from a launch older than one that already wrote
    return launch_key == last_launch and seq is not None and last_seq is not None and seq <= last_seq


def apply_cmi(
    settings: Settings,
    session: Session,
    standard: str | None,
    item_id: str,
    updates: dict[str, str],
    launch_key: str | None,
    commit_seq: int | None = None,
    state: ScoState | None = None,
) -> ScoState:
    """Merge CMI updates into one item's state (`state`, when the caller already loaded it),
    check the merged data against the session's limits, normalise it, count this launch's
    session time once, then roll the session up. Call inside a write transaction (a refused
    write then leaves nothing behind)."""
    vocab = for_standard(standard)
    scos = structure.scos_for(session.package_version_id)
    sco = next((s for s in scos if s.item_id == item_id), None)
    vocab.data_model.check(updates)
    state = state or state_for(session, item_id)
    before = state.cmi
    data = dict(before)
    data.update(updates)
    state.cmi_chars = limits.check_item(
        settings,
        session.id,
        item_id,
        before,
        state.cmi_chars,
        updates,
        data,
        multi_item=len(scos) > 1,
        exempt=vocab.result_elements,
    )
    norm = vocab.normalize(
        data, sco.mastery_score if sco else None, sco.completion_threshold if sco else None
    )
    from_launch = launch_key is not None and not launch_key.startswith("api-")
    if from_launch and norm.completion == "not_attempted":
        # Committed from a launch: the learner has attempted it, whatever the SCO reports.
        norm.completion = "incomplete"
    if launch_key is not None and norm.session_seconds is not None:
        state.launch_times = {**state.launch_times, launch_key: norm.session_seconds}
    state.cmi = data
    state.completion_status, state.success_status = norm.completion, norm.success
    state.score_scaled, state.score_raw = norm.score.scaled, norm.score.raw
    state.score_min, state.score_max = norm.score.min, norm.score.max
    if from_launch:
        state.last_commit_launch, state.last_commit_seq = launch_key, commit_seq
    state.updated_at = utcnow_iso()
    update_columns(state, _STATE_COLUMNS)
    signals.cmi_changed.send(session, vocabulary=vocab, item_id=item_id, before=before, after=data)
    _rollup(session, standard, scos, state)
    return state


# ---- rollup -----------------------------------------------------------------------------


def _rollup(session: Session, standard: str | None, scos: list[Sco], changed: ScoState | None) -> None:
    if len(scos) <= 1 and changed is not None:
        states = [changed]
    else:
        states = list(ScoState.select().where(ScoState.session == session.id))
    completion, success, score = rollup_states(states, structure.expected_scos(scos))
    if structure.uses_sequencing(standard, scos):
        # The manifest's rollup decides the course's score: where it rolls none up (or the
        # engine has not reported yet) there is none, not the mean of the SCOs' scores.
        score = cmi.Score()
        saved = SequencingState.get_or_none(SequencingState.session == session.id)
        if saved is not None:  # SCORM 2004 rollup rules, as the sequencing engine applied them
            completion = saved.completion_status or completion
            success = saved.success_status or "unknown"
            score = cmi.Score(scaled=saved.score_scaled)
    save_status(session, completion, success, score, states)


def rollup_states(states: list[ScoState], expected: int) -> tuple[str, str, cmi.Score]:
    """cmi.rollup over the items' saved states."""
    return cmi.rollup(
        [
            cmi.Normalized(
                s.completion_status,
                s.success_status,
                cmi.Score(s.score_scaled, s.score_raw, s.score_min, s.score_max),
                None,
            )
            for s in states
        ],
        expected,
    )


def save_status(
    session: Session,
    completion: str,
    success: str,
    score: cmi.Score,
    states: list[ScoState],
    announce: bool = True,
) -> None:
    """The session's status, score and time from its items' states; `announce`: send
    status_changed (the LMS decided it; xAPI content reports its own)."""
    status_before = session.completion_status, session.success_status
    score_before = session.score_scaled, session.score_raw
    before = [getattr(session, c) for c in _SESSION_COLUMNS]
    total = sum(sum(s.launch_times.values()) for s in states)
    now = utcnow_iso()
    session.completion_status, session.success_status = completion, success
    session.score_scaled, session.score_raw = score.scaled, score.raw
    session.score_min, session.score_max = score.min, score.max
    session.time_spent_seconds = round(total, 2)
    # The time the course reported (each launch's session_time, summed as SCORM sums them into
    # total_time), or None while it has reported none: the LMS's own clock is not the course's.
    reported = any(s.launch_times for s in states)
    session.session_time = format_duration(total) if reported else None
    if completion == "completed" and session.completed_at is None:
        session.completed_at = now
    session.version += 1
    session.updated_at = now
    # Only the columns that changed: each indexed column rewritten costs index work, and a
    # commit usually changes the time and little else.
    update_columns(
        session,
        tuple(c for c, old in zip(_SESSION_COLUMNS, before, strict=True) if getattr(session, c) != old),
    )
    completion_before, success_before = status_before
    signals.saved.send(
        session, completion_before=completion_before, success_before=success_before, score_before=score_before
    )
    if announce:
        _announce_status(session, *status_before)


def _announce_status(session: Session, completion_before: str, success_before: str) -> None:
    signals.status_changed.send(session, completion_before=completion_before, success_before=success_before)


# ---- the player's writes ----------------------------------------------------------------


def launched(session: Session, announce: bool) -> None:
    """A launch link was opened: count it; `announce` it when the LMS reports launches (SCORM
    content: xAPI content and the cmi5 launch steps write their own)."""
    now = utcnow_iso()
    with write_transaction():
        Session.update(
            launch_count=Session.launch_count + 1,
            last_launched_at=now,
            first_launched_at=session.first_launched_at or now,
        ).where(Session.id == session.id).execute()
        if announce:
            signals.launched.send(session)


def item_started(session: Session, sco: Sco) -> None:
    with write_transaction():
        signals.item_started.send(session, item_id=sco.item_id, title=sco.title)


def commit(
    settings: Settings,
    session_id: str,
    item_id: str,
    launch_key: str,
    seq: int | None,
    updates: dict[str, str],
    terminate: bool,
) -> dict:
    """One commit of a delivery (`terminate`: the item's final one)."""
    with write_transaction():
        found = _SESSION_WITH_STANDARD.models(Session, session_id)
        if not found:
            raise session_not_found()
        session = found[0]
        check_launch_open(session, launch_started_ms(launch_key))
        standard: str | None = session.standard  # type: ignore[attr-defined]  # joined in
        state = find_state(session.id, item_id)
        if state is not None and is_stale(state.last_commit_launch, state.last_commit_seq, launch_key, seq):
            return {"result": True, "errorCode": 0, "stale": True}
        state = apply_cmi(settings, session, standard, item_id, updates, launch_key, seq, state)
        vocab = for_standard(standard)
        if terminate:
            signals.item_ended.send(
                session,
                item_id=item_id,
                exit_value=state.cmi.get(vocab.exit),
                session_seconds=state.launch_times.get(launch_key),
            )
    suspend = updates.get("cmi.suspend_data", "")
    if vocab.suspend_data_limit is not None and len(suspend) > vocab.suspend_data_limit:
        log.warning(
            "suspend_data over the standard's limit kept whole",
            extra={
                "fields": {
                    "session_id": session.id,
                    "item_id": item_id,
                    "length": len(suspend),
                    "limit": vocab.suspend_data_limit,
                }
            },
        )
    return {"result": True, "errorCode": 0, "version": session.version}


def save_sequencing(
    session_id: str, engine_state: str, launch_key: str, seq: int | None, rollup: dict
) -> bool:
    """Store the sequencing engine's state and roll the session up from it; False when
    stale (ordered like commits)."""
    if len(engine_state) > carried.MAX_SEQUENCING_STATE_CHARS:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", "The sequencing state is too large")
    with write_transaction():
        found = _SESSION_WITH_STANDARD.models(Session, session_id)
        if not found:
            raise session_not_found()
        session = found[0]
        check_launch_open(session, launch_started_ms(launch_key))
        row = SequencingState.get_or_none(SequencingState.session == session.id)
        if row is not None and is_stale(row.launch_key, row.seq, launch_key, seq):
            return False
        tree = structure.toc_for(session.package_version_id, True)
        fields = dict(
            state=engine_state,
            launch_key=launch_key,
            seq=seq,
            updated_at=utcnow_iso(),
            completion_status=rollup.get("completion"),
            success_status=rollup.get("success"),
            score_scaled=engine.root_score(tree, engine.parse(engine_state), rollup.get("scaled")),
        )
        if row is None:
            SequencingState.create(session=session.id, **fields)
        else:
            SequencingState.update(**fields).where(SequencingState.session == session.id).execute()
        standard: str | None = session.standard  # type: ignore[attr-defined]  # joined in
        _rollup(session, standard, structure.scos_for(session.package_version_id), None)
    return True


# ---- the REST PUT -----------------------------------------------------------------------


def validate_put(body: dict) -> None:
    errors = {}
    score = body.get("score") or {}
    lo, hi, raw, scaled = score.get("min"), score.get("max"), score.get("raw"), score.get("scaled")
    if lo is not None and hi is not None and lo > hi:
        errors["score.min"] = ["Must not be greater than score.max"]
    if raw is not None and ((lo is not None and raw < lo) or (hi is not None and raw > hi)):
        errors["score.raw"] = ["Must be within score.min and score.max"]
    if body.get("session_time") is not None and cmi.parse_duration(body["session_time"]) is None:
        errors["session_time"] = ["Must be an ISO 8601 duration such as PT1H30M"]
    if scaled is not None and not -1 <= scaled <= 1:
        errors["score.scaled"] = ["Must be between -1 and 1"]
    if errors:
        raise validation_error(errors)


def update_session(settings: Settings, tenant_id: str, session_id: str, body: dict) -> Session:
    validate_put(body)
    updates = clean_cmi(body.get("cmi_data") or {})
    with write_transaction():
        session = get_session(tenant_id, session_id)
        if body.get("version") is not None and body["version"] != session.version:
            raise ApiError(
                409,
                "CONFLICT",
                "The session changed since you read it (stale version)",
                {"current_version": session.version, "your_version": body["version"]},
            )
        if body.get("appliance"):
            carried.pin_version(session, body["appliance"])
        pkg = session.package_version
        vocab = for_standard(pkg.standard)
        updates.update(vocab.explicit_cmi(body))
        # Another appliance's sync: the statements its changes would make travel with it.
        session.replicated = bool(body.get("appliance"))
        scos = structure.scos_for(pkg.id)
        item_id = scos[0].item_id if scos else "default"
        writes: list[_ItemWrite] = [(item_id, updates, body.get("session_time"))]
        writes += _activity_updates(scos, body.get("activities") or [])
        for item, data, session_time in writes:
            launch_key = None
            if session_time is not None:
                data[vocab.session_time] = vocab.format_time(cmi.parse_duration(session_time) or 0.0)
                launch_key = f"api-{uuid.uuid4()}"  # each accepted time is one reported session
            apply_cmi(settings, session, pkg.standard, item, data, launch_key)
        if len(scos) > 1:
            _explicit_session_fields(session, body)
        if body.get("appliance"):
            carried.apply(session, body["appliance"])
    return session


# One item's write: (item id, CMI updates, its session_time or None).
_ItemWrite = tuple[str, dict[str, str], str | None]


def _activity_updates(scos: list[Sco], activities: list[dict]) -> list[_ItemWrite]:
    """A PUT's per-item CMI data and time (multi-SCO packages; what a sync between appliances
    carries), checked whole before anything is written."""
    known = {s.item_id for s in scos}
    errors, out = {}, []
    for n, entry in enumerate(activities):
        if entry["item_id"] not in known:
            errors[f"activities.{n}.item_id"] = ["This package has no item with that id"]
            continue
        if entry.get("session_time") is not None and cmi.parse_duration(entry["session_time"]) is None:
            errors[f"activities.{n}.session_time"] = ["Must be an ISO 8601 duration such as PT1H30M"]
            continue
        out.append((entry["item_id"], clean_cmi(entry["cmi_data"]), entry.get("session_time")))
    if errors:
        raise validation_error(errors)
    return out


def _explicit_session_fields(session: Session, body: dict) -> None:
    """A PUT's statuses and score are the session's, even where the package has several SCOs
    (they were written to the first SCO, whose rollup alone would not show them)."""
    status_before = session.completion_status, session.success_status
    if body.get("completion_status"):
        session.completion_status = body["completion_status"]
        if session.completion_status == "completed" and session.completed_at is None:
            session.completed_at = session.updated_at
    if body.get("success_status"):
        session.success_status = body["success_status"]
    score = body.get("score") or {}
    for part in ("scaled", "raw", "min", "max"):
        if score.get(part) is not None:
            setattr(session, f"score_{part}", float(score[part]))
    update_columns(session, _SESSION_COLUMNS)
    _announce_status(session, *status_before)
