"""What the SCORM 2004 sequencing engine's saved state says, read against the package's activity
tree: the root's score (when the manifest rolls one up) and the global objectives.

The player saves scorm-again's serialized state as it is (sessions.models.SequencingState); the
engine reports the root's measure as known, and 0, even when no activity counts towards it
(every objectiveMeasureWeight 0, as in the golf samples whose manifests "roll up no score"). A
passed course would then show 0%. The measure rollup of SN RB.1.1 decides here instead: a
cluster's measure is known only when a tracked child of weight above 0 has a known measure.
"""

from __future__ import annotations

from scorm_api.errors import ApiError
from scorm_api.safejson import loads

# SN defaults (the activity tree omits what the manifest does not say).
DEFAULT_WEIGHT = 1.0


def parse(state_text: str | None) -> dict:
    """The saved state as a dict ({} when there is none, or it is not JSON)."""
    if not state_text:
        return {}
    try:
        state = loads(state_text)
    except ApiError:
        return {}
    return state if isinstance(state, dict) else {}


def _sequencing(state: dict) -> dict:
    seq = state.get("sequencing")
    return seq if isinstance(seq, dict) else {}


def activity_states(state: dict) -> dict[str, dict]:
    """Each activity's tracking by activity id."""
    found = _sequencing(state).get("activityStates")
    return {k: v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}


def global_objectives(state: dict) -> dict[str, dict]:
    """The global objectives (shared between activities through mapInfo) by target id."""
    found = _sequencing(state).get("globalObjectiveMap") or state.get("globalObjectiveMap")
    return {k: v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}


def _weight(node: dict) -> float:
    weight = (node.get("sequencingControls") or {}).get("objectiveMeasureWeight")
    return float(weight) if isinstance(weight, (int, float)) else DEFAULT_WEIGHT


def _tracked(node: dict) -> bool:
    return (node.get("deliveryControls") or {}).get("tracked", True) is not False


def measure(node: dict, tracking: dict[str, dict]) -> float | None:
    """An activity's normalized measure by SN RB.1.1 (None: unknown). A leaf's is what the
    engine tracked for it; a cluster's the weighted mean of its tracked children's known
    measures, over every tracked child of weight above 0."""
    children = node.get("children") or []
    if not children:
        own = tracking.get(node.get("id") or "") or {}
        value = own.get("objectiveNormalizedMeasure")
        known = own.get("objectiveMeasureStatus") is True and isinstance(value, (int, float))
        return float(value) if known else None
    counted = total = 0.0
    valid = False
    for child in children:
        if not _tracked(child) or _weight(child) <= 0:
            continue
        counted += _weight(child)
        value = measure(child, tracking)
        if value is not None:
            total += value * _weight(child)
            valid = True
    return round(total / counted, 6) if valid and counted > 0 else None


def root_score(tree: dict | None, state: dict, reported: float | None) -> float | None:
    """The course's scaled score from the engine's rollup (`reported`), kept only when the
    tree rolls a measure up to the root at all."""
    if reported is None or tree is None:
        return None
    return reported if measure(tree, activity_states(state)) is not None else None
