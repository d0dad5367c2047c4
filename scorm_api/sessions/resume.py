"""Where a launch starts: which item to open, and the CMI data it resumes from (the saved data
plus the values the LMS sets, in the package's vocabulary)."""

from __future__ import annotations

from scorm_api.packages.structure import Sco
from scorm_api.sessions.models import ScoState, Session
from scorm_api.sessions.vocabulary import PER_LAUNCH, for_standard


def launch_state(session: Session, sco: Sco) -> dict[str, str]:
    """The flat CMI a launch of `sco` starts from: saved data plus the values the LMS sets."""
    vocab = for_standard(session.package_version.standard)
    state = ScoState.get_or_none((ScoState.session == session.id) & (ScoState.item_id == sco.item_id))
    saved_cmi = state.cmi if state else {}
    total = sum(state.launch_times.values()) if state else 0.0
    entry = "resume" if saved_cmi.get(vocab.exit) == "suspend" else ("" if state else "ab-initio")
    lms = {
        vocab.learner_id: session.user_id,
        vocab.learner_name: session.user_name or session.user_id,
        vocab.entry: entry,
        vocab.total_time: vocab.format_time(total),
        vocab.credit: "credit",
        vocab.mode: "normal",
    }
    if sco.data_from_lms:
        lms["cmi.launch_data"] = sco.data_from_lms
    lms.update(vocab.item_elements(sco.mastery_score, sco.completion_threshold))
    saved = {k: v for k, v in saved_cmi.items() if k not in PER_LAUNCH}
    return {**saved, **lms}


def resume_point(standard: str | None, scos: list[Sco], states: dict[str, ScoState]) -> Sco:
    """The item to open: the one suspended last, else the first not yet completed."""
    exit_element = for_standard(standard).exit
    suspended = [st for st in states.values() if st.cmi.get(exit_element) == "suspend"]
    if suspended:
        last = max(suspended, key=lambda st: st.updated_at)
        found = next((s for s in scos if s.item_id == last.item_id), None)
        if found:
            return found
    return next(
        (s for s in scos if s.item_id not in states or states[s.item_id].completion_status != "completed"),
        scos[0],
    )
