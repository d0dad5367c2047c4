"""Background work that survives crashes: every job is a row first (an outbox).

Domains register handlers by kind, and periodic upkeep by name, on the app's JobRegistry
(`state.jobs`, in their `init_app`); the runner (a poller thread of its own) claims due
rows one at a time and runs them with the app's State. A job that was running when the process
died is queued again at start-up, so handlers must be idempotent. A handler that raises
ApiError has failed for good (bad input); any other exception is retried with backoff.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import peewee

from scorm_api.db import (
    CHECKPOINT_SECONDS,
    BaseModel,
    JSONField,
    checkpoint_in_background,
    database,
    new_id,
    utcnow_iso,
    write_transaction,
)
from scorm_api.errors import ApiError

if TYPE_CHECKING:
    from scorm_api.state import State

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
POLL_SECONDS = 2.0

Payload = dict[str, Any]  # JSON
Handler = Callable[[Payload, "State"], None]
Periodic = Callable[["State"], object]


class JobRegistry:
    """What one app's job runner can run: handlers by job kind, and periodic upkeep (never two
    of one at once; a failure is logged and the next tick tries again, so it must be safe to
    repeat)."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.periodic: dict[str, tuple[float, Periodic]] = {}
        self.workers: dict[str, tuple[float, Periodic]] = {}
        self.runner: JobRunner | None = None  # while one runs

    def handler(self, kind: str, fn: Handler) -> None:
        self.handlers[kind] = fn

    def every(self, name: str, seconds: float, fn: Periodic) -> None:
        self.periodic[name] = (seconds, fn)

    def wake(self) -> None:
        """Tell the running job runner (if any) that work is waiting."""
        if self.runner is not None:
            self.runner.wake()

    def worker(self, name: str, seconds: float, fn: Periodic) -> None:
        """A task with a thread of its own (webhook deliveries): run every `seconds` and at
        once when woken; a wake during a run is followed by another run, never lost."""
        self.workers[name] = (seconds, fn)

    def wake_worker(self, name: str) -> None:
        if self.runner is not None:
            self.runner.wake_worker(name)


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


def _guarded(name: str, fn: Periodic, state: State) -> None:
    database.connect(reuse_if_open=True)
    try:
        fn(state)
    except Exception:
        log.exception("periodic task error", extra={"fields": {"task": name}})


def enqueue(kind: str, payload: Payload) -> Job:
    """Add a job; call inside the transaction that makes the work necessary, then wake()
    once it has committed."""
    now = utcnow_iso()
    job: Job = Job.create(
        id=new_id(),
        kind=kind,
        payload=payload,
        status="queued",
        run_after=now,
        created_at=now,
        updated_at=now,
    )
    return job


def requeue_interrupted() -> int:
    """At start-up: jobs left 'running' by a crash run again."""
    count: int = Job.update(status="queued", updated_at=utcnow_iso()).where(Job.status == "running").execute()
    return count


def _claim() -> Job | None:
    with write_transaction():
        job: Job | None = (
            Job.select()
            .where((Job.status == "queued") & (Job.run_after <= utcnow_iso()))
            .order_by(Job.run_after)
            .first()
        )
        if job is None:
            return None
        job.status, job.attempts, job.updated_at = "running", job.attempts + 1, utcnow_iso()
        job.save()
        return job


def _finish(job: Job, status: str, error: str | None = None, retry_in: float | None = None) -> None:
    job.status, job.last_error, job.updated_at = status, error, utcnow_iso()
    if retry_in is not None:
        job.run_after = utcnow_iso(timedelta(seconds=retry_in))
    with write_transaction():
        job.save()


def run_due_jobs(state: State, max_jobs: int = 100) -> int:
    """Run due jobs one by one; return how many ran. Safe to call from any thread."""
    database.connect(reuse_if_open=True)
    ran = 0
    while ran < max_jobs:
        job = _claim()
        if job is None:
            break
        ran += 1
        fn = state.jobs.handlers.get(job.kind)
        try:
            if fn is None:
                raise ApiError(500, "INTERNAL_ERROR", f"no handler for job kind {job.kind!r}")
            fn(job.payload, state)
        except ApiError as e:
            log.warning(
                "job failed", extra={"fields": {"job_id": job.id, "kind": job.kind, "error": e.message}}
            )
            _finish(job, "failed", e.message)
        except Exception as e:  # retried: the cause may be transient (disk full, locked)
            log.exception("job error", extra={"fields": {"job_id": job.id, "kind": job.kind}})
            if job.attempts >= MAX_ATTEMPTS:
                _finish(job, "failed", repr(e))
            else:
                _finish(job, "queued", repr(e), retry_in=2**job.attempts)
        else:
            _finish(job, "done")
    return ran


class _Worker:
    def __init__(self, name: str, seconds: float, fn: Periodic, state: State):
        self.name, self.seconds, self.fn, self.state = name, seconds, fn, state
        self.woken = threading.Event()
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, name=f"worker-{name}", daemon=True)

    def _loop(self) -> None:
        while not self.stopping:
            self.woken.wait(self.seconds)
            self.woken.clear()
            if not self.stopping:
                _guarded(self.name, self.fn, self.state)

    def stop(self) -> None:
        self.stopping = True
        self.woken.set()
        self.thread.join(30)


class JobRunner:
    """The background threads of one serving app: a poller that claims due job rows, one
    thread per periodic task and per worker, and the database's own upkeep. `wake()` makes
    the poller look for work now instead of at the next tick.

    Plain threads (`_Worker`), not a scheduler library: each task is "run every N seconds,
    never two at once, a missed tick is not made up", which a thread that waits on an event
    does exactly; APScheduler did the same for a fifth of the server's start-up (its import
    scans every installed package for plugins)."""

    def __init__(self, state: State, poll_seconds: float = POLL_SECONDS):
        self._registry = state.jobs
        self._poller = _Worker("jobs", poll_seconds, run_due_jobs, state)
        self._workers = {
            name: _Worker(name, sec, fn, state)
            for name, (sec, fn) in (*state.jobs.periodic.items(), *state.jobs.workers.items())
        }
        # The database's own upkeep, beside the domains' tasks: a serving process folds
        # SQLite's WAL from a thread of its own rather than inside a request's commit.
        self._workers["sqlite-checkpoint"] = _Worker(
            "sqlite-checkpoint", CHECKPOINT_SECONDS, checkpoint_in_background, state
        )

    def start(self) -> None:
        requeue_interrupted()
        for worker in (self._poller, *self._workers.values()):
            worker.thread.start()
        self._registry.runner = self
        self.wake()

    def wake_worker(self, name: str) -> None:
        worker = self._workers.get(name)
        if worker is not None:
            worker.woken.set()

    def wake(self) -> None:
        self._poller.woken.set()

    def stop(self) -> None:
        self._registry.runner = None
        for worker in (self._poller, *self._workers.values()):
            worker.stop()
