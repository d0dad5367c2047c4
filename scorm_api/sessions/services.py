"""Learner sessions: create/reuse, attempts, updates with optimistic locking, reset, and the
state the player starts from. Every change of CMI data goes through `apply_cmi`, so the REST
PUT and the player's commits normalise identically."""
from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass

import peewee

from scorm_api.db import Prepared, new_id, update_columns, utcnow_iso, write_transaction
from scorm_api.errors import ApiError, validation_error
from scorm_api.packages.models import Package
from scorm_api.packages.processing import launch_path
from scorm_api.schemas import pagination
from scorm_api.sessions import cmi as cmi_rules
from scorm_api.sessions import statements
from scorm_api.packages.sequencing import activity_tree
from scorm_api.sessions.models import ScoState, SequencingState, Session

CMI_KEY = re.compile(r"^(cmi|adl)\.[A-Za-z0-9_.]{1,250}$")
MAX_VALUE_CHARS = 256 * 1024
MAX_KEYS = 5000
SUSPEND_DATA_12_LIMIT = 4096
SCORM12 = cmi_rules.SCORM12

# Elements a new launch must not inherit from the previous one (write-only or per-session).
_PER_LAUNCH = {"cmi.core.session_time", "cmi.session_time", "cmi.core.exit", "cmi.exit",
               "cmi.core.entry", "cmi.entry", "cmi.core.total_time", "cmi.total_time",
               "adl.nav.request"}


def session_not_found() -> ApiError:
    return ApiError(404, "SESSION_NOT_FOUND", "Session not found")


# ---- packages' structure ---------------------------------------------------------------

@dataclass(frozen=True)
class Sco:
    item_id: str
    title: str
    href: str  # relative launch path incl. parameters
    scorm_type: str | None
    mastery_score: float | None
    completion_threshold: float | None
    data_from_lms: str | None


@functools.lru_cache(maxsize=1024)
def scos_for(package_id: str) -> list[Sco]:
    """scos_of, cached: a ready package's structure never changes (a new version is a new
    package), and every runtime commit needs it."""
    pkg = Package.get_or_none(Package.id == package_id)
    return scos_of(pkg) if pkg is not None else []


def scos_of(pkg: Package) -> list[Sco]:
    """The package's launchable items of the default organization, in order."""
    meta = pkg.metadata or {}
    resources = {r["identifier"]: r for r in meta.get("resources", [])}
    org = next((o for o in meta.get("organizations", [])
                if o["identifier"] == meta.get("default_organization")),
               (meta.get("organizations") or [None])[0])
    out = []

    def walk(items):
        for it in items:
            res = resources.get(it.get("identifierref") or "")
            if res and res.get("href"):
                out.append(Sco(it["identifier"], it["title"],
                               launch_path(res["href"], it.get("parameters")), res.get("scorm_type"),
                               it.get("mastery_score"), it.get("completion_threshold"),
                               it.get("data_from_lms")))
            walk(it.get("children", []))
    walk(org["items"] if org else [])
    return out


def uses_sequencing(standard: str | None, scos: list[Sco]) -> bool:
    """SCORM 2004 packages with more than one launchable item are delivered by the runtime's
    sequencing engine, and their session status is the engine's rollup of the root activity.
    (A single SCO is its own course: its CMI decides the status.)"""
    return bool(standard) and standard.startswith("scorm_2004") and len(scos) > 1


@functools.lru_cache(maxsize=1024)
def toc_for(package_id: str, with_rules: bool) -> dict | None:
    """The package's activity tree (cached like scos_for): the table of contents, and with
    its sequencing rules the engine's `activityTree`."""
    pkg = Package.get_or_none(Package.id == package_id)
    return activity_tree(pkg.metadata or {}, with_rules) if pkg else None


def expected_scos(scos: list[Sco]) -> int:
    tracked = [s for s in scos if s.scorm_type not in ("asset",)]
    return len(tracked) or len(scos)


# ---- create / find -----------------------------------------------------------------

def get_session(tenant_id: str, session_id: str) -> Session:
    s = (Session.select(Session, Package).join(Package)
         .where((Session.id == session_id) & (Session.tenant == tenant_id)).first())
    if s is None:
        raise session_not_found()
    return s


