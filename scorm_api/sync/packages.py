"""Packages travel by the seed's presigned flow, from the original zip bytes: upload-url, PUT
with the required headers, process (only after the PUT completed), then wait until ready.

Each step is recorded before the next starts, so a run stopped anywhere resumes without a
second package on the target: a ticket already PUT is processed (process is idempotent per
storage path), a ticket whose PUT may have landed is PUT again (a used URL answers 409 and
counts as done), an expired one is minted afresh.

Versions travel in order, each to its package's id on the target: to another appliance by the
same presigned flow with `package_id` (our extension field), to the cloud by its documented way,
the legacy multipart upload with `package_id` (forms.py), which a run stopped mid-request
follows up by asking the target what it holds before sending again."""

from __future__ import annotations

import time
from typing import BinaryIO

from scorm_api.db import utcnow_iso
from scorm_api.packages import processing
from scorm_api.packages.models import Package
from scorm_api.storage import Storage
from scorm_api.sync import forms
from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.models import SyncLink
from scorm_api.sync.profile import Profile
from scorm_api.sync.progress import Progress

KIND = "package"
UPLOADED_BY = "appliance-sync"
READY_TIMEOUT = 600.0  # seconds a target may take to import one package
# The cloud's multipart upload, its only documented way to take a new version: "Default:
# 100MB per package" (first-package page). A larger version is not sent there (the plan lists
# it): it would be refused after its bytes went.
CLOUD_FORM_BYTES = 100 * 1024 * 1024


def pending(tenant_id: str, links: Links) -> list[Package]:
    """Ready local packages (each version) the target does not have as they are now, oldest
    first: a package's versions in their order."""
    packages = list(
        Package.select()
        .where((Package.tenant == tenant_id) & (Package.status == "ready"))
        .order_by(Package.created_at, Package.version_number, Package.id)
    )
    known = links.of(KIND, [p.id for p in packages])
    return [
        p
        for p in packages
        if not (p.id in known and known[p.id].state == "synced" and known[p.id].local_version == p.sha256)
    ]


def remote_package(links: Links, family_id: str, besides: str | None = None) -> SyncLink | None:
    """The synced link of a package on the target: its first version's, else that of any
    other version that went (a first version that failed here never did)."""
    link = links.get(KIND, family_id)
    if link is not None and link.state == "synced" and family_id != besides:
        return link
    rows = [r.id for r in Package.select(Package.id).where(Package.family_id == family_id) if r.id != besides]
    return next((lk for lk in links.of(KIND, rows).values() if lk.state == "synced" and lk.remote_id), None)


def send(
    target: Target,
    storage: Storage,
    links: Links,
    pkg: Package,
    progress: Progress,
    profile: Profile,
    poll: float = 1.0,
) -> None:
    family = remote_package(links, pkg.family_id, besides=pkg.id)
    if family is not None and not profile.package_versions:
        _send_version_form(target, storage, links, pkg, progress, family.remote_id, poll)
        return
    as_version = {"package_id": family.remote_id} if family else {}
    key = processing.zip_key(pkg.id)
    size = storage.size(key)
    link = links.get(KIND, pkg.id)
    if link is not None and link.state == "synced" and link.local_version != pkg.sha256:
        link = None  # the same id with other bytes: send it as new
    ticket = (link.detail or {}) if link else {}
    state = link.state if link else "new"
    if state == "minted" and ticket.get("expires_at", "") <= utcnow_iso():
        state = "new"
    if state == "new":
        _, ticket = target.call(
            "POST",
            "/api/v1/packages/upload-url",
            json={
                "tenant_id": target.tenant_id,
                "uploaded_by": UPLOADED_BY,
                "filename": pkg.original_filename or f"{pkg.id}.zip",
                "file_size": size,
                **as_version,
            },
        )
        ticket = {
            k: ticket[k] for k in ("presigned_url", "storage_path", "required_put_headers", "expires_at")
        }
        links.save(KIND, pkg.id, state="minted", detail=ticket, local_version=pkg.sha256)
        state = "minted"
    if state == "minted":
        target.put_file(
            ticket["presigned_url"],
            lambda: _zip(storage, key),
            size,
            ticket.get("required_put_headers") or {},
        )
        links.save(KIND, pkg.id, state="uploaded")
        state = "uploaded"
    progress.advance(nbytes=size)
    remote_id = link.remote_id if link and state == "processing" else None
    if state == "uploaded":
        try:
            _, remote = target.call(
                "POST",
                "/api/v1/packages/process",
                json={
                    "tenant_id": target.tenant_id,
                    "uploaded_by": UPLOADED_BY,
                    "storage_path": ticket["storage_path"],
                    "original_filename": pkg.original_filename or f"{pkg.id}.zip",
                    **as_version,
                },
            )
        except TargetError as e:
            if e.status in (404, 410):  # the upload is gone from the target: start over next run
                links.forget(KIND, pkg.id)
            elif e.status == 409:  # "not uploaded yet": the PUT did not land; PUT again next run
                links.save(KIND, pkg.id, state="minted")
            raise
        remote_id = remote["id"]
        links.save(KIND, pkg.id, state="processing", remote_id=remote_id)
    _wait_ready(target, remote_id, poll)
    _synced(links, pkg, remote_id, progress)


