"""Sessions in the seed's shapes, with interactions and objectives made readable."""

from __future__ import annotations

import csv
import io
import re

from scorm_api.db import Prepared
from scorm_api.packages import structure
from scorm_api.sessions import engine, objectives, previews
from scorm_api.sessions.cmi import format_duration, score_object
from scorm_api.sessions.models import ScoState, SequencingState, Session

_INDEXED = re.compile(r"^cmi\.(interactions|objectives)\.(\d+)\.(.+)$")
_RENAMES = {"student_response": "learner_response", "time": "timestamp", "status": "status"}


def score_parts(s) -> dict:
    """The parts of a session's or item's score that it has; none when it has no score (what
    a sync sends, what the xAPI bridge reports)."""
    whole = score(s)
    return {k: v for k, v in whole.items() if v is not None} if whole else {}


score = score_object  # a session's or item's score as the seed shows it


def summary(s: Session, title: str | None = None, version: str | None = None) -> dict:
    pkg = s.package_version
    return {
        "id": s.public_id,
        "package_id": s.package_id,
        "package_version": pkg.version_number,  # which of the package's versions it runs
        "tenant_id": s.tenant_id,
        "user_id": s.user_id,
        "user_name": s.user_name,
        "preview": previews.is_preview(s),  # the dashboard's preview, not a learner
        "completion_status": s.completion_status,
        "success_status": s.success_status,
        "score": score(s),
        "attempts": s.attempt,
        "is_current_attempt": s.is_current,
        "time_spent_seconds": round(s.time_spent_seconds or 0),
        "session_time": s.session_time,
        "total_time": format_duration(s.time_spent_seconds or 0),
        "launch_count": s.launch_count,
        "version": s.version,
        "first_launched_at": s.first_launched_at,
        "last_launched_at": s.last_launched_at,
        "completed_at": s.completed_at,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "package": {
            "title": title if title is not None else pkg.title,
            "version": version if version is not None else pkg.version,
        },
    }


def indexed(cmi: dict, kind: str) -> list[dict]:
    """cmi.interactions.N.* (or objectives) as a list of objects, nested parts kept dotted."""
    rows: dict[int, dict] = {}
    for key, value in cmi.items():
        m = _INDEXED.match(key)
        if m and m.group(1) == kind:
            field = m.group(3)
            rows.setdefault(int(m.group(2)), {})[_RENAMES.get(field, field)] = value
    out = []
    for n in sorted(rows):
        row = rows[n]
        patterns = [
            row.pop(k)
            for k in sorted(list(row), key=_pattern_order)
            if k.startswith("correct_responses.") and k.endswith(".pattern")
        ]
        if patterns:
            row["correct_responses"] = patterns
        out.append({"index": n, **row})
    return out


def _pattern_order(key: str):
    parts = key.split(".")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


# A session's item states, read for every session a sync sends: compiled once.
_STATES = Prepared(lambda: ScoState.select().where(ScoState.session == ""))


def ordered_states(s: Session) -> list[ScoState]:
    """The session's item states in the package's order (items it no longer has last)."""
    order = [sco.item_id for sco in structure.scos_for(s.package_version_id)]
    states = _STATES.models(ScoState, s.id)
    states.sort(key=lambda st: order.index(st.item_id) if st.item_id in order else len(order))
    return states


def detail(s: Session) -> dict:
    scos = structure.scos_for(s.package_version_id)
    titles = {sco.item_id: sco.title for sco in scos}
    states = ordered_states(s)
    primary = states[0].cmi if states else {}
    activities = [
        {
            "item_id": st.item_id,
            "title": titles.get(st.item_id, st.item_id),
            "completion_status": st.completion_status,
            "success_status": st.success_status,
            "score": score(st),
            "time_spent_seconds": round(sum(st.launch_times.values())),
            "cmi_data": st.cmi,
            "interactions": indexed(st.cmi, "interactions"),
            "objectives": indexed(st.cmi, "objectives"),
            "updated_at": st.updated_at,
        }
        for st in states
    ]
    sequenced = structure.uses_sequencing(s.package_version.standard, scos)
    saved = SequencingState.get_or_none(SequencingState.session == s.id) if sequenced else None
    return {
        **summary(s),
        "cmi_data": primary,
        "interactions": [i for a in activities for i in a["interactions"]],
        # One row per objective of the learner's record (sessions/objectives.py); each
        # activity's `objectives` are its cmi.objectives as the runtime wrote them.
        "objectives": objectives.rows(
            states,
            titles,
            {a["item_id"]: a["objectives"] for a in activities},
            structure.toc_for(s.package_version_id, True) if sequenced else None,
            engine.parse(saved.state if saved else None),
        ),
        "activities": activities,
    }


CSV_COLUMNS = (
    "user_id",
    "user_name",
    "package",
    "attempt",
    "completion_status",
    "success_status",
    "score_scaled",
    "score_raw",
    "time_spent_seconds",
    "launch_count",
    "first_launched_at",
    "last_launched_at",
    "completed_at",
    "session_id",
)


def csv_cell(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    # Spreadsheets run text cells that start with these as formulas (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_rows(sessions):
    """CSV text, a line at a time (streamed), for trainers who hand results in."""
    buf = io.StringIO()
    writer = csv.writer(buf)

    def line(values) -> str:
        buf.seek(0)
        buf.truncate()
        writer.writerow([csv_cell(v) for v in values])
        return buf.getvalue()

    yield line(CSV_COLUMNS)
    for s in sessions:
        known = score(s) or {}  # an unknown score is an empty cell, never 0
        yield line(
            (
                s.user_id,
                s.user_name,
                s.package_version.title,
                s.attempt,
                s.completion_status,
                s.success_status,
                known.get("scaled"),
                known.get("raw"),
                round(s.time_spent_seconds or 0),
                s.launch_count,
                s.first_launched_at,
                s.last_launched_at,
                s.completed_at,
                s.public_id,
            )
        )
