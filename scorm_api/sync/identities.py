"""This appliance's own identifiers in the statements a sync sends, renamed as the target names
the same things, so the target's analytics count each learner and each course once.

The appliance, like the cloud (the seed's analytics show `{base}/packages/{package_id}`), names
what it writes about under its base URL: the course `{base}/packages/{id}`, its SCOs and AUs
below it, the learner an account on `{base}`; a statement's registration is the session. On
the target the same course has the target's package id under the target's base, and the
session the id the sync chose. So every string of a statement that starts with one of this
appliance's base URLs is moved under the target's, with the package id mapped, and the
registration of a synced session becomes that session's id there. Identifiers a course or a
client chose themselves (anything not under our base) are left exactly as they are.

Which statements the SCORM bridge wrote here is told by their authority (xapi/scorm_bridge):
derived data, which a cloud target derives again from the sessions it receives (so they are
not sent there, and the dry run says so), and which another appliance takes as they are
without deriving its own (its PUT is marked as a sync's)."""

from __future__ import annotations

from typing import Any

from scorm_api.sync import packages, sessions
from scorm_api.sync.links import Links
from scorm_api.xapi.scorm_bridge import PLAYER_ACCOUNT


class Identities:
    def __init__(self, links: Links, local_bases: tuple[str, ...], target_base: str):
        self.links = links
        # longest first: a content base below the main one is matched as itself
        self.local_bases = tuple(sorted({b.rstrip("/") for b in local_bases if b}, key=len, reverse=True))
        self.target_base = target_base.rstrip("/")
        self._packages: dict[str, str] = {}
        self._sessions: dict[str, str] = {}

    def prefetch(self, package_ids: set[str], registrations: set[str]) -> None:
        """The map for a batch, read once (remote ids of the packages and sessions it names)."""
        wanted = [p for p in package_ids if p not in self._packages]
        self._packages.update(
            {k: v.remote_id for k, v in self.links.of(packages.KIND, wanted).items() if v.remote_id}
        )
        for pid in wanted:  # a package whose first version never went: another version's link
            if pid not in self._packages:
                link = packages.remote_package(self.links, pid)
                self._packages[pid] = link.remote_id if link else pid  # asked once per run
        wanted = [r for r in registrations if r not in self._sessions]
        self._sessions.update(
            {k: v.remote_id for k, v in self.links.of(sessions.KIND, wanted).items() if v.remote_id}
        )

    def is_bridged(self, body: dict) -> bool:
        """Written here by the SCORM bridge (its authority is the player's account on our base)."""
        account = ((body.get("authority") or {}).get("account")) or {}
        return (
            account.get("name") == PLAYER_ACCOUNT
            and account.get("homePage", "").rstrip("/") in self.local_bases
        )

    def translate(self, body: dict) -> dict:
        out = self._walk(body)
        ctx = out.get("context")
        if isinstance(ctx, dict) and ctx.get("registration") in self._sessions:
            ctx["registration"] = self._sessions[ctx["registration"]]
        return out

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._rename(value)
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        if isinstance(value, dict):
            return {k: self._walk(v) for k, v in value.items()}
        return value

    def _rename(self, text: str) -> str:
        for base in self.local_bases:
            if text == base or text.startswith(base + "/"):
                rest = text[len(base) :]
                for under in ("/packages/", "/content/"):
                    if rest.startswith(under):
                        pid, sep, tail = rest[len(under) :].partition("/")
                        rest = f"{under}{self._packages.get(pid, pid)}{sep}{tail}"
                        break
                return self.target_base + rest
        return text
