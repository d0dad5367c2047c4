"""xAPI statements travel in batches, in commit order, with their ids kept.

The cursor is the statements' `seq` (xapi_statement.seq, numbered inside the storing
transaction by counters.take): a statement's number is smaller than every number handed out
after its transaction committed, so a run that read up to N has missed nothing below N, however
slow a write was. Before a batch goes out, its last number is noted as "sending": a run stopped
before the target's answer sends that batch again, which the target stores as a no-op (same
id, same body), and the report counts those as skipped. A batch the target refuses is sent
again one statement at a time, so one refused statement does not hold back the others; the
ones it refuses are kept in the cursor and tried again at every run until it takes them.

A statement with attachments goes with their bytes, as a multipart POST to the target's LRS
(/xapi/statements, with the LRS credentials the user gives for the target): the seed's REST
call takes JSON only."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Protocol

from scorm_api.sessions import previews
from scorm_api.sync.client import Api, Target, TargetError
from scorm_api.sync.identities import Identities
from scorm_api.sync.links import Links
from scorm_api.sync.progress import Progress
from scorm_api.xapi import attachments, multipart
from scorm_api.xapi.models import Statement
from scorm_api.xapi.scorm_bridge import PLAYER_ACCOUNT

KIND = "statements"
CURSOR = "cursor"
BATCH = 500
_LRS_SET = ("stored", "authority")  # the target sets its own


def cursor_marks(links: Links) -> dict:
    link = links.get(KIND, CURSOR)
    marks = (link.detail or {}) if link else {}
    # A cursor of an earlier release (stored time, pk) is not a commit order: start over, the
    # target takes the re-sent statements as the no-ops they are.
    return {"retry": [], **marks} if "seq" in marks else {"seq": 0, "sending": 0, "retry": []}


_COLUMNS = (
    Statement.seq,
    Statement.statement_id,
    Statement.body,
    Statement.package_id,
    Statement.registration,
)


def _of(tenant_id: str):
    """The tenant's statements but those of the dashboard's previews (never synced: the
    registration is the session, sessions/previews.py)."""
    previewed = Statement.registration.in_(previews.session_ids(tenant_id))
    return (Statement.tenant == tenant_id) & (Statement.registration.is_null() | ~previewed)


def _query(tenant_id: str, after: int):
    return Statement.select(*_COLUMNS).where(_of(tenant_id) & (Statement.seq > after))


def _pending_query(tenant_id: str, marks: dict):
    """After the cursor, and those the target refused before (tried again every run)."""
    after = Statement.seq > marks["seq"]
    if marks["retry"]:
        after |= Statement.seq.in_(marks["retry"])
    return Statement.select(*_COLUMNS).where(_of(tenant_id) & after)


def count_pending(tenant_id: str, links: Links) -> int:
    return _pending_query(tenant_id, cursor_marks(links)).count()


def _count_mentioning(tenant_id: str, links: Links, text: str) -> int:
    return (
        _pending_query(tenant_id, cursor_marks(links))
        .where(Statement.body.cast("TEXT").contains(text))
        .count()
    )


def count_bridged(tenant_id: str, links: Links) -> int:
    """Pending statements the SCORM bridge wrote here (a cloud target derives its own)."""
    return _count_mentioning(tenant_id, links, f'"{PLAYER_ACCOUNT}"')


def count_with_attachments(tenant_id: str, links: Links) -> int:
    """Pending statements that cite attachments (their bytes need the target's LRS)."""
    return _count_mentioning(tenant_id, links, '"attachments"')


def batches(tenant_id: str, links: Links) -> Iterator[list[Statement]]:
    marks = cursor_marks(links)
    retry = marks["retry"]
    for start in range(0, len(retry), BATCH):  # refused before: first, in their order
        rows = list(
            Statement.select(*_COLUMNS)
            .where(_of(tenant_id) & Statement.seq.in_(retry[start : start + BATCH]))
            .order_by(Statement.seq)
        )
        if rows:
            yield rows
    after = marks["seq"]
    while True:
        rows = list(_query(tenant_id, after).order_by(Statement.seq).limit(BATCH))
        if rows:
            yield rows
        if len(rows) < BATCH:
            return
        after = rows[-1].seq


class Row(Protocol):
    """What a batch's statement is read for: a stored one, or one a sync file carried."""

    seq: int
    statement_id: str
    body: dict
    package_id: str | None
    registration: str | None


def send(
    target: Api,
    links: Links,
    rows: Sequence[Row],
    progress: Progress,
    lrs: Target | None,
    ids: Identities,
    whole_sessions: bool,
) -> None:
    """`whole_sessions`: the target takes our PUT's carried record, and with it the statements
    the bridge wrote here (it derives none of its own for them)."""
    marks = cursor_marks(links)
    sent_before, retry = marks.get("sending", 0), set(marks["retry"])
    newest = max(marks["seq"], *(r.seq for r in rows))
    links.save(KIND, CURSOR, state="sending", detail={**marks, "sending": max(newest, sent_before)})
    refused: set[int] = set()

    def done(r: Row) -> None:
        again = r.seq <= sent_before and r.seq not in retry
        progress.note(KIND, "skipped" if again else "created", r.statement_id, r.statement_id)

    def failed(r: Row, why: str) -> None:
        refused.add(r.seq)
        progress.note(KIND, "failed", r.statement_id, reason=why)

    plain: list[tuple[Row, dict]] = []
    ids.prefetch(
        {r.package_id for r in rows if r.package_id}, {r.registration for r in rows if r.registration}
    )
    for r in rows:
        if not whole_sessions and ids.is_bridged(r.body):
            progress.note(
                KIND, "not_carried", r.statement_id, reason="The target derives its own from the session"
            )
            continue
        body = ids.translate({k: v for k, v in r.body.items() if k not in _LRS_SET})
        parts = attachments.for_statements(links.tenant_id, [body]) if body.get("attachments") else []
        if not parts:
            plain.append((r, body))
        elif lrs is None:
            failed(
                r, "It has attachments, which travel through the target's LRS: give its LRS key and secret"
            )
        else:
            _send_with_parts(lrs, r, body, parts, done, failed)
    if plain:
        _send_plain(target, plain, done, failed)
    # The cursor passes this batch; what the target refused is tried again at the next run
    # (and reported again), never skipped for good.
    still = sorted((retry - {r.seq for r in rows}) | refused)
    links.save(
        KIND,
        CURSOR,
        state="synced",
        detail={"seq": newest, "sending": max(newest, sent_before), "retry": still},
    )
    progress.advance(items=len(rows))


def _send_plain(target: Api, rows: list[tuple[Row, dict]], done, failed) -> None:
    """Through the seed's REST call, as a batch; one at a time if the batch is refused."""
    try:
        target.call("POST", "/api/v1/xapi/statements", json=[body for _, body in rows])
        for r, _ in rows:
            done(r)
        return
    except TargetError as e:
        if e.unavailable:
            raise
    for r, body in rows:
        try:
            target.call("POST", "/api/v1/xapi/statements", json=body)
            done(r)
        except TargetError as one:
            if one.unavailable:
                raise
            failed(r, f"{one.code}: {one.message}")


def _send_with_parts(lrs: Target, r: Row, body: dict, parts: list, done, failed) -> None:
    """A statement with its attachments' bytes, as the xAPI specification sends them: a
    multipart/mixed POST to the LRS's statements resource."""
    data, content_type = multipart.render(json.dumps(body).encode(), parts)
    try:
        lrs.request("POST", "/statements", data=data, headers={"Content-Type": content_type})
        done(r)
    except TargetError as e:
        if e.unavailable:
            raise
        failed(r, f"{e.code}: {e.message}")
