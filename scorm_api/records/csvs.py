"""The records as CSV, for the spreadsheet an HR system imports: one row per attempt (the
transcript) or per learner (the compliance report, a column pair per required course). Times
are seconds and H:MM:SS both; cells that a spreadsheet would run as formulas are quoted
(sessions.serialize.csv_cell)."""

from __future__ import annotations

import csv
import io

from scorm_api.records import shown
from scorm_api.records.figures import Compliance, Transcript
from scorm_api.sessions.serialize import csv_cell


def _text(rows: list[list]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for r in rows:
        writer.writerow([csv_cell(v) for v in r])
    return buf.getvalue().encode("utf-8")


def transcript(t: Transcript) -> bytes:
    rows: list[list] = [
        [
            "learner_id",
            "learner_name",
            "course",
            "package_id",
            "course_result",
            "attempt",
            "session_id",
            "started_at",
            "completed_at",
            "completion_status",
            "success_status",
            "score_scaled",
            "score_raw",
            "time_seconds",
            "time",
            "time_reported",
        ]
    ]
    for c in t.courses:
        result = c.best.result
        for a in c.attempts:
            rows.append(
                [
                    t.learner_id,
                    t.name,
                    c.title,
                    c.package_id,
                    result,
                    a.number,
                    a.session_id,
                    a.started_at,
                    a.completed_at,
                    a.completion,
                    a.success,
                    a.score_scaled,
                    a.score_raw,
                    round(a.seconds),
                    shown.duration(a.seconds),
                    "yes" if a.time_reported else "no",
                ]
            )
    return _text(rows)


def compliance(r: Compliance) -> bytes:
    head = ["learner_id", "learner_name"]
    for _, title in r.courses:
        head += [f"{title}: result", f"{title}: met", f"{title}: completed_at", f"{title}: score_scaled"]
    head += ["hours", "time_seconds", "missing", "compliant"]
    rows: list[list] = [head]
    for row in r.rows:
        line: list = [row.learner_id, row.name]
        for c in row.cells:
            line += [c.result, "yes" if c.met else "no", c.completed_at, c.score_scaled]
        missing = row.missing(r.courses)
        line += [shown.hours(row.seconds), round(row.seconds), "; ".join(missing), "no" if missing else "yes"]
        rows.append(line)
    return _text(rows)
