"""xAPI statements travel in batches, in stored order, with their ids kept.

The cursor saved after each batch never passes "ten seconds ago": a statement whose write was
still in flight when its neighbours were read (its `stored` is taken before it waits for the
writer and commits, which takes milliseconds) is then read by the next run. The target stores a
re-sent statement (same id, same body) as a no-op, and the report counts those as skipped. A
batch the target refuses is sent again one statement at a time, so one refused statement does
not hold back the others."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from peewee import Tuple

from scorm_api.db import utcnow_iso
from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.progress import Progress
from scorm_api.xapi.models import Statement

KIND = "statements"
CURSOR = "cursor"
BATCH = 500
SETTLE = timedelta(seconds=10)
_LRS_SET = ("stored", "authority")  # the target sets its own


def _marks(links: Links) -> dict:
    link = links.get(KIND, CURSOR)
    return (link.detail or {}) if link else {}


def _query(tenant_id: str, after: list | None):
    q = Statement.select(Statement.pk, Statement.stored, Statement.statement_id, Statement.body).where(
        Statement.tenant == tenant_id
    )
    return q.where(Tuple(Statement.stored, Statement.pk) > Tuple(*after)) if after else q


def count_pending(tenant_id: str, links: Links) -> int:
    return _query(tenant_id, _marks(links).get("read_after")).count()


def batches(tenant_id: str, links: Links) -> Iterator[list[Statement]]:
    after = _marks(links).get("read_after")
    while True:
        rows = list(_query(tenant_id, after).order_by(Statement.stored, Statement.pk).limit(BATCH))
        if rows:
            yield rows
        if len(rows) < BATCH:
            return
        after = [rows[-1].stored, rows[-1].pk]


def send(target: Target, links: Links, rows: list[Statement], progress: Progress) -> None:
    marks = _marks(links)
    sent_before = tuple(marks.get("sent_through") or ("", ""))
    bodies = [{k: v for k, v in r.body.items() if k not in _LRS_SET} for r in rows]

    def done(r: Statement) -> None:
        outcome = "skipped" if (r.stored, r.pk) <= sent_before else "created"
        progress.note(KIND, outcome, r.statement_id, r.statement_id)

    try:
        target.call("POST", "/api/v1/xapi/statements", json=bodies)
        for r in rows:
            done(r)
    except TargetError as e:
        if e.unavailable:
            raise
        for r, body in zip(rows, bodies, strict=True):
            try:
                target.call("POST", "/api/v1/xapi/statements", json=body)
                done(r)
            except TargetError as one:
                if one.unavailable:
                    raise
                progress.note(KIND, "failed", r.statement_id, reason=f"{one.code}: {one.message}")
    last = [rows[-1].stored, rows[-1].pk]
    settled = utcnow_iso(-SETTLE)
    links.save(
        KIND,
        CURSOR,
        state="synced",
        detail={
            "read_after": last if last[0] < settled else [settled, ""],
            "sent_through": max(last, list(sent_before)),
        },
    )
    progress.advance(items=len(rows))
