"""A session's objectives as the learner's record holds them: one row per objective of each
activity (SCO), and each global objective once.

The runtime lists an activity's objectives in its cmi.objectives, the ones it only reads from
a global objective included: a sequenced course whose every SCO reads "previous_sco_satisfied"
would list that objective once per SCO, and list each SCO's primary objective as unknown
though the SCO passed (the content sets cmi.success_status, which SCORM 2004 applies to the
primary objective, not the objective's own element). So:

- within an activity, an objective's entries are merged by id (later values over earlier);
- an objective that only reads global objectives (its manifest mapInfo writes nothing) is
  not the activity's own: the global objective it reads is shown, once, as a row of its own
  unless an activity's objective writes it (that row then names it, `global_id`), with what
  the sequencing engine holds for it;
- the primary objective's unknown parts are the activity's own status and score.
"""

from __future__ import annotations

from scorm_api.sessions import engine
from scorm_api.sessions.cmi import is_scored, score_object
from scorm_api.sessions.models import ScoState

_COMPLETION_2004 = {"completed": "completed", "incomplete": "incomplete", "not attempted": "not_attempted"}
_SUCCESS_2004 = {"passed": "passed", "failed": "failed"}
# SCORM 1.2 has one status for both (cmi.objectives.n.status).
_STATUS_12 = {
    "passed": ("passed", "completed"),
    "failed": ("failed", "completed"),
    "completed": ("unknown", "completed"),
    "incomplete": ("unknown", "incomplete"),
    "browsed": ("unknown", "incomplete"),
    "not attempted": ("unknown", "not_attempted"),
}


def _number(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _score(parts: dict) -> dict | None:
    score = {k: _number(parts.get(f"score.{k}")) for k in ("scaled", "raw", "min", "max")}
    return score if is_scored(score["scaled"], score["raw"]) else None


def _merged(entries: list[dict]) -> dict[str, dict]:
    """An activity's cmi.objectives entries by id, in first-seen order; a later entry's
    values over an earlier one's, but never an empty value over a recorded one."""
    out: dict[str, dict] = {}
    for entry in entries:
        objective_id = entry.get("id")
        if not objective_id:
            continue
        merged = out.setdefault(objective_id, {})
        merged.update({k: v for k, v in entry.items() if v not in (None, "") or k not in merged})
    return out


def _statuses(entry: dict) -> tuple[str, str]:
    """(success, completion) of one cmi.objectives entry, in the seed's words."""
    if "status" in entry:  # SCORM 1.2
        return _STATUS_12.get(str(entry["status"]).strip().lower(), ("unknown", "unknown"))
    success = _SUCCESS_2004.get(str(entry.get("success_status", "")).strip().lower(), "unknown")
    return success, _COMPLETION_2004.get(str(entry.get("completion_status", "")).strip().lower(), "unknown")


def _nodes(tree: dict | None) -> dict[str, dict]:
    out: dict[str, dict] = {}
    todo = [tree] if tree else []
    while todo:
        node = todo.pop()
        out[node.get("id", "")] = node
        todo.extend(node.get("children") or [])
    return out


def _maps(node: dict) -> dict[str, list[dict]]:
    """Each of an activity's manifest objectives' mapInfo, by objective id."""
    declared = [node.get("primaryObjective") or {}, *(node.get("objectives") or [])]
    return {o["objectiveID"]: o.get("mapInfo") or [] for o in declared if o.get("objectiveID")}


def _writes(info: dict) -> bool:
    return any(v is True for k, v in info.items() if k.startswith("write"))


def _global_row(target: str, held: dict) -> dict:
    """A global objective as the engine holds it."""
    success = "unknown"
    if held.get("satisfiedStatusKnown"):
        success = "passed" if held.get("satisfiedStatus") else "failed"
    completion = "unknown"
    if held.get("completionStatusKnown"):
        completion = _COMPLETION_2004.get(str(held.get("completionStatus")), "unknown")
    measure = held.get("normalizedMeasure") if held.get("normalizedMeasureKnown") else None
    raw = _number(held.get("rawScore")) if held.get("rawScoreKnown") else None
    score = None
    if is_scored(measure, raw):
        score = {
            "scaled": measure,
            "raw": raw,
            "min": _number(held.get("minScore")) if held.get("minScoreKnown") else None,
            "max": _number(held.get("maxScore")) if held.get("maxScoreKnown") else None,
        }
    return {
        "item_id": None,
        "activity": None,
        "id": target,
        "primary": False,
        "global_id": target,
        "success_status": success,
        "completion_status": completion,
        "score": score,
        "progress_measure": _number(
            held.get("progressMeasure") if held.get("progressMeasureKnown") else None
        ),
        "description": None,
    }


def rows(
    states: list[ScoState],
    titles: dict[str, str],
    cmi_objectives: dict[str, list[dict]],
    tree: dict | None,
    engine_state: dict,
) -> list[dict]:
    """The objectives table: `states` in the package's order, `cmi_objectives` each item's
    cmi.objectives entries (serialize.indexed), `tree` the activity tree with its sequencing
    (None where the package is not sequenced)."""
    nodes = _nodes(tree)
    out: list[dict] = []
    read_globals: list[str] = []
    written: set[str] = set()
    for st in states:
        node = nodes.get(st.item_id, {})
        maps = _maps(node)
        primary_id = (node.get("primaryObjective") or {}).get("objectiveID")
        entries = _merged(cmi_objectives.get(st.item_id, []))
        if primary_id and primary_id != "__primary__" and primary_id not in entries:
            entries[primary_id] = {}  # the manifest's primary objective, though the CMI lacks it
        for objective_id, entry in entries.items():
            infos = maps.get(objective_id, [])
            if infos and not any(_writes(i) for i in infos):
                read_globals.extend(i["targetObjectiveID"] for i in infos)
                continue
            targets = [i["targetObjectiveID"] for i in infos if _writes(i)]
            written.update(targets)
            success, completion = _statuses(entry)
            score = _score(entry)
            primary = objective_id == primary_id
            if primary:  # the SCO's status and score are its primary objective's (RTE 4.2)
                success = st.success_status if success == "unknown" else success
                completion = st.completion_status if completion == "unknown" else completion
                score = score or score_object(st)
            out.append(
                {
                    "item_id": st.item_id,
                    "activity": titles.get(st.item_id, st.item_id),
                    "id": objective_id,
                    "primary": primary,
                    "global_id": targets[0] if targets else None,
                    "success_status": success,
                    "completion_status": completion,
                    "score": score,
                    "progress_measure": _number(entry.get("progress_measure")),
                    "description": entry.get("description") or None,
                }
            )
    held = engine.global_objectives(engine_state)
    for target in dict.fromkeys(read_globals):
        if target not in written:
            out.append(_global_row(target, held.get(target, {})))
    return out
