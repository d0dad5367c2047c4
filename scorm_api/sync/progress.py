"""A run's live status and its report, kept on the run's row: items and bytes done of the
planned totals (the rate and ETA follow from them), and what each object came to. The row is
written at most twice a second, so a 10,000-session run does not write 10,000 times."""

from __future__ import annotations

import time
from datetime import timedelta

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.sync.models import SyncRun

# gone: deleted here, still on the target; deleted: deleted on the target too; not_carried:
# what this target cannot take (planning.py lists it before the run).
OUTCOMES = ("created", "updated", "skipped", "failed", "conflict", "gone", "deleted", "not_carried")
LISTED = 200  # per outcome, in the report: counts are exact, lists are capped


def empty_report() -> dict:
    return {
        "counts": {},
        **{o: [] for o in OUTCOMES},
        "waited_seconds": 0.0,
        "waiting": None,
        "launches_used": 0,
        "plan": None,
        "webhook_secrets": [],  # the target's new webhook secrets, sealed until shown once
    }


class Progress:
    def __init__(self, run: SyncRun, interval: float = 0.5):
        self.run = run
        self.report = run.report or empty_report()
        self._interval = interval
        self._last = 0.0

    def plan(self, items: int, nbytes: int, plan: dict | None = None) -> None:
        self.run.items_total, self.run.bytes_total = items, nbytes
        if plan is not None:
            self.report["plan"] = plan
        self.flush(force=True)

    def phase(self, name: str) -> None:
        self.run.phase = name
        self.flush(force=True)

    def advance(self, items: int = 0, nbytes: int = 0) -> None:
        self.run.items_done += items
        self.run.bytes_done += nbytes
        self.flush()

    def launched(self) -> None:
        """A session created on the target: one of the launches its plan counts."""
        self.report["launches_used"] = self.report.get("launches_used", 0) + 1

    def secret(self, entry: dict) -> None:
        """A webhook made on the target, with its new secret (sealed), for the report."""
        self.report.setdefault("webhook_secrets", []).append(entry)
        self.flush(force=True)

    def waiting(self, seconds: float | None, reason: str = "") -> None:
        """The run waits (a rate limit, a retry): shown with when it goes on; None: it goes on."""
        self.report["waiting"] = (
            None
            if seconds is None
            else {
                "reason": reason[:200],
                "seconds": round(seconds, 1),
                "until": utcnow_iso(timedelta(seconds=seconds)),
            }
        )
        self.flush(force=True)

    def note(
        self,
        kind: str,
        outcome: str,
        local_id: str,
        remote_id: str | None = None,
        reason: str | None = None,
        **extra,
    ) -> None:
        counts = self.report["counts"].setdefault(kind, {o: 0 for o in OUTCOMES})
        counts[outcome] += 1
        if outcome != "skipped" and len(self.report[outcome]) < LISTED:
            entry = {"kind": kind, "local_id": local_id, "remote_id": remote_id}
            if reason:
                entry["reason"] = reason
            entry.update(extra)
            self.report[outcome].append(entry)

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self._interval:
            return
        self._last = now
        self.run.report = self.report
        self.run.heartbeat_at = utcnow_iso()
        with write_transaction():
            self.run.save()