def create_session(tenant_id: str, package_id: str, user_id: str, user_name: str | None,
                   new_attempt: bool) -> tuple[Session, bool]:
    pkg = Package.get_or_none((Package.id == package_id) & (Package.tenant == tenant_id))
    if pkg is None:
        raise ApiError(404, "PACKAGE_NOT_FOUND", "SCORM package not found")
    if pkg.status != "ready":
        raise ApiError(409, "CONFLICT", f"The package is {pkg.status}; sessions can be created "
                       "for ready packages only")
    with write_transaction():
        current = (Session.select().where((Session.package == package_id) & (Session.user_id == user_id)
                                          & (Session.is_current == True))  # noqa: E712
                   .first())
        if current is not None and not new_attempt:
            if user_name and current.user_name != user_name:
                current.user_name = user_name
                current.save()
            return current, False
        attempt = (Session.select(peewee.fn.MAX(Session.attempt))
                   .where((Session.package == package_id) & (Session.user_id == user_id)).scalar() or 0) + 1
        if current is not None:
            Session.update(is_current=False).where(Session.id == current.id).execute()
        now = utcnow_iso()
        session = Session.create(id=new_id(), tenant=tenant_id, package=package_id, user_id=user_id,
                                 user_name=user_name, attempt=attempt, is_current=True, version=1,
                                 created_at=now, updated_at=now)
        session.package = pkg
        if pkg.standard == "cmi5":
            # cmi5 9.6.1: moveOn is evaluated at registration (NotApplicable AUs satisfy at once).
            from scorm_api.launches import progress  # launches build on sessions
            progress.settle(session)
    return session, True


SORTS = {"updated_at": Session.updated_at, "created_at": Session.created_at,
         "last_launched_at": Session.last_launched_at, "user_id": Session.user_id,
         "user_name": Session.user_name, "completion_status": Session.completion_status,
         "success_status": Session.success_status, "score": Session.score_scaled,
         "time_spent_seconds": Session.time_spent_seconds}


def _filtered(tenant_id: str, filters: dict):
    """The matching sessions (no join), in the requested order; ties broken by id in the same
    direction, so the covering indexes of migration 7 serve the order."""
    query = Session.select().where(Session.tenant == tenant_id)
    for field in ("completion_status", "success_status", "user_id"):
        if filters.get(field):
            query = query.where(getattr(Session, field) == filters[field])
    if filters.get("package_id"):
        query = query.where(Session.package == filters["package_id"])
    if filters.get("search"):  # a learner's id or name containing the text, any case
        text = filters["search"].lower()
        query = query.where(peewee.fn.LOWER(Session.user_id).contains(text)
                            | peewee.fn.LOWER(Session.user_name).contains(text))
    if not filters.get("all_attempts"):
        query = query.where(Session.is_current == True)  # noqa: E712
    return query


def _ordering(filters: dict) -> tuple:
    column = SORTS[filters.get("sort") or "updated_at"]
    if filters.get("order") == "asc":
        return column.asc(nulls="LAST"), Session.id.asc()
    return column.desc(nulls="LAST"), Session.id.desc()


def _with_package(ids_query, filters: dict):
    """The sessions whose ids the (narrow, indexed) query picked, with their package's title."""
    return (Session.select(Session, Package.title, Package.version, Package.id).join(Package)
            .where(Session.id.in_(ids_query)).order_by(*_ordering(filters)))


def _page_of(base, filters: dict, page: int, limit: int) -> list[Session]:
    ids = base.select(Session.id).order_by(*_ordering(filters)).paginate(page, limit)
    return list(_with_package(ids, filters))


def list_sessions(tenant_id: str, filters: dict, page: int, limit: int):
    base = _filtered(tenant_id, filters)
    total = base.count()
    return (_page_of(base, filters, page, limit) if total else []), pagination(page, limit, total)


def iter_sessions(tenant_id: str, filters: dict, batch: int = 1000):
    """Every matching session, fetched a batch at a time (exports of any size, bounded memory)."""
    base = _filtered(tenant_id, filters)
    page = 1
    while True:
        rows = _page_of(base, filters, page, batch)
        yield from rows
        if len(rows) < batch:
            return
        page += 1


# ---- applying CMI data ---------------------------------------------------------------

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


_STATE_LOOKUP = Prepared(lambda: ScoState.select().where((ScoState.session == "") & (ScoState.item_id == "")))


def find_state(session_id: str, item_id: str) -> ScoState | None:
    found = _STATE_LOOKUP.models(ScoState, session_id, item_id)
    return found[0] if found else None


def state_for(session: Session, item_id: str) -> ScoState:
    state = find_state(session.id, item_id)
    if state is None:
        state = ScoState.create(id=new_id(), session=session.id, item_id=item_id, cmi={},
                                launch_times={}, updated_at=utcnow_iso())
    return state


