"""The records' figures as the API answers them (JSON): what the PDF and CSV show, as numbers,
for a client that builds its own report or checks ours."""

from __future__ import annotations

from scorm_api.records import shown
from scorm_api.records.figures import Attempt, Compliance, Transcript


def _attempt(a: Attempt) -> dict:
    return {
        "attempt": a.number,
        "session_id": a.session_id,
        "result": a.result,
        "completion_status": a.completion,
        "success_status": a.success,
        "score": {"scaled": a.score_scaled, "raw": a.score_raw},
        "started_at": a.started_at,
        "completed_at": a.completed_at,
        "time_spent_seconds": round(a.seconds),
        "time_reported": a.time_reported,
    }


def transcript(t: Transcript) -> dict:
    return {
        "learner_id": t.learner_id,
        "learner_name": t.name,
        "generated_at": t.generated_at,
        "courses": [
            {
                "package_id": c.package_id,
                "title": c.title,
                "result": c.best.result,
                "score": {"scaled": c.best.score_scaled, "raw": c.best.score_raw},
                "completed_at": c.best.completed_at,
                "time_spent_seconds": round(c.seconds),
                "time": shown.duration(c.seconds),
                "attempts": [_attempt(a) for a in c.attempts],
            }
            for c in t.courses
        ],
        "total_time_spent_seconds": round(t.total_seconds),
        "total_time": shown.duration(t.total_seconds),
    }


def compliance(r: Compliance) -> dict:
    return {
        "title": r.title,
        "since": r.since,
        "until": r.until,
        "generated_at": r.generated_at,
        "courses": [{"package_id": pid, "title": title} for pid, title in r.courses],
        "learners": [
            {
                "learner_id": row.learner_id,
                "learner_name": row.name,
                "courses": [
                    {
                        "package_id": pid,
                        "result": c.result,
                        "met": c.met,
                        "completed_at": c.completed_at,
                        "score_scaled": c.score_scaled,
                        "time_spent_seconds": round(c.seconds),
                    }
                    for (pid, _), c in zip(r.courses, row.cells, strict=True)
                ],
                "time_spent_seconds": round(row.seconds),
                "missing": [pid for (pid, _), c in zip(r.courses, row.cells, strict=True) if not c.met],
                "compliant": all(c.met for c in row.cells),
            }
            for row in r.rows
        ],
        "compliant": r.compliant,
        "total_time_spent_seconds": round(r.total_seconds),
    }
