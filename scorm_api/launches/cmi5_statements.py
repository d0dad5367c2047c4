"""The cmi5 vocabulary, and the statements the LMS itself writes: Launched (before an AU
starts), Satisfied (a block or the course met its moveOn criteria), Abandoned (an AU session
that ended without Terminated) and Waived (an AU excused by an administrator)."""

from __future__ import annotations

from scorm_api.packages.course import Au
from scorm_api.sessions.models import Session
from scorm_api.xapi.scorm_bridge import learner
from scorm_api.xapi.validation import now_iso

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
W3ID_VERBS = "https://w3id.org/xapi/adl/verbs/"
LAUNCHED, INITIALIZED, COMPLETED = ADL_VERBS + "launched", ADL_VERBS + "initialized", ADL_VERBS + "completed"
PASSED, FAILED, TERMINATED = ADL_VERBS + "passed", ADL_VERBS + "failed", ADL_VERBS + "terminated"
ABANDONED, WAIVED, SATISFIED = W3ID_VERBS + "abandoned", W3ID_VERBS + "waived", W3ID_VERBS + "satisfied"
AU_VERBS = {INITIALIZED, COMPLETED, PASSED, FAILED, TERMINATED}

CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
_EXT = "https://w3id.org/xapi/cmi5/context/extensions/"
SESSION_ID, MASTERY_SCORE, LAUNCH_MODE = _EXT + "sessionid", _EXT + "masteryscore", _EXT + "launchmode"
LAUNCH_URL, MOVE_ON, LAUNCH_PARAMETERS = _EXT + "launchurl", _EXT + "moveon", _EXT + "launchparameters"
REASON = "https://w3id.org/xapi/cmi5/result/extensions/reason"


def context_template(au: Au, cmi5_session_id: str) -> dict:
    """What every statement of the AU session carries (LMS.LaunchData's contextTemplate)."""
    return {
        "contextActivities": {"grouping": [{"objectType": "Activity", "id": au.id}]},
        "extensions": {SESSION_ID: cmi5_session_id},
    }


def _statement(
    session: Session,
    verb: str,
    obj: dict,
    publisher_id: str,
    cmi5_session_id: str,
    result: dict | None = None,
    extensions: dict | None = None,
    moveon: bool = False,
) -> dict:
    category = [{"objectType": "Activity", "id": CMI5_CATEGORY}]
    if moveon:
        category.append({"objectType": "Activity", "id": MOVEON_CATEGORY})
    st = {
        "actor": learner(session),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": obj,
        "timestamp": now_iso(),
        "context": {
            "registration": session.id,
            "contextActivities": {
                "category": category,
                "grouping": [{"objectType": "Activity", "id": publisher_id}],
            },
            "extensions": {SESSION_ID: cmi5_session_id, **(extensions or {})},
        },
    }
    if result:
        st["result"] = result
    return st


def _au_object(activity_id: str, au: Au) -> dict:
    return {
        "objectType": "Activity",
        "id": activity_id,
        "definition": {"name": {"und": au.title}, "type": "http://adlnet.gov/expapi/activities/lesson"},
    }


def launched(
    session: Session, au: Au, activity_id: str, cmi5_session_id: str, launch_mode: str, launch_url: str
) -> dict:
    ext: dict[str, str | float] = {LAUNCH_MODE: launch_mode, LAUNCH_URL: launch_url, MOVE_ON: au.move_on}
    if au.launch_parameters is not None:
        ext[LAUNCH_PARAMETERS] = au.launch_parameters
    if au.mastery_score is not None:
        ext[MASTERY_SCORE] = au.mastery_score
    return _statement(session, LAUNCHED, _au_object(activity_id, au), au.id, cmi5_session_id, extensions=ext)


def abandoned(session: Session, au: Au, activity_id: str, cmi5_session_id: str, duration: str) -> dict:
    return _statement(
        session, ABANDONED, _au_object(activity_id, au), au.id, cmi5_session_id, result={"duration": duration}
    )


def waived(session: Session, au: Au, activity_id: str, cmi5_session_id: str, reason: str) -> dict:
    return _statement(
        session,
        WAIVED,
        _au_object(activity_id, au),
        au.id,
        cmi5_session_id,
        result={"success": True, "completion": True, "extensions": {REASON: reason}},
        moveon=True,
    )


def satisfied(
    session: Session,
    node_activity_id: str,
    publisher_id: str,
    title: str,
    node_type: str,
    cmi5_session_id: str,
) -> dict:
    obj = {
        "objectType": "Activity",
        "id": node_activity_id,
        "definition": {"name": {"und": title}, "type": node_type},
    }
    return _statement(session, SATISFIED, obj, publisher_id, cmi5_session_id)