def _normalized(standard: str, sco: Sco | None, data: dict) -> cmi_rules.Normalized:
    return cmi_rules.normalize(standard or SCORM12, data,
                               mastery_score=sco.mastery_score if sco else None,
                               completion_threshold=sco.completion_threshold if sco else None)


def apply_cmi(session: Session, standard: str, item_id: str, updates: dict[str, str],
              launch_key: str | None, commit_seq: int | None = None,
              state: ScoState | None = None) -> ScoState:
    """Merge CMI updates into one SCO's state (`state`, when the caller already loaded it),
    normalise it, count this launch's session time once, then roll the session up. Call
    inside a write transaction."""
    scos = scos_for(session.package_id)
    sco = next((s for s in scos if s.item_id == item_id), None)
    state = state or state_for(session, item_id)
    before = state.cmi
    data = dict(before)
    data.update(updates)
    norm = _normalized(standard, sco, data)
    if launch_key is not None and not launch_key.startswith("api-") and norm.completion == "not_attempted":
        # Committed from a launch: the learner has attempted it, whatever the SCO reports.
        norm.completion = "incomplete"
    if launch_key is not None and norm.session_seconds is not None:
        times = dict(state.launch_times)
        times[launch_key] = norm.session_seconds
        state.launch_times = times
    state.cmi = data
    state.completion_status, state.success_status = norm.completion, norm.success
    state.score_scaled, state.score_raw = norm.score.scaled, norm.score.raw
    state.score_min, state.score_max = norm.score.min, norm.score.max
    if launch_key is not None and not launch_key.startswith("api-"):
        state.last_commit_launch, state.last_commit_seq = launch_key, commit_seq
    state.updated_at = utcnow_iso()
    update_columns(state, _STATE_COLUMNS)
    statements.answered(session, standard or SCORM12, item_id, before, data)
    _rollup(session, standard, scos, state)
    return state


_STATE_COLUMNS = ("cmi", "completion_status", "success_status", "score_scaled", "score_raw",
                  "score_min", "score_max", "launch_times", "last_commit_launch",
                  "last_commit_seq", "updated_at")
_SESSION_COLUMNS = ("completion_status", "success_status", "score_scaled", "score_raw",
                    "score_min", "score_max", "time_spent_seconds", "session_time",
                    "completed_at", "version", "updated_at")


def is_stale(last_launch: str | None, last_seq: int | None, launch_key: str, seq: int | None) -> bool:
    """Whether a write from (launch_key, seq) is older than the last one applied."""
    if last_launch is None:
        return False
    if launch_key < last_launch:
        return True  # from a launch older than one that already wrote
    return launch_key == last_launch and seq is not None and last_seq is not None and seq <= last_seq


_ENGINE_COMPLETION = {"completed": "completed", "incomplete": "incomplete"}
_ENGINE_SUCCESS = {"passed": "passed", "failed": "failed"}


def clean_rollup(data) -> dict:
    """The root activity's status as the player reports it, reduced to known values."""
    if not isinstance(data, dict):
        return {}
    scaled = data.get("scaled")
    ok_scaled = isinstance(scaled, (int, float)) and not isinstance(scaled, bool) and -1 <= scaled <= 1
    return {"completion": _ENGINE_COMPLETION.get(data.get("completion")),
            "success": _ENGINE_SUCCESS.get(data.get("success")),
            "scaled": float(scaled) if ok_scaled else None}


def apply_sequencing(session: Session, standard: str, state: str, launch_key: str,
                     seq: int | None, rollup: dict) -> bool:
    """Store the engine's state and roll the session up from it; False when stale. Call
    inside a write transaction."""
    row = SequencingState.get_or_none(SequencingState.session == session.id)
    if row is not None and is_stale(row.launch_key, row.seq, launch_key, seq):
        return False
    fields = dict(state=state, launch_key=launch_key, seq=seq, updated_at=utcnow_iso(),
                  completion_status=rollup.get("completion"), success_status=rollup.get("success"),
                  score_scaled=rollup.get("scaled"))
    if row is None:
        SequencingState.create(session=session.id, **fields)
    else:
        SequencingState.update(**fields).where(SequencingState.session == session.id).execute()
    _rollup(session, standard, scos_for(session.package_id), None)
    return True


