"""The xAPI statements a SCORM session emits into its tenant's LRS, so the seed's xAPI queries
and analytics cover SCORM learners too. The bridge listens to the sessions domain's signals
(connected by xapi's init_app); sessions know nothing of xAPI.

launched (the course, when a launch link is opened), initialized (a SCO, when delivered),
completed / passed / failed (the course, when the session's status becomes so; with the
score), answered (each interaction whose response or result changed, with both),
suspended / terminated (a SCO, on its final commit, with the session time). Every statement
has the session id as `context.registration` and is stored with the session's package id.
They are written in the same transaction as the change they report.

Activity ids live under the appliance's base URL, as the cloud's do under its own:
`{base}/packages/{package_id}` for the course, `.../items/{item_id}` for a SCO and
`.../interactions/{id}` for an interaction. The learner is an account Agent on `{base}`
named by the session's user_id.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from scorm_api.packages.models import Package
from scorm_api.packages.structure import course_activity_id
from scorm_api.sessions import previews, serialize, signals
from scorm_api.sessions.models import Session
from scorm_api.sessions.vocabulary import Vocabulary
from scorm_api.state import current
from scorm_api.xapi import store
from scorm_api.xapi.validation import INTERACTION_TYPES

ADL = "http://adlnet.gov/expapi/"
COURSE = ADL + "activities/course"
LESSON = ADL + "activities/lesson"
INTERACTION = ADL + "activities/cmi.interaction"
PLATFORM = "SCORM API appliance"
PLAYER_ACCOUNT = "scorm-player"  # the authority of what the bridge writes (sync/identities.py)
_INTERACTION_CHANGE = re.compile(r"^cmi\.interactions\.(\d+)\.(learner_response|student_response|result)$")
_XAPI_TYPES = frozenset(INTERACTION_TYPES)


def base_url() -> str:
    return current().settings.base_url


def course_id(session: Session) -> str:
    return course_activity_id(base_url(), session.package_id)


def _course(session: Session) -> dict:
    title = Package.select(Package.title).where(Package.id == session.package_version_id).scalar()
    return {
        "objectType": "Activity",
        "id": course_id(session),
        "definition": {"name": {"und": title or "Course"}, "type": COURSE},
    }


def _sco(session: Session, item_id: str, title: str | None = None) -> dict:
    activity_id = f"{course_id(session)}/items/{quote(item_id, safe='')}"
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    activity["definition"] = {"type": LESSON, **({"name": {"und": title}} if title else {})}
    return activity


def learner(session: Session) -> dict:
    return {
        "objectType": "Agent",
        "name": session.user_name or session.user_id,
        "account": {"homePage": base_url(), "name": session.user_id},
    }


def _statement(
    session: Session,
    verb: str,
    obj: dict,
    parents: Sequence[dict] = (),
    grouping: Sequence[dict] = (),
    result: dict | None = None,
) -> dict:
    context: dict = {"registration": session.id, "platform": PLATFORM}
    activities = {k: list(v) for k, v in (("parent", parents), ("grouping", grouping)) if v}
    if activities:
        context["contextActivities"] = activities
    st = {
        "actor": learner(session),
        "verb": {"id": ADL + "verbs/" + verb, "display": {"en-US": verb}},
        "object": obj,
        "context": context,
    }
    if result:
        st["result"] = result
    return st


def save(session: Session, statements: list[dict]) -> None:
    """Store statements the appliance itself writes about the session (one batch, in order).
    A session written by a sync from another appliance (`replicated`, set by the PUT's carried
    record) has its statements sent beside it by that sync: none are derived here again. A
    preview (the dashboard's, sessions/previews.py) is a trainer trying the course: no
    learning record is made of it."""
    if statements and not getattr(session, "replicated", False) and not previews.is_preview(session):
        authority = {
            "objectType": "Agent",
            "name": PLATFORM,
            "account": {"homePage": base_url(), "name": PLAYER_ACCOUNT},
        }
        store.store(session.tenant_id, statements, authority, "1.0.3", package_id=session.package_id)


# ---- the events ------------------------------------------------------------------------------


def connect() -> None:
    """Subscribe to the sessions' signals (idempotent: blinker keeps one connection per
    receiver)."""
    signals.launched.connect(launched, weak=False)
    signals.item_started.connect(initialized, weak=False)
    signals.cmi_changed.connect(answered, weak=False)
    signals.status_changed.connect(status_changed, weak=False)
    signals.item_ended.connect(ended, weak=False)


def launched(session: Session) -> None:
    save(session, [_statement(session, "launched", _course(session))])


def launch_statement(session: Session, activity_id: str, title: str | None) -> dict:
    """`launched` for an xAPI activity the player starts (the content reports the rest)."""
    obj = {
        "objectType": "Activity",
        "id": activity_id,
        **({"definition": {"name": {"und": title}}} if title else {}),
    }
    return _statement(session, "launched", obj, grouping=[_course(session)])


def initialized(session: Session, item_id: str, title: str | None) -> None:
    save(session, [_statement(session, "initialized", _sco(session, item_id, title), [_course(session)])])


def status_changed(session: Session, completion_before: str, success_before: str) -> None:
    """After the session's status was recomputed: completed/passed/failed when it became so."""
    completed = session.completion_status == "completed" and completion_before != "completed"
    decided = session.success_status in ("passed", "failed") and session.success_status != success_before
    if not (completed or decided):
        return  # the usual commit: nothing to tell, and no lookup of the course
    course, out = _course(session), []
    if completed:
        out.append(_statement(session, "completed", course, result={"completion": True}))
    if decided:
        result: dict = {"success": session.success_status == "passed"}
        score = serialize.score_parts(session)
        if score:
            result["score"] = score
        out.append(_statement(session, session.success_status, course, result=result))
    save(session, out)


