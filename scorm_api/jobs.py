"""Background work that survives crashes: every job is a row first (an outbox).

Features register handlers by kind; the runner (APScheduler, one poller thread) claims due
rows one at a time and runs them. A job that was running when the process died is queued
again at start-up, so handlers must be idempotent. A handler that raises ApiError has failed
for good (bad input); any other exception is retried with backoff.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import peewee
from apscheduler.schedulers.background import BackgroundScheduler

from scorm_api.db import BaseModel, JSONField, database, new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
POLL_SECONDS = 2.0

# kind -> handler(payload, context); the context is whatever the runner was started with
# (the app's settings and storage), so handlers need no globals.
_handlers: dict[str, Callable[[dict, Any], None]] = {}
# name -> (seconds, fn(context)): upkeep the runner's scheduler calls on an interval, never two
# of one at once.
_periodic: dict[str, tuple[float, Callable[[Any], None]]] = {}


class Job(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36)
    kind = peewee.CharField(max_length=64)
    payload = JSONField()
    status = peewee.CharField(max_length=16)  # queued | running | done | failed
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(null=True)
    run_after = peewee.CharField(max_length=32)
    created_at = peewee.CharField(max_length=32)
    updated_at = peewee.CharField(max_length=32)


def handler(kind: str):
    def register(fn: Callable[[dict, Any], None]):
        _handlers[kind] = fn
        return fn
    return register


def periodic(name: str, seconds: float):
    """Register fn(context) to run every `seconds` while a JobRunner runs. Failures are logged
    and the next tick tries again, so fn must be safe to repeat."""
    def register(fn: Callable[[Any], None]):
        _periodic[name] = (seconds, fn)
        return fn
    return register


def _guarded(name: str, fn: Callable[[Any], None], context: Any) -> None:
    database.connect(reuse_if_open=True)
    try:
        fn(context)
    except Exception:
        log.exception("periodic task error", extra={"fields": {"task": name}})


def enqueue(kind: str, payload: dict) -> Job:
    """Add a job; call inside the transaction that makes the work necessary, then wake()
    once it has committed."""
    now = utcnow_iso()
    return Job.create(id=new_id(), kind=kind, payload=payload, status="queued", run_after=now,
                      created_at=now, updated_at=now)


def wake() -> None:
    """Tell the running job runner (if any) that work is waiting."""
    if _active_runner is not None:
        _active_runner.wake()


def requeue_interrupted() -> int:
    """At start-up: jobs left 'running' by a crash run again."""
    return (Job.update(status="queued", updated_at=utcnow_iso())
            .where(Job.status == "running").execute())


def _claim() -> Job | None:
    with write_transaction():
        job = (Job.select().where((Job.status == "queued") & (Job.run_after <= utcnow_iso()))
               .order_by(Job.run_after).first())
        if job is None:
            return None
        job.status, job.attempts, job.updated_at = "running", job.attempts + 1, utcnow_iso()
        job.save()
        return job


def _finish(job: Job, status: str, error: str | None = None, retry_in: float | None = None):
    job.status, job.last_error, job.updated_at = status, error, utcnow_iso()
    if retry_in is not None:
        job.run_after = utcnow_iso(timedelta(seconds=retry_in))
    with write_transaction():
        job.save()


def run_due_jobs(context: Any, max_jobs: int = 100) -> int:
    """Run due jobs one by one; return how many ran. Safe to call from any thread."""
    database.connect(reuse_if_open=True)
    ran = 0
    while ran < max_jobs:
        job = _claim()
        if job is None:
            break
        ran += 1
        fn = _handlers.get(job.kind)
        try:
            if fn is None:
                raise ApiError(500, "INTERNAL_ERROR", f"no handler for job kind {job.kind!r}")
            fn(job.payload, context)
        except ApiError as e:
            log.warning("job failed", extra={"fields": {"job_id": job.id, "kind": job.kind,
                                                        "error": e.message}})
            _finish(job, "failed", e.message)
        except Exception as e:  # retried: the cause may be transient (disk full, locked)
            log.exception("job error", extra={"fields": {"job_id": job.id, "kind": job.kind}})
            if job.attempts >= MAX_ATTEMPTS:
                _finish(job, "failed", repr(e))
            else:
                _finish(job, "queued", repr(e), retry_in=2 ** job.attempts)
        else:
            _finish(job, "done")
    return ran


class JobRunner:
    """One poller thread; `wake()` makes it look for work now instead of at the next tick."""

    def __init__(self, context: Any, poll_seconds: float = POLL_SECONDS):
        self._scheduler = BackgroundScheduler(
            timezone="UTC", daemon=True,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
        self._scheduler.add_job(run_due_jobs, "interval", args=(context,), seconds=poll_seconds,
                                id="jobs", replace_existing=True)
        for name, (seconds, fn) in _periodic.items():
            self._scheduler.add_job(_guarded, "interval", args=(name, fn, context), seconds=seconds, id=name,
                                    replace_existing=True)
        self._lock = threading.Lock()

    def start(self) -> None:
        global _active_runner
        requeue_interrupted()
        self._scheduler.start()
        _active_runner = self
        self.wake()

    def wake(self) -> None:
        with self._lock:
            try:
                self._scheduler.modify_job("jobs", next_run_time=datetime.now(timezone.utc))
            except Exception:  # the scheduler is shutting down
                pass

    def stop(self) -> None:
        global _active_runner
        _active_runner = None
        self._scheduler.shutdown(wait=True)


_active_runner: JobRunner | None = None
