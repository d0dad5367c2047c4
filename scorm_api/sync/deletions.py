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
from scorm_api.sync import documents, packages, sessions
from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.models import SyncLink
from scorm_api.sync.progress import Progress
from scorm_api.xapi.models import Document

_LIVE = {
    packages.KIND: lambda tenant_id: Package.select(Package.id).where(Package.tenant == tenant_id),
    sessions.KIND: lambda tenant_id: Session.select(Session.id).where(Session.tenant == tenant_id),
    documents.KIND: lambda tenant_id: Document.select(Document.pk).where(Document.tenant == tenant_id),
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


def settle(target: Target, lrs: Target | None, links: Links, progress: Progress, propagate: bool) -> None:
    for kind in _LIVE:
        for group in _by_object(kind, gone(links, kind)):
            link = group[0]
            if not propagate:
                progress.note(
                    kind, "gone", link.local_id, link.remote_id, reason="Deleted here; still on the target"
                )
                continue
            if kind == sessions.KIND:
                # its package's deletion there took it (packages are settled first)
                pkg = (link.detail or {}).get("package_id")
                deleted_with_package = pkg is None or _state(links, packages.KIND, pkg) == "deleted"
                if not deleted_with_package:
                    progress.note(
                        kind,
                        "gone",
                        link.local_id,
                        link.remote_id,
                        reason="The cloud's API cannot delete a session alone",
                    )
                    continue
            elif kind == packages.KIND:
                _delete(target, f"/api/v1/packages/{link.remote_id}")
            elif lrs is None:
                progress.note(
                    kind,
                    "gone",
                    link.local_id,
                    link.remote_id,
                    reason="Deleting it there needs the target's LRS credentials",
                )
                continue
            else:
                where = (link.detail or {}).get("where") or {}
                _delete(lrs, where.get("path", ""), where.get("params"))
            for each in group:
                links.save(kind, each.local_id, state="deleted")
            progress.note(kind, "deleted", link.local_id, link.remote_id)


def _state(links: Links, kind: str, local_id: str) -> str | None:
    link = links.get(kind, local_id)
    return link.state if link else None


def _delete(target: Target, path: str, params: dict | None = None) -> None:
    try:
        target.request("DELETE", path, params=params)
    except TargetError as e:
        if e.status != 404:  # already gone there: as good as deleted
            raise
