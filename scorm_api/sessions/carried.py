"""A session's record as another appliance carries it: the `appliance` field of our PUT
(an extension: the cloud's PUT has no place for it, and in cloud-contract mode it is refused).

What the cloud's PUT cannot hold and a sync between appliances must not lose: the learner's
name, the session's own statuses and score (on a multi-SCO course they need not be any item's),
the dates of its history (created, first and last launch, completion) and its launch count, and
the SCORM 2004 sequencing engine's state, and which version of the package the session runs
(by the zip's checksum: the version numbers of two appliances need not agree). They are
written as sent: the record is the sender's,
and the target's own clock has nothing to say about when a learner did something elsewhere.
"""

from __future__ import annotations

from scorm_api.db import update_columns
from scorm_api.packages.models import Package
from scorm_api.schemas import TIMESTAMP, obj
from scorm_api.sessions.models import COMPLETION, SUCCESS, SequencingState, Session

DATES = ("created_at", "first_launched_at", "last_launched_at", "completed_at")
MAX_SEQUENCING_STATE_CHARS = 4 * 1024 * 1024
# The launch key a carried sequencing state is saved under ("<13-digit ms>:<id>", compared as
# text): older than every launch of this server, so the learner's next launch here goes on.
CARRIED_LAUNCH = "0000000000000:carried"

SCHEMA = obj(
    {
        "user_name": {"type": ["string", "null"], "maxLength": 255},
        "completion_status": {"enum": list(COMPLETION)},
        "success_status": {"enum": list(SUCCESS)},
        "score": obj({k: {"type": ["number", "null"]} for k in ("scaled", "raw", "min", "max")}),
        "launch_count": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
        "package_sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
        "session_time": {"type": ["string", "null"], "maxLength": 64},
        **{d: {**TIMESTAMP, "type": ["string", "null"]} for d in DATES},
        "sequencing": {
            "type": ["object", "null"],
            "properties": {
                "state": {"type": "string", "maxLength": MAX_SEQUENCING_STATE_CHARS},
                "completion_status": {"type": ["string", "null"], "maxLength": 16},
                "success_status": {"type": ["string", "null"], "maxLength": 16},
                "score_scaled": {"type": ["number", "null"], "minimum": -1, "maximum": 1},
                "updated_at": TIMESTAMP,
            },
            "required": ["state", "updated_at"],
            "additionalProperties": False,
        },
    }
)
SCHEMA["description"] = (
    "Our extension, for a sync between appliances: the session's record beyond what the "
    "cloud's PUT holds (learner name, the session's own statuses and score, its dates and "
    "launch count, SCORM 2004 sequencing state), written as sent after the CMI data."
)


def record(session: Session) -> dict:
    """What `apply` takes, read from a session here (the sender's side)."""
    engine = SequencingState.get_or_none(SequencingState.session == session.id)
    return {
        "user_name": session.user_name,
        "completion_status": session.completion_status,
        "success_status": session.success_status,
        "score": {p: getattr(session, f"score_{p}") for p in ("scaled", "raw", "min", "max")},
        "launch_count": session.launch_count,
        "package_sha256": session.package_version.sha256,
        "session_time": session.session_time,  # the course's reported time, summed
        **{d: getattr(session, d) for d in DATES},
        "sequencing": None
        if engine is None
        else {
            "state": engine.state,
            "completion_status": engine.completion_status,
            "success_status": engine.success_status,
            "score_scaled": engine.score_scaled,
            "updated_at": engine.updated_at,
        },
    }


def pin_version(session: Session, carried: dict) -> None:
    """Run the version of these bytes, if this package has it ready and of the same standard
    (before the PUT's CMI data is written: item ids are the version's). Otherwise the session
    stays on the version its launch gave it."""
    sha256 = carried.get("package_sha256")
    if not sha256 or session.package_version.sha256 == sha256:
        return
    row = Package.get_or_none(
        (Package.family_id == session.package_id)
        & (Package.sha256 == sha256)
        & (Package.status == "ready")
        & (Package.standard == session.package_version.standard)
    )
    if row is not None:
        session.package_version = row
        update_columns(session, ("package_version",))


def apply(session: Session, carried: dict) -> list[str]:
    """Write a carried record over the session (inside the PUT's transaction, after its CMI
    data was applied); returns the columns it changed."""
    changed = []
    for field in ("user_name", "completion_status", "success_status", "launch_count", "session_time", *DATES):
        if field in carried and getattr(session, field) != carried[field]:
            setattr(session, field, carried[field])
            changed.append(field)
    for part, value in (carried.get("score") or {}).items():
        if getattr(session, f"score_{part}") != value:
            setattr(session, f"score_{part}", value)
            changed.append(f"score_{part}")
    if changed:
        update_columns(session, tuple(changed))
    engine = carried.get("sequencing")
    if engine:
        fields = {k: engine.get(k) for k in ("state", "completion_status", "success_status", "score_scaled")}
        fields["updated_at"] = engine["updated_at"]
        updated = (
            SequencingState.update(**fields, launch_key=CARRIED_LAUNCH, seq=None)
            .where(SequencingState.session == session.id)
            .execute()
        )
        if not updated:
            SequencingState.create(session=session.id, launch_key=CARRIED_LAUNCH, seq=None, **fields)
        changed.append("sequencing")
    return changed
