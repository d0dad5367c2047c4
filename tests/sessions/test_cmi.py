"""CMI normalisation: the same data gives the same statuses, scores and times."""

import pytest

from scorm_api.sessions.cmi import (
    Normalized,
    Score,
    format_duration,
    format_timespan_12,
    parse_duration,
    parse_timespan_12,
    rollup,
)
from scorm_api.sessions.vocabulary import normalize


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("PT1H30M5.5S", 5405.5),
        ("P1DT2H", 93600),
        ("PT0S", 0),
        ("P1Y", 365 * 86400),
        ("PT", None),
        ("P", None),
        ("1H", None),
        ("PT-5S", None),
        ("", None),
    ],
)
def test_iso_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("0000:00:00", 0),
        ("0001:02:03.5", 3723.5),
        ("12:00:00", 43200),
        ("00:61:00", None),
        ("1:00:00", None),
    ],
)
def test_scorm12_timespans(text, seconds):
    assert parse_timespan_12(text) == seconds


def test_formatting_round_trips():
    assert format_duration(5405.5) == "PT1H30M5.5S" and format_duration(0) == "PT0S"
    assert format_timespan_12(3723.5) == "0001:02:03.50"
    assert parse_duration(format_duration(7322.25)) == 7322.25


@pytest.mark.parametrize(
    "status,completion,success",
    [
        ("passed", "completed", "passed"),
        ("failed", "completed", "failed"),
        ("completed", "completed", "unknown"),
        ("incomplete", "incomplete", "unknown"),
        ("browsed", "incomplete", "unknown"),
        ("not attempted", "not_attempted", "unknown"),
    ],
)
def test_scorm12_status_vocabulary(status, completion, success):
    n = normalize("scorm_1_2", {"cmi.core.lesson_status": status})
    assert (n.completion, n.success) == (completion, success)


def test_scorm12_mastery_score_decides_pass_or_fail():
    below = normalize(
        "scorm_1_2", {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "75"}, mastery_score=80
    )
    above = normalize(
        "scorm_1_2", {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "85"}, mastery_score=80
    )
    assert (below.success, above.success) == ("failed", "passed")
    assert above.score.scaled == 0.85 and above.completion == "completed"


def test_scorm12_scaled_score_from_range():
    n = normalize(
        "scorm_1_2",
        {
            "cmi.core.score.raw": "15",
            "cmi.core.score.min": "10",
            "cmi.core.score.max": "20",
            "cmi.core.session_time": "00:10:00",
        },
    )
    assert n.score.scaled == 0.5 and n.session_seconds == 600


def test_scorm2004_thresholds():
    n = normalize(
        "scorm_2004_4th_edition",
        {
            "cmi.completion_status": "incomplete",
            "cmi.progress_measure": "0.9",
            "cmi.completion_threshold": "0.8",
            "cmi.success_status": "passed",
            "cmi.score.scaled": "0.5",
            "cmi.scaled_passing_score": "0.6",
            "cmi.session_time": "PT10M",
        },
    )
    assert (n.completion, n.success, n.session_seconds) == ("completed", "failed", 600)
    not_yet = normalize(
        "scorm_2004_3rd_edition",
        {"cmi.completion_status": "completed", "cmi.progress_measure": "0.3"},
        completion_threshold=0.8,
    )
    assert not_yet.completion == "incomplete"
    unknown = normalize("scorm_2004_3rd_edition", {"cmi.completion_status": "unknown"})
    assert (unknown.completion, unknown.success) == ("not_attempted", "unknown")


def _n(c, s, scaled=None):
    return Normalized(c, s, Score(scaled=scaled), None)


def test_multi_sco_rollup():
    assert rollup([], 3) == ("not_attempted", "unknown", Score())
    partial = rollup([_n("completed", "passed", 1.0)], 3)
    assert partial[:2] == ("incomplete", "unknown")
    done = rollup([_n("completed", "passed", 1.0), _n("completed", "passed", 0.5)], 2)
    assert done[0] == "completed" and done[1] == "passed" and done[2].scaled == 0.75
    failed = rollup([_n("completed", "failed", 0.2), _n("incomplete", "unknown")], 2)
    assert failed[:2] == ("incomplete", "failed")
