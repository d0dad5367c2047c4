"""What the target is, asked before anything is sent: the cloud (or a server in cloud-contract
mode), which takes only what the cloud documents, or another appliance, which also takes our
PUT's extension fields and so receives every session whole.

The question is our extension `GET /api/v1/appliance`: the cloud answers it 404 like any
unknown route. An appliance's answer carries its instance id, which is how a sync refuses to
send a data dir to itself (the same URL under another name, or a loopback alias)."""

from __future__ import annotations

from dataclasses import dataclass

from scorm_api.sync.client import Target, TargetError


@dataclass(frozen=True)
class Profile:
    name: str  # "cloud" | "appliance"
    features: frozenset[str] = frozenset()
    instance_id: str | None = None

    @property
    def whole_sessions(self) -> bool:
        """The target takes per-item CMI and time and the carried record (sessions/carried.py)."""
        return {"sessions.activities", "sessions.appliance"} <= self.features

    @property
    def package_versions(self) -> bool:
        """The target takes a new version by the presigned flow (`package_id` on upload-url
        and process), for a zip of any size; the cloud documents only its multipart form."""
        return "packages.versions" in self.features

    @property
    def versions(self) -> bool:
        """The target's PUT takes `version` (optimistic locking): a learner's progress there
        since the last sync is refused, not overwritten, without a read first."""
        return "sessions.version" in self.features

    @property
    def deletes_sessions(self) -> bool:
        """The target deletes a session alone, and erases a learner (the cloud can do neither:
        its sessions go only with their package)."""
        return "sessions.delete" in self.features


CLOUD = Profile("cloud")


def probe(target: Target, own_instance_id: str) -> Profile:
    try:
        _, body = target.call("GET", "/api/v1/appliance")
    except TargetError as e:
        if e.status == 404:
            return CLOUD
        raise
    about = (body or {}).get("appliance") or {}
    profile = Profile(
        "appliance",
        frozenset(str(f) for f in about.get("features") or ()),
        str(about.get("instance_id") or "") or None,
    )
    if profile.instance_id == own_instance_id:
        raise TargetError(
            None,
            "TARGET_IS_SELF",
            "The target is this appliance itself (the same data dir): choose the cloud's URL",
        )
    return profile
