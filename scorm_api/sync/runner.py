"""One sync run: plan, then packages, sessions and statements, in that order (a session needs
its package on the target). Never two runs at once for a tenant. A failure of one object is
reported and the run goes on; the target becoming unreachable (after the client's retries)
stops the run as failed, with everything done so far kept in the map for the next run."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from scorm_api.db import database, new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError
from scorm_api.state import State
from scorm_api.storage import Storage
from scorm_api.sync import (
    deletions,
    dispatches,
    documents,
    packages,
    planning,
    sessions,
    statements,
    webhooks,
)
from scorm_api.sync.client import Retry, Target, TargetError
from scorm_api.sync.identities import Identities
from scorm_api.sync.links import Links, target_key
from scorm_api.sync.models import SyncRun
from scorm_api.sync.profile import Profile, probe
from scorm_api.sync.progress import Progress, empty_report
from scorm_api.sync.targets import Destination, destination
from scorm_api.xapi import own_urls

log = logging.getLogger(__name__)
# A run whose heartbeat is older than this was left behind by a stopped process.
STALE = timedelta(minutes=2)
_starting = threading.Lock()


def interrupt_stale(tenant_id: str | None = None) -> int:
    """Runs left 'running' by a process that stopped are marked interrupted (the next run
    resumes from the map)."""
    cond = (SyncRun.status == "running") & (SyncRun.heartbeat_at < utcnow_iso(-STALE))
    if tenant_id is not None:
        cond &= SyncRun.tenant == tenant_id
    with write_transaction():
        return (
            SyncRun.update(
                status="interrupted", finished_at=utcnow_iso(), error="The process stopped during the run"
            )
            .where(cond)
            .execute()
        )


def create_run(tenant_id: str, dest: Destination, *, dry_run: bool, trigger: str) -> SyncRun:
    return start_run(tenant_id, dest.url, dest.remote_tenant_id, dry_run=dry_run, trigger=trigger)


def start_run(tenant_id: str, url: str, remote_tenant_id: str, *, dry_run: bool, trigger: str) -> SyncRun:
    """The run's row, or 409 when one is already running for this tenant (an import too: the
    two would write the same sessions)."""
    interrupt_stale(tenant_id)
    with _starting, write_transaction():
        if SyncRun.select().where((SyncRun.tenant == tenant_id) & (SyncRun.status == "running")).exists():
            raise ApiError(409, "CONFLICT", "A sync is already running; wait for it to finish")
        now = utcnow_iso()
        return SyncRun.create(
            id=new_id(),
            tenant=tenant_id,
            url=url.rstrip("/"),
            remote_tenant_id=remote_tenant_id,
            dry_run=dry_run,
            trigger=trigger,
            status="running",
            phase="planning",
            report=empty_report(),
            started_at=now,
            heartbeat_at=now,
        )


@dataclass
class _Sending:
    """What one run's steps share."""

    run: SyncRun
    target: Target
    lrs: Target | None  # the target's /xapi/, when its LRS credentials were given
    links: Links
    storage: Storage
    progress: Progress
    profile: Profile
    propagate_deletes: bool
    local_bases: tuple[str, ...]  # the URLs this appliance names its learners and courses under
    secret: bytes  # the data dir's: seals the target's new webhook secrets in the report


def execute(run: SyncRun, dest: Destination, state: State, retry: Retry | None = None) -> SyncRun:
    progress = Progress(run)
    links = Links(run.tenant_id, target_key(dest.url, dest.remote_tenant_id))
    target = Target(
        dest.url,
        dest.api_key,
        dest.remote_tenant_id,
        retry=retry,
        allow_internal=dest.allow_internal,
        on_wait=progress.waiting,
    )
    lrs = target.lrs(*dest.lrs) if dest.lrs else None
    try:
        # Reachable, the key good, and what the target is: reads, before anything is sent.
        target.call("GET", "/api/v1/packages", params={"limit": 1})
        profile = probe(target, state.instance_id)
        pkgs = packages.pending(run.tenant_id, links)
        todo = planning.plan(run.tenant_id, links, state.storage, pkgs, profile, with_lrs=lrs is not None)
        todo["propagate_deletes"] = dest.propagate_deletes
        items = (
            todo["packages"] + todo["sessions"] + todo["statements"] + todo["webhooks"] + todo["dispatches"]
        )
        items += todo["documents"] if lrs else 0
        progress.plan(items, todo["package_bytes"], todo)
        if not run.dry_run:
            bases = (state.settings.base_url, state.settings.content_base_url, *own_urls.every())
            sending = _Sending(
                run,
                target,
                lrs,
                links,
                state.storage,
                progress,
                profile,
                dest.propagate_deletes,
                bases,
                state.secret,
            )
            _send_all(sending, pkgs)
        run.status = "completed"
    except TargetError as e:
        run.status, run.error = (
            "failed",
            e.message if e.unavailable or not e.status else f"{e.status} {e.code}: {e.message}",
        )
    except Exception as e:  # recorded on the run, which must not stay 'running'
        log.exception("sync run failed", extra={"fields": {"run_id": run.id}})
        run.status, run.error = "failed", f"Internal error: {type(e).__name__}: {e}"
    finally:
        target.close()
        progress.report["waited_seconds"] = round(target.waited + (lrs.waited if lrs else 0.0), 2)
        progress.report["waiting"] = None
        if lrs:
            lrs.close()
        run.phase, run.finished_at = None, utcnow_iso()
        progress.flush(force=True)
    return run