def _synced(links: Links, pkg: Package, remote_id: str, progress: Progress) -> None:
    links.save(KIND, pkg.id, state="synced", remote_id=remote_id, local_version=pkg.sha256, detail=None)
    progress.note(
        KIND, "created", pkg.family_id, remote_id, title=pkg.title, version_number=pkg.version_number
    )


def _send_version_form(
    target: Target,
    storage: Storage,
    links: Links,
    pkg: Package,
    progress: Progress,
    remote_package_id: str,
    poll: float,
) -> None:
    """A new version to the cloud: its legacy multipart upload with `package_id`. A run that
    stopped while the request was out ("posting") first asks whether the target holds it."""
    key = processing.zip_key(pkg.id)
    size = storage.size(key)
    if size > CLOUD_FORM_BYTES:
        reason = "A new version over 100 MB: the cloud takes versions by its multipart upload only"
        progress.note(KIND, "failed", pkg.family_id, remote_package_id, reason=reason)
        return
    link = links.get(KIND, pkg.id)
    if link is not None and link.state == "posting" and _holds(target, remote_package_id, pkg.sha256):
        progress.advance(nbytes=size)
        _wait_ready(target, remote_package_id, poll)
        _synced(links, pkg, remote_package_id, progress)
        return
    links.save(KIND, pkg.id, state="posting", remote_id=remote_package_id, local_version=pkg.sha256)
    content_type, length, body = forms.form(
        {"tenant_id": target.tenant_id, "uploaded_by": UPLOADED_BY, "package_id": remote_package_id},
        "file",
        pkg.original_filename or f"{pkg.id}.zip",
        lambda: _zip(storage, key),
        size,
    )
    try:
        target.post_form("/api/v1/packages", content_type, length, body)
    except TargetError as e:
        if not e.unavailable:  # refused: nothing arrived
            links.forget(KIND, pkg.id)
        raise
    progress.advance(nbytes=size)
    _wait_ready(target, remote_package_id, poll)
    _synced(links, pkg, remote_package_id, progress)


def _holds(target: Target, remote_id: str, sha256: str | None) -> bool:
    """Whether the target's package has a version of these bytes (as far as it says)."""
    try:
        _, remote = target.call("GET", f"/api/v1/packages/{remote_id}")
    except TargetError as e:
        if e.status == 404:
            return False
        raise
    shown = {remote.get("sha256")} | {v.get("sha256") for v in remote.get("versions") or ()}
    return sha256 is not None and sha256 in shown


def _zip(storage: Storage, key: str) -> BinaryIO:
    stored = storage.open(key)
    if stored is None:
        raise FileNotFoundError(key)
    return stored.stream


def _wait_ready(target: Target, remote_id: str, poll: float) -> None:
    """Until the target says ready: polled every 50 ms at first, then less often (a large zip
    takes seconds, a small one is ready at once)."""
    deadline, wait = time.monotonic() + READY_TIMEOUT, 0.05
    while True:
        _, remote = target.call("GET", f"/api/v1/packages/{remote_id}")
        status = remote.get("status", "ready")  # the seed's package has no status: ready
        if status == "ready":
            return
        if status == "failed":
            reason = (remote.get("failure") or {}).get("reason") or "the target could not import it"
            raise TargetError(None, "PACKAGE_FAILED", f"The target refused the package: {reason}")
        if time.monotonic() > deadline:
            raise TargetError(None, "PACKAGE_TIMEOUT", "The target did not finish importing the package")
        time.sleep(wait)
        wait = min(poll, wait * 2)
