"""Packages travel by the seed's presigned flow, from the original zip bytes: upload-url, PUT
with the required headers, process (only after the PUT completed), then wait until ready.

Each step is recorded before the next starts, so a run stopped anywhere resumes without a
second package on the target: a ticket already PUT is processed (process is idempotent per
storage path), a ticket whose PUT may have landed is PUT again (a used URL answers 409 and
counts as done), an expired one is minted afresh."""

from __future__ import annotations

import time
from typing import BinaryIO

from scorm_api.db import utcnow_iso
from scorm_api.packages import processing
from scorm_api.packages.models import Package
from scorm_api.storage import Storage
from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.progress import Progress

KIND = "package"
UPLOADED_BY = "appliance-sync"
READY_TIMEOUT = 600.0  # seconds a target may take to import one package


def pending(tenant_id: str, links: Links) -> list[Package]:
    """Ready local packages the target does not have as they are now, oldest first."""
    packages = list(
        Package.select()
        .where((Package.tenant == tenant_id) & (Package.status == "ready"))
        .order_by(Package.created_at, Package.id)
    )
    known = links.of(KIND, [p.id for p in packages])
    return [
        p
        for p in packages
        if not (p.id in known and known[p.id].state == "synced" and known[p.id].local_version == p.sha256)
    ]


def send(
    target: Target, storage: Storage, links: Links, pkg: Package, progress: Progress, poll: float = 1.0
) -> None:
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
    links.save(KIND, pkg.id, state="synced", remote_id=remote_id, local_version=pkg.sha256, detail=None)
    progress.note(KIND, "created", pkg.id, remote_id, title=pkg.title)


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