def _rollup(session: Session, standard: str | None, scos: list[Sco], changed: ScoState | None) -> None:
    if len(scos) <= 1 and changed is not None:
        states = [changed]
    else:
        states = list(ScoState.select().where(ScoState.session == session.id))
    completion, success, score = rollup_states(states, expected_scos(scos))
    if uses_sequencing(standard, scos):
        engine = SequencingState.get_or_none(SequencingState.session == session.id)
        if engine is not None:  # SCORM 2004 rollup rules, as the sequencing engine applied them
            completion = engine.completion_status or completion
            success = engine.success_status or "unknown"
            if engine.score_scaled is not None:
                score = cmi_rules.Score(scaled=engine.score_scaled)
    save_status(session, completion, success, score, states)


def rollup_states(states: list[ScoState], expected: int) -> tuple[str, str, cmi_rules.Score]:
    """cmi_rules.rollup over the items' saved states."""
    return cmi_rules.rollup([cmi_rules.Normalized(s.completion_status, s.success_status,
                                                  cmi_rules.Score(s.score_scaled, s.score_raw, s.score_min,
                                                                  s.score_max), None)
                             for s in states], expected)


def save_status(session: Session, completion: str, success: str, score: cmi_rules.Score,
                states: list[ScoState], bridge: bool = True) -> None:
    """The session's status, score and time from its items' states; `bridge`: tell the LRS
    when it became completed/passed/failed (xAPI content says so itself)."""
    status_before = session.completion_status, session.success_status
    before = [getattr(session, c) for c in _SESSION_COLUMNS]
    total = sum(sum(s.launch_times.values()) for s in states)
    now = utcnow_iso()
    session.completion_status, session.success_status = completion, success
    session.score_scaled, session.score_raw = score.scaled, score.raw
    session.score_min, session.score_max = score.min, score.max
    session.time_spent_seconds = round(total, 2)
    if completion == "completed" and session.completed_at is None:
        session.completed_at = now
    session.version += 1
    session.updated_at = now
    # Only the columns that changed: each indexed column rewritten costs index work, and a
    # commit usually changes the time and little else.
    update_columns(session, tuple(c for c, old in zip(_SESSION_COLUMNS, before)
                                  if getattr(session, c) != old))
    if bridge:
        statements.status_changed(session, *status_before)


# ---- the REST PUT --------------------------------------------------------------------

def _explicit_cmi(standard: str, body: dict) -> dict[str, str]:
    """The seed's top-level fields, written as the CMI elements of the package's standard."""
    out: dict[str, str] = {}
    completion, success = body.get("completion_status"), body.get("success_status")
    if standard == SCORM12:
        if completion or success:
            status = {"passed": "passed", "failed": "failed"}.get(success or "") or \
                {"completed": "completed", "incomplete": "incomplete",
                 "not_attempted": "not attempted"}.get(completion or "", "incomplete")
            out["cmi.core.lesson_status"] = status
        prefix = "cmi.core.score."
    else:
        if completion:
            out["cmi.completion_status"] = completion.replace("_", " ")
        if success:
            out["cmi.success_status"] = success
        prefix = "cmi.score."
    score = body.get("score") or {}
    for part in ("raw", "min", "max") + (() if standard == SCORM12 else ("scaled",)):
        if score.get(part) is not None:
            out[prefix + part] = f"{score[part]:g}"
    if body.get("suspend_data") is not None:
        out["cmi.suspend_data"] = body["suspend_data"]
    return out


def validate_put(body: dict) -> None:
    errors = {}
    score = body.get("score") or {}
    lo, hi, raw, scaled = score.get("min"), score.get("max"), score.get("raw"), score.get("scaled")
    if lo is not None and hi is not None and lo > hi:
        errors["score.min"] = ["Must not be greater than score.max"]
    if raw is not None and ((lo is not None and raw < lo) or (hi is not None and raw > hi)):
        errors["score.raw"] = ["Must be within score.min and score.max"]
    if body.get("session_time") is not None and cmi_rules.parse_duration(body["session_time"]) is None:
        errors["session_time"] = ["Must be an ISO 8601 duration such as PT1H30M"]
    if scaled is not None and not -1 <= scaled <= 1:
        errors["score.scaled"] = ["Must be between -1 and 1"]
    if errors:
        raise validation_error(errors)


