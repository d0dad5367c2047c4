"""How an AU's statements move the learner's session on.

cmi5: Completed / Passed / Failed set the AU's state in the registration (a ScoState row, as a
SCORM item's would be), Terminated ends the AU session with its duration; then the moveOn
criteria are evaluated (also when a registration is created and when an AU is waived): each
block, and the course, whose AUs all met theirs is Satisfied once, with a statement from the
LMS. The session is completed when the course is satisfied.

xAPI (tincan.xml): completed / passed / failed statements (or a result's completion and success)
about the launched activity set its state; a result's duration on terminated, exited or
suspended counts as the launch's time.
"""

from __future__ import annotations

import uuid

from scorm_api.db import utcnow_iso
from scorm_api.launches import cmi5_statements as v
from scorm_api.launches.models import AuLaunch, Cmi5Satisfied
from scorm_api.packages import structure
from scorm_api.packages.course import (
    BLOCK_TYPE,
    COURSE_TYPE,
    Au,
    Course,
    block_activity_id,
    course_activity_id,
    course_of,
)
from scorm_api.sessions import cmi as cmi_rules
from scorm_api.sessions import limits, tracking
from scorm_api.sessions.models import ScoState, Session
from scorm_api.xapi import scorm_bridge as statements

WAIVED_KEY = "cmi5.waived"  # in the AU's ScoState.cmi: the reason it was waived
_ENDING_VERBS = {
    v.TERMINATED,
    "http://adlnet.gov/expapi/verbs/exited",
    "http://adlnet.gov/expapi/verbs/suspended",
}


def categories(statement: dict) -> set[str]:
    acts = ((statement.get("context") or {}).get("contextActivities") or {}).get("category") or []
    return {a.get("id") or "" for a in (acts if isinstance(acts, list) else [acts]) if isinstance(a, dict)}


def is_defined(statement: dict) -> bool:
    return v.CMI5_CATEGORY in categories(statement)


def _set_score(state: ScoState, result: dict) -> None:
    score = result.get("score") or {}
    if score:
        state.score_scaled, state.score_raw = score.get("scaled"), score.get("raw")
        state.score_min, state.score_max = score.get("min"), score.get("max")


def _duration(result: dict) -> float | None:
    value = result.get("duration")
    return cmi_rules.parse_duration(value) if isinstance(value, str) else None


def apply_cmi5(launch: AuLaunch, session: Session, batch: list[dict]) -> None:
    """After the AU's statements were stored (same transaction)."""
    state = tracking.state_for(session, launch.item_id)
    verbs = launch.verb_set
    now = utcnow_iso()
    for st in batch:
        launch.last_statement_at = now
        if not is_defined(st):
            continue
        verb, result = st["verb"]["id"], st.get("result") or {}
        verbs.add(verb.rsplit("/", 1)[-1])
        if verb == v.INITIALIZED:
            launch.initialized_at = now
        elif verb == v.COMPLETED:
            state.completion_status = "completed"
        elif verb in (v.PASSED, v.FAILED):
            state.success_status = "passed" if verb == v.PASSED else "failed"
            _set_score(state, result)
        elif verb == v.TERMINATED:
            launch.terminated_at = now
            seconds = _duration(result)
            if seconds is not None:
                state.launch_times = {**state.launch_times, launch.id: seconds}
    if state.completion_status == "not_attempted":
        state.completion_status = "incomplete"
    launch.verbs = ",".join(sorted(verbs))
    launch.save()
    state.updated_at = now
    state.save()
    settle(session, launch.id)


def apply_xapi(launch: AuLaunch, session: Session, batch: list[dict]) -> None:
    state = tracking.state_for(session, launch.item_id)
    now = utcnow_iso()
    for st in batch:
        launch.last_statement_at = now
        if (st.get("object") or {}).get("id") != launch.activity_id:
            continue
        verb, result = st["verb"]["id"], st.get("result") or {}
        if verb == v.COMPLETED or result.get("completion") is True:
            state.completion_status = "completed"
        elif state.completion_status == "not_attempted":
            state.completion_status = "incomplete"
        if verb == v.PASSED or (verb != v.FAILED and result.get("success") is True):
            state.success_status = "passed"
        elif verb == v.FAILED or result.get("success") is False:
            state.success_status = "failed"
        _set_score(state, result)
        seconds = _duration(result)
        if verb in _ENDING_VERBS and seconds is not None:
            state.launch_times = {**state.launch_times, launch.id: seconds}
    launch.save()
    state.updated_at = now
    state.save()
    states = list(ScoState.select().where(ScoState.session == session.id))
    scos = structure.scos_for(session.package_version_id)
    completion, success, score = tracking.rollup_states(states, len(scos))
    tracking.save_status(session, completion, success, score, states, announce=False)


