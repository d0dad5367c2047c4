"""What was deleted here after it was synced: reported at every run until it is settled, and,
with --propagate-deletes (off by default: a sync adds and updates, it does not take away unless
asked), deleted on the target too.

Packages are deleted there with the seed's `DELETE /packages/{id}`, which takes their sessions
with them (sessions are deleted here only with their package, so a session's deletion is its
package's). Documents are deleted through the target's LRS, with the key their link kept when
they were sent. A link the target already lost (404) counts as deleted. A package's versions
each have a link to the same remote package: it is reported, and deleted, once. Links are never
forgotten: a deleted object keeps its row, in state "deleted", so a later run does not report
it again."""

from __future__ import annotations

from scorm_api.packages.models import Package
from scorm_api.sessions.models import Session
from scorm_api.sync import dispatches, documents, packages, sessions, webhooks
from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.models import SyncLink
from scorm_api.sync.profile import Profile
from scorm_api.sync.progress import Progress
from scorm_api.xapi.models import Document

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
    return {kind: n for kind in _LIVE if (n := len(_by_object(kind, gone(links, kind))))}


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
                _delete(target, f"/api/v1/packages/{link.remote_id}")
            elif kind == webhooks.KIND:
                _delete(target, f"/api/v1/webhooks/{link.remote_id}")
            elif kind == dispatches.KIND:  # its package went here: revoked there (documented)
                _delete(target, f"/api/v1/dispatches/{link.remote_id}")
            elif kind == documents.KIND and lrs is not None:
                where = (link.detail or {}).get("where") or {}
                _delete(lrs, where.get("path", ""), where.get("params"))
            # a session: its package's deletion there took it (packages are settled first)
            for each in group:
                links.save(kind, each.local_id, state="deleted")
            progress.note(kind, "deleted", link.local_id, link.remote_id)


def _kept_there(
    kind: str, link: SyncLink, links: Links, lrs: Target | None, propagate: bool, profile: Profile
) -> str | None:
    """Why an object deleted here stays on the target, or None when it is deleted there."""
    if not propagate:
        return "Deleted here; still on the target"
    if kind == sessions.KIND:
        pkg = (link.detail or {}).get("package_id")
        if pkg is not None and _state(links, packages.KIND, pkg) != "deleted":
            return "The cloud's API cannot delete a session alone"
    if kind == webhooks.KIND and profile.name != "appliance":
        return "The cloud documents no way to delete a webhook: delete it there by hand"
    if kind == documents.KIND and lrs is None:
        return "Deleting it there needs the target's LRS credentials"
    return None


def _state(links: Links, kind: str, local_id: str) -> str | None:
    link = links.get(kind, local_id)
    return link.state if link else None


def _delete(target: Target, path: str, params: dict | None = None) -> None:
    try:
        target.request("DELETE", path, params=params)
    except TargetError as e:
        if e.status != 404:  # already gone there: as good as deleted
            raise
