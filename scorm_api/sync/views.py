"""A run as the API, the dashboard and the CLI show it: its status, progress with rate and
ETA, and its report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scorm_api import sealing
from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.sync import conflicts
from scorm_api.sync.models import SyncConflict, SyncRun
from scorm_api.sync.webhooks import PURPOSE


def _seconds_between(start: str, end: str | None) -> float:
    t0 = datetime.fromisoformat(start.replace("Z", "+00:00"))
    t1 = datetime.fromisoformat(end.replace("Z", "+00:00")) if end else datetime.now(UTC)
    return max(0.001, (t1 - t0).total_seconds())


def run_view(run: SyncRun, report: bool = True, secret: bytes | None = None) -> dict:
    """`secret` (the data dir's): this read may show the target's new webhook secrets, once."""
    elapsed = _seconds_between(run.started_at, run.finished_at)
    items_rate, bytes_rate = run.items_done / elapsed, run.bytes_done / elapsed
    eta = None
    if run.status == "running":
        if run.bytes_total and run.bytes_done < run.bytes_total and bytes_rate > 0:
            eta = (run.bytes_total - run.bytes_done) / bytes_rate
        elif run.items_total and items_rate > 0:
            eta = max(0, run.items_total - run.items_done) / items_rate
    out = {
        "id": run.id,
        "status": run.status,
        "dry_run": run.dry_run,
        "trigger": run.trigger,
        "target": {"url": run.url, "tenant_id": run.remote_tenant_id},
        "phase": run.phase,
        "progress": {
            "items_done": run.items_done,
            "items_total": run.items_total,
            "bytes_done": run.bytes_done,
            "bytes_total": run.bytes_total,
            "items_per_second": round(items_rate, 2),
            "bytes_per_second": round(bytes_rate),
            "eta_seconds": round(eta, 1) if eta is not None else None,
            "elapsed_seconds": round(elapsed, 2),
            # A wait the run is in (a rate limit, a retry), with when it goes on; or None.
            "waiting": (run.report or {}).get("waiting") if run.status == "running" else None,
        },
        "error": run.error,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }
    if report:
        out["report"] = {**(run.report or {}), "webhook_secrets": _webhook_secrets(run, secret)}
    return out


def _webhook_secrets(run: SyncRun, secret: bytes | None) -> list[dict]:
    """The webhooks the run made on the target. Their new secrets are shown to the first read
    of the finished run that may open them (`secret`), then dropped from the row: as the
    target showed them, once."""
    entries = (run.report or {}).get("webhook_secrets") or []
    shown = [{k: v for k, v in e.items() if k != "secret_sealed"} | {"secret": None} for e in entries]
    if secret is None or run.status == "running" or not any(e.get("secret_sealed") for e in entries):
        return shown
    now = utcnow_iso()
    for entry, out in zip(entries, shown, strict=True):
        sealed = entry.pop("secret_sealed", None)
        if sealed:
            out["secret"] = sealing.unseal(secret, sealed, PURPOSE)
            entry["shown_at"] = out["shown_at"] = now
    with write_transaction():
        SyncRun.update(report=run.report).where(SyncRun.id == run.id).execute()
    return shown


def conflict_view(c: SyncConflict, full: bool = False) -> dict:
    out: dict[str, Any] = {
        "id": c.id,
        "kind": c.kind,
        "local_id": c.local_id,
        "remote_id": c.remote_id,
        "status": c.status,
        # "sent": met syncing from here (remote: the target's); "imported": met importing a
        # sync file (local: this instance's session, remote: the file's; local_id the sender's id).
        "direction": c.direction,
        "run_id": c.run_id,
        "created_at": c.created_at,
        "resolved_at": c.resolved_at,
    }
    local, remote = c.local or {}, c.remote
    if full:
        out.update(local=c.local, remote=c.remote)
    else:
        out["learner"] = local.get("user_id")
    # What the choice is about, in the list too: whose course, and what differs between them.
    out.update(
        learner_name=local.get("user_name"),
        course=(local.get("package") or {}).get("title"),
        package_id=local.get("package_id"),
        local_updated_at=local.get("updated_at"),
        remote_known=remote is not None,  # the target's version could be read
        remote_updated_at=(remote or {}).get("updated_at"),
        differences=conflicts.differences(local, remote),
    )
    return out
