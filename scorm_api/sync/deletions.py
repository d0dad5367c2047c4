"""What was deleted here after it was synced: reported at every run until it is settled, and,
with --propagate-deletes (off by default: a sync adds and updates, it does not take away unless
asked), deleted on the target too.

Packages are deleted there with the seed's `DELETE /packages/{id}`, which takes their sessions
with them. A session deleted here alone (learners/) is deleted alone on an appliance target
(`DELETE /sessions/{id}`, our extension); the cloud's API deletes a session only with its
package, so there it is reported as still on the target. A learner erased here is erased on an
appliance target too (`DELETE /learners/{id}`), once one of their sessions had reached it.
Documents are deleted through the target's LRS, with the key their link kept when they were
sent. A link the target already lost (404) counts as deleted. A package's versions
each have a link to the same remote package: it is reported, and deleted, once. Links are never
forgotten: a deleted object keeps its row, in state "deleted", so a later run does not report
it again."""

from __future__ import annotations

from urllib.parse import quote

from scorm_api.learners.models import LearnerErasure
from scorm_api.packages.models import Package
from scorm_api.sessions.models import Session
from scorm_api.sync import dispatches, documents, packages, sessions, webhooks
from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.models import SyncLink
from scorm_api.sync.profile import Profile
from scorm_api.sync.progress import Progress
from scorm_api.xapi.models import Document

LEARNER = "learner"  # a learner erased here (learners/erasure.py)
_LIVE = {
    packages.KIND: lambda tenant_id: Package.select(Package.id).where(Package.tenant == tenant_id),
    sessions.KIND: lambda tenant_id: Session.select(Session.id).where(Session.tenant == tenant_id),
    documents.KIND: lambda tenant_id: Document.select(Document.pk).where(Document.tenant == tenant_id),
    webhooks.KIND: webhooks.live_ids,  # "<webhook id>:<event type>": computed, not a column
    dispatches.KIND: dispatches.live_ids,
}


def gone(links: Links, kind: str) -> list[SyncLink]:
    """Links of objects that went here after they reached the target (not yet settled)."""
    return list(
        SyncLink.select()
        .where(
            links.where(kind)
            & SyncLink.remote_id.is_null(False)
            & (SyncLink.state != "deleted")
            & SyncLink.local_id.not_in(_LIVE[kind](links.tenant_id))
        )
        .order_by(SyncLink.local_id)
    )


def _by_object(kind: str, found: list[SyncLink]) -> list[list[SyncLink]]:
    """The links, one group per object on the target (a package's versions share one)."""
    if kind != packages.KIND:
        return [[link] for link in found]
    groups: dict[str, list[SyncLink]] = {}
    for link in found:
        groups.setdefault(link.remote_id, []).append(link)
    return list(groups.values())


def counts(links: Links) -> dict[str, int]:
    found = {kind: n for kind in _LIVE if (n := len(_by_object(kind, gone(links, kind))))}
    if n := len(erased(links)):
        found[LEARNER] = n
    return found


def settle(
    target: Target, lrs: Target | None, links: Links, progress: Progress, propagate: bool, profile: Profile
) -> None:
    for kind in _LIVE:
        for group in _by_object(kind, gone(links, kind)):
            link = group[0]
            kept = _kept_there(kind, link, links, lrs, propagate, profile)
            if kept is not None:
                progress.note(kind, "gone", link.local_id, link.remote_id, reason=kept)
                continue
            if kind == packages.KIND:
                delete(target, f"/api/v1/packages/{link.remote_id}")
            elif kind == webhooks.KIND:
                delete(target, f"/api/v1/webhooks/{link.remote_id}")
            elif kind == dispatches.KIND:  # its package went here: revoked there (documented)
                delete(target, f"/api/v1/dispatches/{link.remote_id}")
            elif kind == documents.KIND and lrs is not None:
                where = (link.detail or {}).get("where") or {}
                delete(lrs, where.get("path", ""), where.get("params"))
            elif kind == sessions.KIND and not _with_its_package(link, links):
                delete(target, f"/api/v1/sessions/{link.remote_id}")
            # else a session whose package's deletion there took it (packages are settled first)
            for each in group:
                links.save(kind, each.local_id, state="deleted")
            progress.note(kind, "deleted", link.local_id, link.remote_id)
    for erasure in erased(links):
        kept = _erasure_kept_there(propagate, profile)
        if kept is not None:
            progress.note(LEARNER, "gone", erasure.id, erasure.learner_id, reason=kept)
            continue
        delete(target, f"/api/v1/learners/{quote(erasure.learner_id, safe='')}")
        links.save(LEARNER, erasure.id, remote_id=erasure.learner_id, state="deleted")
        progress.note(LEARNER, "deleted", erasure.id, erasure.learner_id)


def _kept_there(
    kind: str, link: SyncLink, links: Links, lrs: Target | None, propagate: bool, profile: Profile
) -> str | None:
    """Why an object deleted here stays on the target, or None when it is deleted there."""
    if not propagate:
        return "Deleted here; still on the target"
    if kind == sessions.KIND and not profile.deletes_sessions and not _with_its_package(link, links):
        return "The cloud's API cannot delete a session alone"
    if kind == webhooks.KIND and profile.name != "appliance":
        return "The cloud documents no way to delete a webhook: delete it there by hand"
    if kind == documents.KIND and lrs is None:
        return "Deleting it there needs the target's LRS credentials"
    return None


def erased(links: Links) -> list[LearnerErasure]:
    """Learners erased here, not yet erased there, one of whose sessions reached the target."""
    settled = SyncLink.select(SyncLink.local_id).where(links.where(LEARNER) & (SyncLink.state == "deleted"))
    found = []
    for erasure in LearnerErasure.select().where(
        (LearnerErasure.tenant == links.tenant_id) & LearnerErasure.id.not_in(settled)
    ):
        sent = links.where(sessions.KIND) & SyncLink.remote_id.is_null(False)
        if (
            erasure.session_ids
            and SyncLink.select().where(sent & SyncLink.local_id.in_(erasure.session_ids)).exists()
        ):
            found.append(erasure)
    return found


def _erasure_kept_there(propagate: bool, profile: Profile) -> str | None:
    if not propagate:
        return "Erased here; still on the target"
    if not profile.deletes_sessions:
        return "The cloud's API cannot erase a learner: erase them there by hand"
    return None


def _with_its_package(link: SyncLink, links: Links) -> bool:
    """A session link whose package was deleted there (which took the session with it)."""
    pkg = (link.detail or {}).get("package_id")
    return pkg is None or _state(links, packages.KIND, pkg) == "deleted"


def _state(links: Links, kind: str, local_id: str) -> str | None:
    link = links.get(kind, local_id)
    return link.state if link else None


def delete(target: Target, path: str, params: dict | None = None) -> None:
    try:
        target.request("DELETE", path, params=params)
    except TargetError as e:
        if e.status != 404:  # already gone there: as good as deleted
            raise