# ---- moveOn ---------------------------------------------------------------------------------


def au_met(au: Au, state: ScoState | None) -> bool:
    if au.move_on == "NotApplicable" or (state is not None and state.cmi.get(WAIVED_KEY)):
        return True
    if state is None:
        return False
    completed, passed = state.completion_status == "completed", state.success_status == "passed"
    return {
        "Completed": completed,
        "Passed": passed,
        "CompletedAndPassed": completed and passed,
        "CompletedOrPassed": completed or passed,
    }.get(au.move_on, False)


def on_session_created(session: Session) -> None:
    """cmi5 9.6.1: moveOn is evaluated at registration (NotApplicable AUs satisfy at once)."""
    if session.package_version.standard == "cmi5":
        settle(session)


def settle(session: Session, cmi5_session_id: str | None = None) -> None:
    """Evaluate moveOn for the registration: Satisfied statements for the blocks (inner ones
    first) and the course newly satisfied, then the session's status."""
    course = course_of(session.package_version_id)
    if course is None:
        return
    states = {s.item_id: s for s in ScoState.select().where(ScoState.session == session.id)}
    done = {r.node_id for r in Cmi5Satisfied.select().where(Cmi5Satisfied.session == session.id)}
    base = statements.base_url()
    sid = cmi5_session_id or str(uuid.uuid4())  # outside an AU session: a session id of its own
    out: list[dict] = []

    def met(node) -> bool:
        if isinstance(node, Au):
            return au_met(node, states.get(node.id))
        ok = all([met(c) for c in node.children])  # every child visited: inner blocks first
        if ok and node.id not in done:
            _satisfy(node.id, block_activity_id(base, course.package_id, node.id), node.title, BLOCK_TYPE)
        return ok

    def _satisfy(node_id: str, activity_id: str, title: str, node_type: str) -> None:
        Cmi5Satisfied.create(session=session.id, node_id=node_id, created_at=utcnow_iso())
        done.add(node_id)
        out.append(v.satisfied(session, activity_id, node_id, title, node_type, sid))

    if all([met(c) for c in course.children]) and course.id not in done:
        _satisfy(course.id, course_activity_id(base, course.package_id), course.title, COURSE_TYPE)
    statements.save(session, out)
    _cmi5_status(session, course, states, course.id in done)


def _cmi5_status(session: Session, course: Course, states: dict[str, ScoState], satisfied: bool) -> None:
    rows = [states[a.id] for a in course.aus if a.id in states]
    if satisfied:
        completion = "completed"
    elif rows or session.launch_count:
        completion = "incomplete"
    else:
        completion = "not_attempted"
    waived = {s.item_id for s in rows if s.cmi.get(WAIVED_KEY)}
    if any(s.success_status == "failed" and s.item_id not in waived for s in rows):
        success = "failed"
    elif satisfied and any(s.success_status == "passed" for s in rows):
        success = "passed"
    else:
        success = "unknown"
    score = cmi_rules.mean_scaled([s.score_scaled for s in rows])
    tracking.save_status(session, completion, success, score, list(states.values()), announce=False)


def mark_waived(session: Session, au: Au, reason: str) -> None:
    state = tracking.state_for(session, au.id)
    state.cmi = {**state.cmi, WAIVED_KEY: reason}
    state.cmi_chars = limits.cmi_chars(state.cmi)  # kept with the data it counts
    state.updated_at = utcnow_iso()
    state.save()


def is_waived(session: Session, au: Au) -> bool:
    state = tracking.find_state(session.id, au.id)
    return bool(state and state.cmi.get(WAIVED_KEY))
