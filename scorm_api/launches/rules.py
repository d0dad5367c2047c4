"""The cmi5 rules an AU's statements must follow (cmi5 sections 7 and 9). The LMS rejects a
statement that breaks one with 403 and says which (6.3: "SHOULD reject"), so nothing that
contradicts the registration's state is ever stored. A batch is checked as a whole, in order.

cmi5 defined statements (the cmi5 category) use the AU's verbs with their result rules; any
statement of the session carries the context template (registration, session id, the AU's
publisher id) and comes between Initialized and Terminated, from the learner."""

from __future__ import annotations

from scorm_api.errors import forbidden
from scorm_api.launches import cmi5_statements as v
from scorm_api.launches.models import AuLaunch
from scorm_api.launches.progress import categories, is_defined
from scorm_api.packages.course import Au
from scorm_api.sessions.models import ScoState
from scorm_api.xapi.identity import actor_key
from scorm_api.xapi.validation import VOIDED, timestamp

_JUDGED = {v.PASSED: True, v.FAILED: False}


def _refuse(rule: str, message: str):
    return forbidden(f"{message} (cmi5 {rule})", {"cmi5_rule": rule})


def check(launch: AuLaunch, au: Au, learner: dict, state: ScoState | None, batch: list[dict]) -> None:
    verbs = launch.verb_set
    initialized = launch.initialized_at is not None
    completed = state is not None and state.completion_status == "completed"
    passed = state is not None and state.success_status == "passed"
    for st in batch:
        verb = st["verb"]["id"]
        if verb == VOIDED:
            raise _refuse("6.3", "An AU may not void statements")
        _check_envelope(launch, au, learner, st)
        defined = is_defined(st)
        name = verb.rsplit("/", 1)[-1]
        if not initialized:
            if not (defined and verb == v.INITIALIZED):
                raise _refuse("9.3", "The first statement of an AU session is its cmi5 Initialized")
            if not launch.prefs_read:
                raise _refuse(
                    "11.0",
                    "The AU reads the learner preferences (agent profile "
                    "cmi5LearnerPreferences) before it initializes",
                )
        if v.MOVEON_CATEGORY in categories(st) and not (
            defined and verb in (v.COMPLETED, v.PASSED, v.FAILED)
        ):
            raise _refuse("9.6.2.2", "Only cmi5 Completed, Passed and Failed carry the moveOn category")
        if not defined:
            continue
        _check_defined(launch, au, st, verb, name, verbs, completed, passed)
        verbs.add(name)
        initialized = True
        completed = completed or verb == v.COMPLETED
        passed = passed or verb == v.PASSED


def _check_envelope(launch: AuLaunch, au: Au, learner: dict, st: dict) -> None:
    if "id" not in st:
        raise _refuse("9.1", "The AU assigns every statement its id")
    if "timestamp" not in st:
        raise _refuse("9.7", "Every statement has a timestamp")
    offset = timestamp(st["timestamp"], "timestamp").utcoffset()
    if offset is None or offset.total_seconds() != 0:
        raise _refuse("9.7", "Timestamps are recorded in UTC")
    actor = st["actor"]
    if (
        actor.get("objectType", "Agent") != "Agent"
        or "account" not in actor
        or actor_key(actor) != actor_key(learner)
    ):
        raise _refuse("9.2", "The actor is the learner's Agent (with its account) from the launch")
    ctx = st.get("context")
    if not isinstance(ctx, dict):
        raise _refuse("9.6", "Statements carry the context template")
    if str(ctx.get("registration", "")).lower() != launch.session_id.lower():
        raise _refuse("9.6.1", "context.registration is the launch's registration")
    if (ctx.get("extensions") or {}).get(v.SESSION_ID) != launch.id:
        raise _refuse("9.6.3.1", "context.extensions carries the launch's session id")
    grouping = (ctx.get("contextActivities") or {}).get("grouping") or []
    if not any(isinstance(a, dict) and a.get("id") == au.id for a in grouping):
        raise _refuse("9.6.2.3", "contextActivities.grouping keeps the AU's publisher id")


def _check_defined(
    launch: AuLaunch, au: Au, st: dict, verb: str, name: str, verbs: set[str], completed: bool, passed: bool
) -> None:
    if verb not in v.AU_VERBS:
        raise _refuse(
            "9.3",
            "cmi5 defined statements from an AU use Initialized, Completed, Passed, Failed or Terminated",
        )
    if st["object"].get("id") != launch.activity_id:
        raise _refuse("9.4", "The object of a cmi5 defined statement is the launch's activityId")
    if name in verbs:
        raise _refuse("9.3", f"{name} was already sent in this AU session")
    if verb in _JUDGED and verbs & {"passed", "failed"}:
        raise _refuse("9.3", "An AU session has at most one of Passed and Failed")
    if verb in (v.COMPLETED, v.PASSED, v.FAILED) and launch.launch_mode != "Normal":
        raise _refuse("10.2.2", f"In {launch.launch_mode} mode the AU sends no {name}")
    if verb == v.COMPLETED and completed:
        raise _refuse("9.3", "Completed is sent once per registration")
    if verb == v.PASSED and passed:
        raise _refuse("9.3", "Passed is sent once per registration")
    if verb == v.FAILED and passed:
        raise _refuse("9.3", "Failed does not follow Passed in a registration")
    result = st.get("result") or {}
    if verb in _JUDGED:
        if result.get("success") is not _JUDGED[verb]:
            raise _refuse("9.5.2", f"{name} has result.success {str(_JUDGED[verb]).lower()}")
    elif "success" in result:
        raise _refuse("9.5.2", f"{name} has no result.success")
    if verb == v.COMPLETED:
        if result.get("completion") is not True:
            raise _refuse("9.5.3", "Completed has result.completion true")
    elif "completion" in result:
        raise _refuse("9.5.3", f"{name} has no result.completion")
    score = result.get("score")
    if score is not None and verb not in _JUDGED:
        raise _refuse("9.5.1", f"{name} has no score")
    if score and "raw" in score and ("min" not in score or "max" not in score):
        raise _refuse("9.5.1", "A raw score comes with min and max")
    if verb in (v.COMPLETED, v.PASSED, v.FAILED, v.TERMINATED) and "duration" not in result:
        raise _refuse("9.5.4.1", f"{name} has result.duration")
    if verb in (v.COMPLETED, v.PASSED, v.FAILED) and v.MOVEON_CATEGORY not in categories(st):
        raise _refuse("9.6.2.2", f"{name} carries the moveOn category")
    if verb in _JUDGED and au.mastery_score is not None:
        _check_mastery(st, verb, name, au.mastery_score, score)


def _check_mastery(st: dict, verb: str, name: str, mastery: float, score: dict | None) -> None:
    """A judgement based on the masteryScore (one with a score) carries it (9.6.3.2)."""
    extensions = (st.get("context") or {}).get("extensions") or {}
    if score or v.MASTERY_SCORE in extensions:
        sent = extensions.get(v.MASTERY_SCORE)
        if not isinstance(sent, (int, float)) or isinstance(sent, bool) or abs(sent - mastery) > 1e-9:
            raise _refuse("9.6.3.2", f"{name} carries the masteryScore {mastery:g} from LMS.LaunchData")
    scaled = (score or {}).get("scaled")
    if scaled is not None and (scaled < mastery if verb == v.PASSED else scaled >= mastery):
        raise _refuse(
            "9.3.4" if verb == v.PASSED else "9.3.5",
            f"A scaled score of {scaled:g} is {'below' if verb == v.PASSED else 'at or above'} "
            f"the masteryScore {mastery:g}",
        )