def _send_all(s: _Sending, pkgs: list) -> None:
    s.progress.phase("packages")
    for pkg in pkgs:
        send = functools.partial(packages.send, s.target, s.storage, s.links, pkg, s.progress, s.profile)
        one(s.progress, packages.KIND, pkg.family_id, send)
        s.progress.advance(items=1)
    s.progress.phase("sessions")
    for session in sessions.pending(s.run.tenant_id, s.links):
        send = functools.partial(
            sessions.send, s.target, s.links, sessions.Here(session), s.run.id, s.progress, s.profile
        )
        one(s.progress, sessions.KIND, session.id, send)
        s.progress.advance(items=1)
    s.progress.phase("statements")
    ids = Identities(s.links, s.local_bases, s.target.url)
    for rows in statements.batches(s.run.tenant_id, s.links):
        statements.send(s.target, s.links, rows, s.progress, s.lrs, ids, s.profile.whole_sessions)
    if s.lrs is not None:
        s.progress.phase("documents")
        for doc in documents.pending(s.run.tenant_id, s.links):
            one(
                s.progress,
                documents.KIND,
                doc.pk,
                functools.partial(documents.send, s.lrs, s.links, doc.pk, s.progress),
            )
            s.progress.advance(items=1)
    s.progress.phase("webhooks")
    for local_id, hook, type_ in webhooks.pending(s.run.tenant_id, s.links):
        send = functools.partial(
            webhooks.send, s.target, s.links, local_id, hook, type_, s.progress, s.secret, s.profile
        )
        one(s.progress, webhooks.KIND, local_id, send)
        s.progress.advance(items=1)
    s.progress.phase("dispatches")
    for d in dispatches.pending(s.run.tenant_id, s.links):
        send = functools.partial(dispatches.send, s.target, s.links, d, s.progress, s.profile)
        one(s.progress, dispatches.KIND, d.id, send)
        s.progress.advance(items=1)
    s.progress.phase("deletions")
    deletions.settle(s.target, s.lrs, s.links, s.progress, s.propagate_deletes, s.profile)


def one(progress: Progress, kind: str, local_id: str, step) -> None:
    """One object: a refusal is its failure, reported; unreachable stops the run."""
    try:
        step()
    except TargetError as e:
        if e.unavailable:
            raise
        progress.note(kind, "failed", local_id, reason=f"{e.status or ''} {e.code}: {e.message}".strip())


def run_in_background(run: SyncRun, dest: Destination, state: State) -> threading.Thread:
    def work():
        database.connect(reuse_if_open=True)
        try:
            execute(run, dest, state)
        finally:
            database.close()

    thread = threading.Thread(target=work, name=f"sync-{run.id[:8]}", daemon=True)
    thread.start()
    return thread


# Scheduled runs meet an unreachable target quickly and try again at the next slot.
SCHEDULED_RETRY = Retry(attempts=3)


def run_scheduled(state: State) -> int:
    """Every minute: each tenant whose saved target has a schedule, whose last run started at
    least that many minutes ago, and that has no run going, syncs now (in this thread, so
    scheduled runs follow one another). Returns how many ran."""
    from scorm_api.sync.models import SyncTarget
    from scorm_api.tenants.models import Tenant

    ran = 0
    for target in SyncTarget.select().where(SyncTarget.schedule_minutes.is_null(False)):
        last = (
            SyncRun.select(SyncRun.started_at)
            .where(SyncRun.tenant == target.tenant_id)
            .order_by(SyncRun.started_at.desc())
            .first()
        )
        if last is not None and last.started_at > utcnow_iso(-timedelta(minutes=target.schedule_minutes)):
            continue
        try:
            system = Tenant.select().where((Tenant.id == target.tenant_id) & Tenant.is_system).exists()
            dest = destination(target.tenant_id, state.secret, allow_internal=system)
            run = create_run(target.tenant_id, dest, dry_run=False, trigger="schedule")
        except ApiError as e:  # a run is going, or the saved key cannot be read
            log.info(
                "scheduled sync skipped", extra={"fields": {"tenant_id": target.tenant_id, "why": e.message}}
            )
            continue
        execute(run, dest, state, SCHEDULED_RETRY)
        ran += 1
    return ran
