"""What the server accepts for each element of the SCORM data models, as the player's runtime
(scorm-again) accepts it at SetValue: a SCO in the player can never send more, so a commit
that breaks these rules came from somewhere else (a script holding a runtime token, a REST
client) and is refused whole, with the SCORM error code the runtime would have given (SCORM
1.2: 405 for every wrong type or range; 2004: 406 for a wrong type, 407 out of range).

Decided per element:
- what records a result (statuses, scores, times, exit, progress) and what the LMS reads
  back to resume (location) must have the element's type, vocabulary, range and, for strings,
  the data model's smallest permitted maximum (SPM): a garbage status would be reported as
  the learner's, and a 250,000-character location is no bookmark;
- `cmi.suspend_data` stays lenient (real content exceeds 4,096 characters in 1.2 and 64,000
  in 2004; it is kept whole up to the per-value cap, and the commit is logged), and so do free
  texts real authoring tools overfill (interaction descriptions, learner responses: the
  runtime's maintainers relaxed those too);
- elements not listed here are kept as sent, within the session's limits (sessions.limits).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from scorm_api.errors import ApiError
from scorm_api.sessions import cmi

_REAL = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
_TIME = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,2})?)?)?(Z|[+-]\d{2}(:\d{2})?)?)?)?)?$")
_TIME_12 = re.compile(r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$")
_N = r"\.\d+\."  # a collection index
_MAX_KNOWN = 20_000


@dataclass(frozen=True)
class Rule:
    """`check` returns None when the value is fine, else "type" or "range"."""

    check: Callable[[str], str | None]
    what: str  # said in the refusal: what the element takes


# The empty string is always accepted (DataModel.check skips it): it means "not set".


def vocabulary(*words: str) -> Rule:
    allowed = set(words)
    return Rule(lambda v: None if v in allowed else "type", "one of " + ", ".join(repr(w) for w in words))


def real(lo: float | None = None, hi: float | None = None) -> Rule:
    def check(v: str) -> str | None:
        if not _REAL.match(v.strip()):
            return "type"
        x = float(v)
        return "range" if (lo is not None and x < lo) or (hi is not None and x > hi) else None

    span = f" from {lo:g}" if lo is not None else ""
    span += f" to {hi:g}" if hi is not None else ""
    return Rule(check, "a number" + span)


def text(spm: int) -> Rule:
    return Rule(lambda v: "range" if len(v) > spm else None, f"at most {spm} characters")


def pattern(regex: re.Pattern[str], what: str) -> Rule:
    return Rule(lambda v: None if regex.match(v) else "type", what)


_DURATION = Rule(
    lambda v: None if cmi.parse_duration(v) is not None else "type", "an ISO 8601 duration (PT1M30S)"
)
_TIMESPAN_12 = Rule(lambda v: None if cmi.parse_timespan_12(v) is not None else "type", "HHHH:MM:SS.SS")
_INTERACTION_TYPES_12 = (
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
)
_INTERACTION_TYPES_2004 = (*_INTERACTION_TYPES_12, "long-fill-in", "other")
_RESULT_12 = Rule(
    lambda v: None if v in ("correct", "wrong", "unanticipated", "neutral") or _REAL.match(v) else "type",
    "correct, wrong, unanticipated, neutral or a number",
)
_RESULT_2004 = Rule(
    lambda v: None if v in ("correct", "incorrect", "unanticipated", "neutral") or _REAL.match(v) else "type",
    "correct, incorrect, unanticipated, neutral or a number",
)
_STATUS_12 = vocabulary("passed", "completed", "failed", "incomplete", "browsed", "not attempted")

SCORM12: dict[str, Rule] = {
    r"cmi\.core\.lesson_status": _STATUS_12,
    r"cmi\.core\.exit": vocabulary("time-out", "suspend", "logout", ""),
    r"cmi\.core\.score\.(raw|min|max)": real(0, 100),
    r"cmi\.core\.session_time": _TIMESPAN_12,
    r"cmi\.core\.lesson_location": text(255),
    r"cmi\.comments": text(4096),
    r"cmi\.student_preference\.audio": real(-1, 100),
    r"cmi\.student_preference\.speed": real(-100, 100),
    r"cmi\.student_preference\.text": real(-1, 1),
    r"cmi\.student_preference\.language": text(255),
    r"cmi\.objectives" + _N + r"id": text(255),
    r"cmi\.objectives" + _N + r"score\.(raw|min|max)": real(0, 100),
    r"cmi\.objectives" + _N + r"status": _STATUS_12,
    r"cmi\.interactions" + _N + r"id": text(255),
    r"cmi\.interactions" + _N + r"objectives" + _N + r"id": text(255),
    r"cmi\.interactions" + _N + r"time": pattern(_TIME_12, "HH:MM:SS"),
    r"cmi\.interactions" + _N + r"type": vocabulary(*_INTERACTION_TYPES_12),
    r"cmi\.interactions" + _N + r"weighting": real(),
    r"cmi\.interactions" + _N + r"result": _RESULT_12,
    r"cmi\.interactions" + _N + r"latency": _TIMESPAN_12,
}

_COMPLETION = vocabulary("completed", "incomplete", "not attempted", "unknown")
_SUCCESS = vocabulary("passed", "failed", "unknown")
SCORM2004: dict[str, Rule] = {
    r"cmi\.completion_status": _COMPLETION,
    r"cmi\.success_status": _SUCCESS,
    r"cmi\.exit": vocabulary("time-out", "suspend", "logout", "normal", ""),
    r"cmi\.score\.scaled": real(-1, 1),
    r"cmi\.score\.(raw|min|max)": real(),
    r"cmi\.progress_measure": real(0, 1),
    r"cmi\.session_time": _DURATION,
    r"cmi\.location": text(1000),
    r"cmi\.learner_preference\.audio_level": real(0),
    r"cmi\.learner_preference\.delivery_speed": real(0),
    r"cmi\.learner_preference\.audio_captioning": vocabulary("-1", "0", "1"),
    r"cmi\.learner_preference\.language": text(250),
    r"cmi\.comments_from_learner" + _N + r"comment": text(4000),
    r"cmi\.comments_from_learner" + _N + r"location": text(250),
    r"cmi\.objectives" + _N + r"id": text(4000),
    r"cmi\.objectives" + _N + r"score\.scaled": real(-1, 1),
    r"cmi\.objectives" + _N + r"score\.(raw|min|max)": real(),
    r"cmi\.objectives" + _N + r"success_status": _SUCCESS,
    r"cmi\.objectives" + _N + r"completion_status": _COMPLETION,
    r"cmi\.objectives" + _N + r"progress_measure": real(0, 1),
    r"cmi\.interactions" + _N + r"id": text(4000),
    r"cmi\.interactions" + _N + r"objectives" + _N + r"id": text(4000),
    r"cmi\.interactions" + _N + r"type": vocabulary(*_INTERACTION_TYPES_2004),
    r"cmi\.interactions" + _N + r"timestamp": pattern(_TIME, "an ISO 8601 time"),
    r"cmi\.interactions" + _N + r"weighting": real(),
    r"cmi\.interactions" + _N + r"result": _RESULT_2004,
    r"cmi\.interactions" + _N + r"latency": _DURATION,
}


class DataModel:
    """One standard's rules, compiled: `check(updates)` raises for the values that break them."""

    def __init__(self, rules: dict[str, Rule], codes: dict[str, int]):
        self._rules = [(re.compile(f"^{k}$"), r) for k, r in rules.items()]
        self._codes = codes  # "type"/"range" -> the SCORM error code
        # Element name -> its rule: commits repeat the same names, so each is matched once.
        self._known: dict[str, Rule | None] = {}

    def rule(self, element: str) -> Rule | None:
        try:
            return self._known[element]
        except KeyError:
            pass
        found = next((r for rx, r in self._rules if rx.match(element)), None)
        if len(self._known) >= _MAX_KNOWN:  # names are the client's: the memo stays bounded
            self._known.clear()
        self._known[element] = found
        return found

    def check(self, updates: dict[str, str]) -> None:
        errors: dict[str, list[str]] = {}
        codes: dict[str, int] = {}
        for element, value in updates.items():
            if value == "":
                continue  # "not set": the runtime's full commit sends every element, set or not
            rule = self.rule(element)
            wrong = rule.check(value) if rule is not None else None
            if rule is not None and wrong is not None:
                codes[element] = self._codes[wrong]
                errors[element] = [f"Must be {rule.what} (SCORM error {codes[element]})"]
        if errors:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                "Values that break the SCORM data model: nothing of this write was kept",
                {"fieldErrors": errors, "scorm_errors": codes},
            )


SCORM12_MODEL = DataModel(SCORM12, {"type": 405, "range": 405})
SCORM2004_MODEL = DataModel(SCORM2004, {"type": 406, "range": 407})