def update_session(tenant_id: str, session_id: str, body: dict) -> Session:
    validate_put(body)
    updates = clean_cmi(body.get("cmi_data") or {})
    with write_transaction():
        session = get_session(tenant_id, session_id)
        if body.get("version") is not None and body["version"] != session.version:
            raise ApiError(409, "CONFLICT", "The session changed since you read it (stale version)",
                           {"current_version": session.version, "your_version": body["version"]})
        pkg = session.package
        updates.update(_explicit_cmi(pkg.standard or SCORM12, body))
        launch_key = None
        if body.get("session_time") is not None:
            key = "cmi.core.session_time" if pkg.standard == SCORM12 else "cmi.session_time"
            seconds = cmi_rules.parse_duration(body["session_time"])
            updates[key] = (cmi_rules.format_timespan_12(seconds) if pkg.standard == SCORM12
                            else body["session_time"])
            launch_key = f"api-{uuid.uuid4()}"  # each accepted PUT is one reported session
        scos = scos_for(pkg.id)
        item_id = scos[0].item_id if scos else "default"
        apply_cmi(session, pkg.standard, item_id, updates, launch_key)
        for item, data in _activity_updates(scos, body.get("activities") or []):
            apply_cmi(session, pkg.standard, item, data, None)
        if body.get("session_time") is not None:
            session.session_time = body["session_time"]
            update_columns(session, ("session_time",))
        if len(scos) > 1:
            _explicit_session_fields(session, body)
    return session


def _activity_updates(scos: list[Sco], activities: list[dict]) -> list[tuple[str, dict[str, str]]]:
    """A PUT's per-item CMI data (multi-SCO packages; what a sync carries), checked whole
    before anything is written."""
    known = {s.item_id for s in scos}
    errors, out = {}, []
    for n, entry in enumerate(activities):
        if entry["item_id"] not in known:
            errors[f"activities.{n}.item_id"] = ["This package has no item with that id"]
            continue
        out.append((entry["item_id"], clean_cmi(entry["cmi_data"])))
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
    statements.status_changed(session, *status_before)


def reset_progress(tenant_id: str, session_id: str) -> Session:
    with write_transaction():
        session = get_session(tenant_id, session_id)
        ScoState.delete().where(ScoState.session == session.id).execute()
        SequencingState.delete().where(SequencingState.session == session.id).execute()
        session.completion_status, session.success_status = "not_attempted", "unknown"
        session.score_scaled = session.score_raw = session.score_min = session.score_max = None
        session.time_spent_seconds, session.session_time, session.completed_at = 0, None, None
        session.version += 1
        session.updated_at = utcnow_iso()
        session.save()
    return session


# ---- what the player starts from -----------------------------------------------------

# The elements the LMS sets before a launch, by their names in each standard.
_LMS_ELEMENTS = {
    "scorm_1_2": {"id": "cmi.core.student_id", "name": "cmi.core.student_name",
                  "entry": "cmi.core.entry", "total": "cmi.core.total_time",
                  "credit": "cmi.core.credit", "mode": "cmi.core.lesson_mode",
                  "exit": "cmi.core.exit", "mastery": "cmi.student_data.mastery_score"},
    "scorm_2004": {"id": "cmi.learner_id", "name": "cmi.learner_name", "entry": "cmi.entry",
                   "total": "cmi.total_time", "credit": "cmi.credit", "mode": "cmi.mode",
                   "exit": "cmi.exit", "threshold": "cmi.completion_threshold"},
}


def launch_state(session: Session, sco: Sco) -> dict[str, str]:
    """The flat CMI a launch of `sco` starts from: saved data plus the values the LMS sets."""
    is12 = session.package.standard == SCORM12
    names = _LMS_ELEMENTS["scorm_1_2" if is12 else "scorm_2004"]
    state = ScoState.get_or_none((ScoState.session == session.id) & (ScoState.item_id == sco.item_id))
    saved_cmi = state.cmi if state else {}
    total = sum(state.launch_times.values()) if state else 0.0
    entry = "resume" if saved_cmi.get(names["exit"]) == "suspend" else ("" if state else "ab-initio")
    lms = {
        names["id"]: session.user_id,
        names["name"]: session.user_name or session.user_id,
        names["entry"]: entry,
        names["total"]: cmi_rules.format_timespan_12(total) if is12 else cmi_rules.format_duration(total),
        names["credit"]: "credit",
        names["mode"]: "normal",
    }
    if sco.data_from_lms:
        lms["cmi.launch_data"] = sco.data_from_lms
    if is12 and sco.mastery_score is not None:
        lms[names["mastery"]] = f"{sco.mastery_score:g}"
    if not is12 and sco.completion_threshold is not None:
        lms[names["threshold"]] = f"{sco.completion_threshold:g}"
    saved = {k: v for k, v in saved_cmi.items() if k not in _PER_LAUNCH}
    return {**saved, **lms}
