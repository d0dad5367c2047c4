"""CMI normalisation: one place that turns SCORM 1.2 and 2004 runtime data into the seed's
vocabularies (completion: not_attempted|incomplete|completed, success: unknown|passed|failed),
a score object and seconds of time, applying mastery score, scaled passing score and
completion threshold as the specifications say. Every path (the player's commits, the REST
PUT) goes through here, so the same data always gives the same result.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_TIMESPAN_12 = re.compile(r"^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
_DURATION = re.compile(
    r"^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?!$)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
# SCORM 2004 RTE: a year counts as 365 days and a month as 30 for time arithmetic.
_DURATION_SECONDS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def parse_timespan_12(value: str) -> float | None:
    m = _TIMESPAN_12.match(value or "")
    if not m:
        return None
    h, mi, s, frac = m.groups()
    return int(h) * 3600 + int(mi) * 60 + int(s) + (float(frac) if frac else 0.0)


def parse_duration(value: str) -> float | None:
    """ISO 8601 duration (SCORM 2004 timeinterval) to seconds; None when it is not one."""
    m = _DURATION.match(value or "")
    if not m:
        return None
    return sum(float(g) * unit for g, unit in zip(m.groups(), _DURATION_SECONDS, strict=True) if g)


def format_duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    h, rem = divmod(int(seconds), 3600)
    mi, s = divmod(rem, 60)
    frac = round(seconds - int(seconds), 2)
    sec = f"{s + frac:g}" if frac else str(s)
    out = "PT" + (f"{h}H" if h else "") + (f"{mi}M" if mi else "") + (f"{sec}S" if s or frac else "")
    return out if out != "PT" else "PT0S"


def format_timespan_12(seconds: float) -> str:
    """Seconds as SCORM 1.2 CMITimespan (HHHH:MM:SS.SS)."""
    seconds = max(0.0, seconds)
    h, rem = divmod(int(seconds), 3600)
    mi, s = divmod(rem, 60)
    cents = round((seconds - int(seconds)) * 100)
    return f"{min(h, 9999):04d}:{mi:02d}:{s:02d}" + (f".{cents:02d}" if cents else "")


def _float(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


@dataclass
class Score:
    scaled: float | None = None
    raw: float | None = None
    min: float | None = None
    max: float | None = None


def is_scored(scaled: float | None, raw: float | None) -> bool:
    """Whether a score is known: a raw or a scaled score was reported. A range alone (1.2
    content and runtimes set score.max to 100 before anything is scored) is no score, and
    an unknown score is never 0."""
    return scaled is not None or raw is not None


def score_object(row) -> dict | None:
    """The seed's score object of a session or item row (its score_* columns), or None, the
    seed's "no score", when none is known, whatever range was stored with it."""
    if not is_scored(row.score_scaled, row.score_raw):
        return None
    return {"scaled": row.score_scaled, "raw": row.score_raw, "min": row.score_min, "max": row.score_max}


@dataclass
class Normalized:
    completion: str
    success: str
    score: Score
    session_seconds: float | None  # this launch's session time, when reported


def _score(cmi: dict, prefix: str, scale_raw: bool) -> Score:
    s = Score(
        scaled=_float(cmi.get(prefix + "scaled")),
        raw=_float(cmi.get(prefix + "raw")),
        min=_float(cmi.get(prefix + "min")),
        max=_float(cmi.get(prefix + "max")),
    )
    if s.scaled is None and s.raw is not None and scale_raw:
        lo = s.min if s.min is not None else 0.0
        hi = s.max if s.max is not None else 100.0
        if hi > lo:
            s.scaled = round(max(-1.0, min(1.0, (s.raw - lo) / (hi - lo))), 6)
    return s if is_scored(s.scaled, s.raw) else Score()


def normalize_12(cmi: dict, mastery_score: float | None) -> Normalized:
    status = (cmi.get("cmi.core.lesson_status") or "not attempted").strip().lower()
    score = _score(cmi, "cmi.core.score.", scale_raw=True)
    completion = {
        "passed": "completed",
        "completed": "completed",
        "failed": "completed",
        "incomplete": "incomplete",
        "browsed": "incomplete",
    }.get(status, "not_attempted")
    success = {"passed": "passed", "failed": "failed"}.get(status, "unknown")
    # SCORM 1.2 RTE 3.4.4: with a mastery score and a raw score, the LMS decides pass/fail.
    if mastery_score is not None and score.raw is not None and status != "not attempted":
        success = "passed" if score.raw >= mastery_score else "failed"
        completion = "completed" if status != "incomplete" else completion
    return Normalized(completion, success, score, parse_timespan_12(cmi.get("cmi.core.session_time", "")))


def normalize_2004(cmi: dict, completion_threshold: float | None = None) -> Normalized:
    completion_raw = (cmi.get("cmi.completion_status") or "unknown").strip().lower()
    success_raw = (cmi.get("cmi.success_status") or "unknown").strip().lower()
    score = _score(cmi, "cmi.score.", scale_raw=False)
    # RTE 4.2.4.1: a completion threshold with a progress measure decides completion.
    threshold = _float(cmi.get("cmi.completion_threshold"))
    threshold = threshold if threshold is not None else completion_threshold
    progress = _float(cmi.get("cmi.progress_measure"))
    if threshold is not None and progress is not None:
        completion_raw = "completed" if progress >= threshold else "incomplete"
    # RTE 4.2.22: a scaled passing score with a scaled score decides success.
    passing = _float(cmi.get("cmi.scaled_passing_score"))
    if passing is not None and score.scaled is not None:
        success_raw = "passed" if score.scaled >= passing else "failed"
    completion = {"completed": "completed", "incomplete": "incomplete"}.get(completion_raw)
    if completion is None:  # "not attempted" or "unknown"
        completion = (
            "incomplete" if cmi.get("cmi.entry") == "resume" or cmi.get("cmi.location") else "not_attempted"
        )
    success = success_raw if success_raw in ("passed", "failed") else "unknown"
    return Normalized(completion, success, score, parse_duration(cmi.get("cmi.session_time", "")))


def rollup(states: list[Normalized], expected: int) -> tuple[str, str, Score]:
    """Session status from its SCOs' states (`expected`: how many SCOs the package has).

    The SCORM 1.2 multi-SCO rule, also used for 2004 packages until their rollup rules apply:
    completed when every SCO is; failed when any SCO failed, passed when every SCO passed;
    the score is the mean of the SCOs' scaled scores.
    """
    if not states:
        return "not_attempted", "unknown", Score()
    if len(states) == 1 and expected <= 1:
        only = states[0]
        return only.completion, only.success, only.score
    all_seen = len(states) >= expected
    if all_seen and all(s.completion == "completed" for s in states):
        completion = "completed"
    elif any(s.completion != "not_attempted" for s in states):
        completion = "incomplete"
    else:
        completion = "not_attempted"
    if any(s.success == "failed" for s in states):
        success = "failed"
    elif all_seen and all(s.success == "passed" for s in states):
        success = "passed"
    else:
        success = "unknown"
    return completion, success, mean_scaled([s.score.scaled for s in states])


def mean_scaled(values: list[float | None]) -> Score:
    """The mean of the scaled scores given (None where there are none)."""
    scaled = [v for v in values if v is not None]
    return Score(scaled=round(sum(scaled) / len(scaled), 6) if scaled else None)