def answered(session: Session, vocabulary: Vocabulary, item_id: str, before: dict, after: dict) -> None:
    """An `answered` statement for each interaction whose response or result changed."""
    changed = sorted(
        {
            int(m.group(1))
            for k, v in after.items()
            if (m := _INTERACTION_CHANGE.match(k)) and before.get(k) != v
        }
    )
    prefixes = [p for p in (f"cmi.interactions.{n}." for n in changed) if after.get(p + "id")]
    if not prefixes:
        return
    sco, course = _sco(session, item_id), _course(session)
    save(
        session,
        [
            _statement(
                session,
                "answered",
                _interaction(vocabulary, sco, prefix, after),
                [sco],
                [course],
                _answer(vocabulary, prefix, after),
            )
            for prefix in prefixes
        ],
    )


def ended(session: Session, item_id: str, exit_value: str | None, session_seconds: float | None) -> None:
    """A SCO's final commit: suspended (exit = suspend) or terminated."""
    verb = "suspended" if exit_value == "suspend" else "terminated"
    result = {"duration": f"PT{session_seconds:.2f}S"} if session_seconds is not None else None
    save(session, [_statement(session, verb, _sco(session, item_id), [_course(session)], result=result)])


# ---- interactions ----------------------------------------------------------------------------


def _interaction(vocabulary: Vocabulary, sco: dict, prefix: str, cmi: dict) -> dict:
    kind = (cmi.get(prefix + "type") or "").strip()
    definition: dict = {"type": INTERACTION}
    if kind in _XAPI_TYPES:
        definition["interactionType"] = kind
        patterns = [
            vocabulary.xapi_response(kind, v)
            for k, v in sorted(cmi.items())
            if k.startswith(prefix + "correct_responses.") and k.endswith(".pattern")
        ]
        if patterns:
            definition["correctResponsesPattern"] = patterns
    if cmi.get(prefix + "description"):
        definition["description"] = {"und": cmi[prefix + "description"]}
    interaction_id = quote(cmi[prefix + "id"], safe="")
    return {
        "objectType": "Activity",
        "id": f"{sco['id']}/interactions/{interaction_id}",
        "definition": definition,
    }


def _answer(vocabulary: Vocabulary, prefix: str, cmi: dict) -> dict:
    kind = (cmi.get(prefix + "type") or "").strip()
    response = cmi.get(prefix + "learner_response", cmi.get(prefix + "student_response"))
    out: dict = {}
    if response is not None:
        out["response"] = vocabulary.xapi_response(kind, response)
    outcome = (cmi.get(prefix + "result") or "").strip().lower()
    if outcome == "correct":
        out["success"] = True
    elif outcome in ("incorrect", "wrong"):
        out["success"] = False
    return out
