"""xAPI statements travel in batches, in commit order, with their ids kept.

The cursor is the statements' `seq` (xapi_statement.seq, numbered inside the storing
transaction by counters.take): a statement's number is smaller than every number handed out
after its transaction committed, so a run that read up to N has missed nothing below N, however
slow a write was. Before a batch goes out, its last number is noted as "sending": a run stopped
before the target's answer sends that batch again, which the target stores as a no-op (same
id, same body), and the report counts those as skipped. A batch the target refuses is sent
again one statement at a time, so one refused statement does not hold back the others."""

from __future__ import annotations

from collections.abc import Iterator

from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.progress import Progress
from scorm_api.xapi.models import Statement

KIND = "statements"
CURSOR = "cursor"
BATCH = 500
_LRS_SET = ("stored", "authority")  # the target sets its own


def _marks(links: Links) -> dict:
    link = links.get(KIND, CURSOR)
    marks = (link.detail or {}) if link else {}
    # A cursor of an earlier release (stored time, pk) is not a commit order: start over, the
    # target takes the re-sent statements as the no-ops they are.
    return marks if "seq" in marks else {"seq": 0, "sending": 0}


def _query(tenant_id: str, after: int):
    return Statement.select(Statement.seq, Statement.statement_id, Statement.body).where(
        (Statement.tenant == tenant_id) & (Statement.seq > after)
    )


def count_pending(tenant_id: str, links: Links) -> int:
    return _query(tenant_id, _marks(links)["seq"]).count()


def batches(tenant_id: str, links: Links) -> Iterator[list[Statement]]:
    after = _marks(links)["seq"]
    while True:
        rows = list(_query(tenant_id, after).order_by(Statement.seq).limit(BATCH))
        if rows:
            yield rows
        if len(rows) < BATCH:
            return
        after = rows[-1].seq


def send(target: Target, links: Links, rows: list[Statement], progress: Progress) -> None:
    marks = _marks(links)
    sent_before = marks.get("sending", 0)
    bodies = [{k: v for k, v in r.body.items() if k not in _LRS_SET} for r in rows]
    last = rows[-1].seq
    links.save(KIND, CURSOR, state="sending", detail={"seq": marks["seq"], "sending": max(last, sent_before)})

    def done(r: Statement) -> None:
        progress.note(KIND, "skipped" if r.seq <= sent_before else "created", r.statement_id, r.statement_id)

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
    links.save(KIND, CURSOR, state="synced", detail={"seq": last, "sending": max(last, sent_before)})
    progress.advance(items=len(rows))
