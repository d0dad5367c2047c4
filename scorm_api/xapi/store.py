"""The statement store, shared by the seed's /api/v1/xapi endpoints and the standard LRS.

A batch is stored all or nothing. A statement id already stored with the same submitted body
is a no-op (replays and syncs are idempotent); with a different body it is a 409. Voiding marks
its target voided; voided statements leave every query except a lookup by id.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import operator
import time
import uuid
from collections.abc import Callable, Sequence

from scorm_api import counters
from scorm_api.db import JSONField, Prepared, PreparedText, upsert_sql, write_transaction
from scorm_api.errors import ApiError, not_found
from scorm_api.xapi import activities, analytics, attachments, validation
from scorm_api.xapi.identity import actor_key
from scorm_api.xapi.models import Related, Statement
from scorm_api.xapi.multipart import Part

_JSON = JSONField()
_order = itertools.count()


def _ordered_pk() -> str:
    """A row key that sorts in the order statements were stored (a batch keeps its order,
    which equal `stored` times alone would not)."""
    return f"{int(time.time() * 1000):013d}-{next(_order) % 10**8:08d}-{uuid.uuid4().hex[:13]}"


def _hash(statement: dict) -> str:
    # What the client sent, minus what the LRS sets and the id's letter case.
    body = {k: v for k, v in statement.items() if k not in ("stored", "authority", "version")}
    if "id" in body:
        body["id"] = body["id"].lower()
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _context_arrays(statement: dict) -> dict:
    """contextActivities are kept as arrays, as the specification returns them (in a
    SubStatement's context too)."""
    ctx = statement.get("context")
    if isinstance(ctx, dict) and isinstance(ctx.get("contextActivities"), dict):
        ca = ctx["contextActivities"]
        statement = {
            **statement,
            "context": {
                **ctx,
                "contextActivities": {k: v if isinstance(v, list) else [v] for k, v in ca.items()},
            },
        }
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        statement = {**statement, "object": _context_arrays(obj)}
    return statement


def related(statement: dict) -> set[tuple[str, str]]:
    """('a', activity id) and ('g', agent key) for everything the statement mentions: what
    related_activities and related_agents match (Communication 2.1.3)."""
    out: set[tuple[str, str]] = set()

    def visit(st: dict, top: bool) -> None:
        ctx = st.get("context") or {}
        agents = [st["actor"], ctx.get("instructor"), ctx.get("team")] + (
            [st.get("authority")] if top else []
        )
        obj = st["object"]
        kind = obj.get("objectType", "Activity")
        if kind in ("Agent", "Group"):
            agents.append(obj)
        elif kind == "Activity":
            out.add(("a", obj["id"]))
        elif kind == "SubStatement":
            visit(obj, False)
        out.update(("g", k) for k in map(actor_key, agents) if k)
        for acts in (ctx.get("contextActivities") or {}).values():
            out.update(("a", act["id"]) for act in (acts if isinstance(acts, list) else [acts]))

    visit(statement, True)
    return out


def related_rows(tenant_id: str, pk: str, statement: dict) -> list[tuple]:
    return [(tenant_id, kind, key, pk) for kind, key in related(statement)]


def object_ref(statement: dict) -> str | None:
    obj = statement["object"]
    return obj["id"].lower() if obj.get("objectType") == "StatementRef" else None


# Every statement stored runs these: SQL compiled once, rows sent in one driver call.
_INSERT_RELATED = PreparedText(
    lambda p: upsert_sql(
        "xapi_statement_related",
        ("tenant_id", "kind", "key", "statement_pk"),
        ("tenant_id", "kind", "key", "statement_pk"),
        {},
        p,
    )
)
_STATEMENT_COLUMNS = (
    "pk",
    "tenant_id",
    "statement_id",
    "stored",
    "timestamp",
    "verb_id",
    "activity_id",
    "actor_key",
    "object_agent_key",
    "registration",
    "package_id",
    "voided",
    "voids",
    "object_ref",
    "body",
    "body_hash",
    "seq",
)
_INSERT_STATEMENT = PreparedText(
    lambda p: (
        f"INSERT INTO xapi_statement ({', '.join(_STATEMENT_COLUMNS)}) "
        f"VALUES ({', '.join([p] * len(_STATEMENT_COLUMNS))})"
    )
)
_EXISTING = Prepared(
    lambda: Statement.select(Statement.statement_id, Statement.body_hash).where(
        (Statement.tenant == "") & (Statement.statement_id == "")
    )
)


def _existing(tenant_id: str, ids: list[str]) -> dict[str, str]:
    """statement id -> body hash of the ids already stored (one prepared probe for a single
    id, the common case; one IN query for a batch)."""
    if len(ids) == 1:
        return {r.statement_id: r.body_hash for r in _EXISTING.models(Statement, tenant_id, ids[0])}
    if not ids:
        return {}
    return {
        r.statement_id: r.body_hash
        for r in Statement.select(Statement.statement_id, Statement.body_hash).where(
            (Statement.tenant == tenant_id) & Statement.statement_id.in_(ids)
        )
    }


def save_links(rows: list[tuple]) -> None:
    _INSERT_RELATED.execute_many(rows)


def _prepared(
    tenant_id: str, st: dict, authority: dict, stored: str, version: str, package_id: str | None
) -> tuple[str, str, dict, tuple, list[tuple]]:
    """(the id sent, lower case; the hash of what was sent; the statement as stored; its row;
    its related rows)."""
    full = validation.normalize(_context_arrays(st), authority, stored, version)
    obj = full["object"]
    is_void = full["verb"]["id"] == validation.VOIDED
    ctx = full.get("context") or {}
    pk = _ordered_pk()
    row = (
        pk,
        tenant_id,
        full["id"],
        stored,
        full["timestamp"],
        full["verb"]["id"],
        obj["id"] if obj.get("objectType", "Activity") == "Activity" else None,
        actor_key(full["actor"]),
        actor_key(obj) if obj.get("objectType") in ("Agent", "Group") else None,
        ctx.get("registration", "").lower() or None,
        package_id,
        False,
        obj["id"].lower() if is_void else None,
        object_ref(full),
        _JSON.db_value(full),
        _hash(st),
    )
    return st.get("id", "").lower(), row[15], full, row, related_rows(tenant_id, pk, full)


def store(
    tenant_id: str,
    statements: list[dict],
    authority: dict,
    version: str = "1.0.3",
    package_id: str | None = None,
    parts: Sequence[Part] = (),
    check: Callable[[list[dict]], None] | None = None,
) -> list[str]:
    """Validate and store a batch (with the attachment parts sent beside it); return the ids
    in order. `check`: called in the transaction, after validation, with the statements not
    stored yet (replays left out); it raises to refuse the batch."""
    if not statements:
        raise ApiError(400, "BAD_REQUEST", "No statements")
    for i, st in enumerate(statements):
        validation.validate(st, version, path=f"statements[{i}]" if len(statements) > 1 else "statement")
    to_save = attachments.required_parts(statements, list(parts))
    ids = [st.get("id", "").lower() for st in statements if st.get("id")]
    if len(ids) != len(set(ids)):
        raise ApiError(400, "BAD_REQUEST", "The batch has two statements with the same id")
    stored = validation.now_iso()
    # Everything that needs no lock is done before taking the writer's: the statements as
    # stored, their rows and links. The lock is held for the lookups and writes alone.
    prepared = [_prepared(tenant_id, st, authority, stored, version, package_id) for st in statements]
    rows, bodies, links, out, voiding = [], [], [], [], []
    with write_transaction():
        existing = _existing(tenant_id, ids)
        if check is not None:
            check([st for st, (sid, *_) in zip(statements, prepared, strict=True) if sid not in existing])
        for sid, digest, full, row, statement_links in prepared:
            if sid in existing:
                if existing[sid] != digest:
                    raise ApiError(
                        409, "CONFLICT", "A different statement with this id is already stored", {"id": sid}
                    )
                out.append(sid)
                continue
            if row[12]:  # the statement it voids
                voiding.append(row[12])
            rows.append(row)
            links.extend(statement_links)
            bodies.append(full)
            out.append(full["id"])
        targets = []
        if voiding:
            targets = list(
                Statement.select(Statement.pk, Statement.voids, Statement.voided).where(
                    (Statement.tenant == tenant_id) & Statement.statement_id.in_(voiding)
                )
            )
            if any(t.voids for t in targets):
                raise ApiError(400, "BAD_REQUEST", "A voiding statement cannot itself be voided")
        if rows:  # numbered in this transaction: the order statements become visible in
            first = counters.take("xapi_statement", len(rows))
            rows = [(*row, first + n) for n, row in enumerate(rows)]
        _INSERT_STATEMENT.execute_many(rows)
        save_links(links)
        activities.record(tenant_id, bodies, stored)
        attachments.save(tenant_id, to_save, stored)
        analytics.enqueue(tenant_id, [row[0] for row in rows])
        # A voided statement leaves the analytics (once, however often it is voided).
        analytics.withdraw(tenant_id, [t.pk for t in targets if not t.voided])
        if voiding:
            Statement.update(voided=True).where(
                (Statement.tenant == tenant_id) & Statement.statement_id.in_(voiding)
            ).execute()
    return out


def get(tenant_id: str, statement_id: str, voided: bool = False) -> dict:
    """One statement by id: a voided one only when asked for as voided, and the other way round."""
    row = Statement.get_or_none(
        (Statement.tenant == tenant_id) & (Statement.statement_id == statement_id.lower())
    )
    if row is None or row.voided != voided:
        raise not_found("NOT_FOUND", "Statement not found")
    return row.body


def _matching(
    tenant_id: str, verb, activity, agent_key, registration, related_activities: bool, related_agents: bool
):
    """The filters that select statements by content (all but since/until), as one condition."""

    def mentions(kind: str, key: str):
        return Statement.pk.in_(
            Related.select(Related.statement_pk).where(
                (Related.tenant == tenant_id) & (Related.kind == kind) & (Related.key == key)
            )
        )

    conds = []
    if verb:
        conds.append(Statement.verb_id == verb)
    if activity:
        conds.append(mentions("a", activity) if related_activities else Statement.activity_id == activity)
    if agent_key:
        if related_agents:
            conds.append(mentions("g", agent_key))
        elif _exists((Statement.tenant == tenant_id) & (Statement.object_agent_key == agent_key)):
            conds.append((Statement.actor_key == agent_key) | (Statement.object_agent_key == agent_key))
        else:  # the common case, and one index then gives the page in order
            conds.append(Statement.actor_key == agent_key)
    if registration:
        conds.append(Statement.registration == registration.lower())
    return functools.reduce(operator.and_, conds) if conds else None


def _exists(cond) -> bool:
    return Statement.select(Statement.pk).where(cond).limit(1).exists()


def _referring(tenant_id: str, match) -> set[str]:
    """Ids of the statements that target a statement matching `match` through a StatementRef,
    directly or along a chain of them (the target may itself be voided). Read from the
    referring side: most stores have few StatementRefs, and none costs one index probe."""
    in_tenant = Statement.tenant == tenant_id
    if not _exists(in_tenant & Statement.object_ref.is_null(False)):
        return set()
    refs = sorted(
        {
            r.object_ref or ""
            for r in Statement.select(Statement.object_ref).where(
                in_tenant & Statement.object_ref.is_null(False)
            )
        }
    )
    targets = [
        r.statement_id
        for i in range(0, len(refs), 500)
        for r in Statement.select(Statement.statement_id).where(
            in_tenant & Statement.statement_id.in_(refs[i : i + 500]) & match
        )
    ]
    found: set[str] = set()
    while targets:
        new: set[str] = set()
        for i in range(0, len(targets), 500):
            new.update(
                r.statement_id
                for r in Statement.select(Statement.statement_id).where(
                    in_tenant & Statement.object_ref.in_(targets[i : i + 500])
                )
            )
        targets = list(new - found)
        found |= new
    return found


def _select(
    tenant_id: str,
    *,
    verb=None,
    activity=None,
    agent_key=None,
    registration=None,
    since=None,
    until=None,
    related_activities=False,
    related_agents=False,
    ascending=False,
):
    """The statements a query matches, not voided, in stored order (newest first unless
    ascending). A statement that targets a match by StatementRef matches too (Communication
    2.1.3)."""
    cond = (Statement.tenant == tenant_id) & (Statement.voided == False)  # noqa: E712
    match = _matching(tenant_id, verb, activity, agent_key, registration, related_activities, related_agents)
    if match is not None:
        referring = _referring(tenant_id, match)
        cond &= (match | Statement.statement_id.in_(sorted(referring))) if referring else match
    if since:
        cond &= Statement.stored > since
    if until:
        cond &= Statement.stored <= until
    order = (
        (Statement.stored.asc(), Statement.pk.asc())
        if ascending
        else (Statement.stored.desc(), Statement.pk.desc())
    )
    return Statement.select(Statement.body).where(cond).order_by(*order)


def query(tenant_id: str, *, offset: int = 0, limit: int = 20, **filters):
    """(statements, total): one page and how many match in all (the seed's pagination)."""
    q = _select(tenant_id, **filters)
    total = q.order_by().count()
    rows = [r.body for r in q.offset(offset).limit(limit)] if total > offset else []
    return rows, total


def page(tenant_id: str, *, offset: int = 0, limit: int = 20, **filters):
    """(statements, whether more follow): one page without counting every match, for the LRS's
    `more` links (a count would read every matching row of a large store)."""
    rows = [r.body for r in _select(tenant_id, **filters).offset(offset).limit(limit + 1)]
    return rows[:limit], len(rows) > limit
