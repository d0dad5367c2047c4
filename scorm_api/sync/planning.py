"""What a run will do, said before it does it (and kept as the run's plan): how many packages,
bytes, sessions, statements and webhooks; how many launches the target will count (each new session is
made by a launch, and the cloud counts launches against a plan); how long the target's rate
limits will make the run take; and, for a cloud target, what of this data it cannot hold."""

from __future__ import annotations

import math

from scorm_api.packages import processing
from scorm_api.storage import Storage
from scorm_api.sync import deletions, dispatches, documents, packages, sessions, statements, webhooks
from scorm_api.sync.links import Links
from scorm_api.sync.profile import Profile

# The cloud's documented limits (seed "Rate Limiting"): requests per minute and bucket.
CLOUD_LIMITS = {"read": 1000, "write": 100, "upload": 10}
WINDOW_SECONDS = 60
LISTED = 20  # sessions named per thing not carried (the counts are exact)


def rate_limited_seconds(calls: dict[str, int], limits: dict[str, int] = CLOUD_LIMITS) -> int:
    """The least time the calls take under per-minute buckets: every full window a bucket
    needs beyond its first is waited out. The run's phases are in turn (packages, then
    sessions, then statements), so the waits add up."""
    return sum(max(0, math.ceil(n / limits[b]) - 1) * WINDOW_SECONDS for b, n in calls.items() if n)


def plan(
    tenant_id: str, links: Links, storage: Storage, pkgs: list, profile: Profile, with_lrs: bool
) -> dict:
    """`pkgs`: the packages pending (packages.pending), read once; `with_lrs`: the target's
    LRS credentials were given (documents and attachments travel through it)."""
    to_send, new = sessions.count_pending(tenant_id, links)
    stmts = statements.count_pending(tenant_id, links)
    docs = documents.count_pending(tenant_id, links)
    hooks = len(webhooks.pending(tenant_id, links))
    shared = len(dispatches.pending(tenant_id, links))
    calls = {
        "upload": 2 * len(pkgs),  # upload-url and process
        # launches, PUTs, statement batches, documents, webhooks
        "write": new + to_send + math.ceil(stmts / statements.BATCH) + docs + hooks + shared,
        "read": len(pkgs) + (0 if profile.versions else to_send - new),  # ready polls, re-reads
    }
    not_carried = []
    if not profile.package_versions:
        big = [
            p
            for p in pkgs
            if p.version_number > 1 and storage.size(processing.zip_key(p.id)) > packages.CLOUD_FORM_BYTES
        ]
        not_carried += _entry(
            "large_versions",
            "New versions of a package over 100 MB (the cloud takes a new version by its "
            "multipart upload only, 100 MB at most): upload them there by hand",
            len(big),
            "packages",
            [f"{p.family_id} v{p.version_number}" for p in big[:LISTED]],
        )
    if not profile.whole_sessions:
        not_carried += _not_carried(tenant_id, links)
        not_carried += _entry(
            "bridge_statements", BRIDGED, statements.count_bridged(tenant_id, links), "statements"
        )
    if not with_lrs:
        not_carried += _entry(
            "xapi_documents",
            f"xAPI documents (activity state, activity and agent profiles): {WITHOUT_LRS}",
            docs,
            "documents",
        )
        not_carried += _entry(
            "statement_attachments",
            f"xAPI statements with attachments: {WITHOUT_LRS}",
            statements.count_with_attachments(tenant_id, links),
            "statements",
        )
    return {
        "target": profile.name,
        "packages": len(pkgs),
        "package_bytes": sum(storage.size(processing.zip_key(p.id)) for p in pkgs),
        "sessions": to_send,
        "statements": stmts,
        "documents": docs,
        "webhooks": hooks,  # one per webhook and event type (the cloud's take one type each)
        "dispatches": shared,
        "launches": new,
        "deleted_here": deletions.counts(links),  # synced, then deleted here
        "rate_limited_seconds": rate_limited_seconds(calls),
        "not_carried": not_carried,
    }


WITHOUT_LRS = "give the target's LRS key and secret (--lrs-key, --lrs-secret) to send them"
BRIDGED = (
    "xAPI statements this appliance derived from SCORM sessions (launched, initialized, "
    "answered, completed...): the target derives its own from the sessions it receives, under "
    "the same learner and course"
)


def _entry(
    what: str, description: str, count: int, unit: str, examples: list[str] | None = None
) -> list[dict]:
    """One kind of thing the target cannot take, as the plan lists it; none when there is none."""
    if not count:
        return []
    return [
        {"what": what, "description": description, "count": count, "unit": unit, "examples": examples or []}
    ]


def _not_carried(tenant_id: str, links: Links) -> list[dict]:
    found: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for session in sessions.pending(tenant_id, links):
        for what in sessions.not_carried(session):
            counts[what] = counts.get(what, 0) + 1
            named = found.setdefault(what, [])
            if len(named) < LISTED:
                named.append(session.public_id)
    return [
        entry
        for what, description in sessions.NOT_CARRIED.items()
        for entry in _entry(what, description, counts.get(what, 0), "sessions", found.get(what))
    ]
