"""The seed's xAPI analytics: per-actor and per-activity figures, kept as running totals.

Every stored statement adds to its actor's row and (when its object is an Activity) to that
activity's row; voiding takes the target's share back. Storing a statement only queues it
(one small row, in the statement's own transaction): updating a dozen indexed totals per
statement was half of what a single-statement POST wrote. The queue is folded into the totals
in batches, where one learner's hundred statements cost one row update: every second by the
job runner, and before any analytics read, so a read always counts every statement stored.
Counted: every statement; completed/passed/failed by the ADL verbs of those names; the average
of `result.score.scaled` where given; first/last activity by statement timestamp (UTC);
unique activities/learners through the actor-activity pairs. Reading a page of analytics is
then an index walk over a few rows, however many statements there are.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from scorm_api.db import JSONField, PreparedText, database, upsert_sql, write_transaction
from scorm_api.sessions import previews
from scorm_api.xapi import validation
from scorm_api.xapi.identity import actor_key
from scorm_api.xapi.models import ActivityStats, ActorActivity, ActorStats, AnalyticsPending

VERB_COUNTS = {
    "http://adlnet.gov/expapi/verbs/completed": "completed_count",
    "http://adlnet.gov/expapi/verbs/passed": "passed_count",
    "http://adlnet.gov/expapi/verbs/failed": "failed_count",
}
_COMMON_SORTS = (
    "total_statements",
    "completed_count",
    "passed_count",
    "failed_count",
    "avg_score_scaled",
    "first_activity",
    "last_activity",
)
ACTOR_SORTS = (*_COMMON_SORTS, "unique_activities", "actor_mbox", "actor_name")
ACTIVITY_SORTS = (*_COMMON_SORTS, "unique_learners", "activity_id", "activity_type", "package_id")


@dataclass
class _Delta:
    total_statements: int = 0
    completed_count: int = 0
    passed_count: int = 0
    failed_count: int = 0
    score_sum: float = 0.0
    score_count: int = 0
    first_activity: str | None = None
    last_activity: str | None = None
    extra: dict = field(default_factory=dict)  # identifying columns, as last seen

    def add(self, statement: dict, sign: int) -> None:
        self.total_statements += sign
        verb_column = VERB_COUNTS.get(statement["verb"]["id"])
        if verb_column:
            setattr(self, verb_column, getattr(self, verb_column) + sign)
        scaled = ((statement.get("result") or {}).get("score") or {}).get("scaled")
        if isinstance(scaled, (int, float)) and not isinstance(scaled, bool):
            self.score_sum += sign * scaled
            self.score_count += sign
        if sign > 0:
            when = validation.stored_utc(statement["timestamp"])
            self.first_activity = min(filter(None, (self.first_activity, when)))
            self.last_activity = max(filter(None, (self.last_activity, when)))

    def counts(self) -> tuple:
        return (
            self.total_statements,
            self.completed_count,
            self.passed_count,
            self.failed_count,
            self.score_sum,
            self.score_count,
            self.first_activity,
            self.last_activity,
        )

    def average(self) -> float | None:
        return self.score_sum / self.score_count if self.score_count > 0 else None


def _actor_columns(actor: dict) -> dict:
    mbox = actor.get("mbox")
    ident = {k: actor[k] for k in ("objectType", "mbox", "mbox_sha1sum", "openid", "account") if k in actor}
    return {
        "actor": ident,
        "actor_mbox": mbox[len("mailto:") :].lower() if mbox else None,
        "actor_name": actor.get("name"),
    }


def _activity_columns(obj: dict, package_id: str | None) -> dict:
    out = {}
    kind = (obj.get("definition") or {}).get("type")
    if kind:
        out["activity_type"] = kind
    if package_id:
        out["package_id"] = package_id
    return out


_ADDED = ("total_statements", "completed_count", "passed_count", "failed_count", "score_sum", "score_count")
_DATES = ("first_activity", "last_activity")


def _stats_upsert(table: str, key: str, unique: str, identity: tuple[str, ...]) -> PreparedText:
    """One row's upsert: counts added, dates widened, the average recomputed, identity columns
    replaced when given."""
    columns = ("tenant_id", key, unique, *_ADDED, *_DATES, *identity, "avg_score_scaled")

    def build(p: str) -> str:
        t = f'"{table}"'
        updates = {c: f"{t}.{c} + excluded.{c}" for c in (unique, *_ADDED)}
        for column, wider in (("first_activity", "<"), ("last_activity", ">")):
            updates[column] = (
                f"CASE WHEN {t}.{column} IS NULL OR excluded.{column} {wider} {t}.{column} "
                f"THEN COALESCE(excluded.{column}, {t}.{column}) ELSE {t}.{column} END"
            )
        count = f"({t}.score_count + excluded.score_count)"
        updates["avg_score_scaled"] = (
            f"CASE WHEN {count} > 0 THEN ({t}.score_sum + excluded.score_sum) / {count} END"
        )
        updates.update({c: f"COALESCE(excluded.{c}, {t}.{c})" for c in identity})
        return upsert_sql(table, columns, ("tenant_id", key), updates, p)

    return PreparedText(build)


_ACTOR_UPSERT = _stats_upsert(
    "xapi_actor_stats", "actor_key", "unique_activities", ("actor", "actor_mbox", "actor_name")
)
_ACTIVITY_UPSERT = _stats_upsert(
    "xapi_activity_stats", "activity_id", "unique_learners", ("activity_type", "package_id")
)
_PAIR_UPSERT = PreparedText(
    lambda p: upsert_sql(
        "xapi_actor_activity",
        ("tenant_id", "actor_key", "activity_id", "statements"),
        ("tenant_id", "actor_key", "activity_id"),
        {"statements": '"xapi_actor_activity".statements + excluded.statements'},
        p,
    )
)
# A batch's pairs looked up in one query: a join on a list of (actor, activity) rows, which
# walks the primary key per pair (a row-value IN over the same list scans the tenant's pairs).
PAIR_LOOKUP_CHUNK = 400


def _pair_lookup_sql(p: str, count: int) -> str:
    keys = ", ".join([f"({p}, {p})"] * count)
    return (
        f"WITH k (actor_key, activity_id) AS (VALUES {keys}) "
        "SELECT t.actor_key, t.activity_id, t.statements FROM k JOIN xapi_actor_activity t "
        f"ON t.tenant_id = {p} AND t.actor_key = k.actor_key AND t.activity_id = k.activity_id"
    )


def _pair_counts(tenant_id: str, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(actor key, activity id) -> statements counted so far, for those of `keys` stored."""
    found: dict[tuple[str, str], int] = {}
    p = database.obj.param
    for i in range(0, len(keys), PAIR_LOOKUP_CHUNK):
        chunk = keys[i : i + PAIR_LOOKUP_CHUNK]
        params = [v for key in chunk for v in key]
        rows = database.execute_sql(_pair_lookup_sql(p, len(chunk)), (*params, tenant_id)).fetchall()
        found.update({(a, b): n for a, b, n in rows})
    return found


_PAIR_DELETE = PreparedText(
    lambda p: (
        f"DELETE FROM xapi_actor_activity WHERE tenant_id = {p} AND actor_key = {p} AND activity_id = {p}"
    )
)
_JSON = JSONField()


def _registration(statement: dict) -> str | None:
    registration = (statement.get("context") or {}).get("registration")
    return registration.lower() if isinstance(registration, str) else None


def record(tenant_id: str, entries: list[tuple[dict, str | None, int]]) -> None:
    """Add (sign 1) or take back (sign -1, for voided targets) (statement, package_id, sign)
    entries, inside a write transaction. Each actor, activity and pair costs one upsert whose
    SQL is compiled once, however many of the entries it has."""
    # A trainer's previews are not learners: their statements count nowhere (a statement's
    # registration is its session). Checked when counted and when taken back alike.
    skipped = previews.among({r for st, *_ in entries if (r := _registration(st))})
    entries = [e for e in entries if _registration(e[0]) not in skipped]
    if not entries:
        return
    actors: dict[str, _Delta] = defaultdict(_Delta)
    activities: dict[str, _Delta] = defaultdict(_Delta)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for st, package_id, sign in entries:
        akey = actor_key(st["actor"])
        obj = st["object"]
        activity_id = obj["id"] if obj.get("objectType", "Activity") == "Activity" else None
        if akey:
            actors[akey].add(st, sign)
            actors[akey].extra.update(_actor_columns(st["actor"]))
        if activity_id:
            activities[activity_id].add(st, sign)
            activities[activity_id].extra.update(_activity_columns(obj, package_id))
        if akey and activity_id:
            pairs[(akey, activity_id)] += sign
    unique_actor: dict[str, int] = defaultdict(int)
    unique_activity: dict[str, int] = defaultdict(int)
    before = _pair_counts(tenant_id, list(pairs))
    kept: list[tuple[str, str, str, int]] = []
    gone: list[tuple[str, str, str, int]] = []
    for (akey, activity_id), n in pairs.items():
        was = before.get((akey, activity_id), 0)
        # The pair appeared (it had no statements) or went away (down to nothing).
        change = 1 if n > 0 and was == 0 else -1 if n < 0 and was + n <= 0 else 0
        (kept if was + n > 0 else gone).append((tenant_id, akey, activity_id, n))
        unique_actor[akey] += change
        unique_activity[activity_id] += change
    _PAIR_UPSERT.execute_many(kept)
    _PAIR_DELETE.execute_many([row[:3] for row in gone])
    _ACTOR_UPSERT.execute_many(
        [
            (
                tenant_id,
                akey,
                unique_actor[akey],
                *d.counts(),
                _JSON.db_value(d.extra.get("actor")),
                d.extra.get("actor_mbox"),
                d.extra.get("actor_name"),
                d.average(),
            )
            for akey, d in actors.items()
        ]
    )
    _ACTIVITY_UPSERT.execute_many(
        [
            (
                tenant_id,
                activity_id,
                unique_activity[activity_id],
                *d.counts(),
                d.extra.get("activity_type"),
                d.extra.get("package_id"),
                d.average(),
            )
            for activity_id, d in activities.items()
        ]
    )
    if any(sign < 0 for *_, sign in entries):  # a row whose every statement was voided leaves the figures
        ActorStats.delete().where(
            (ActorStats.tenant == tenant_id)
            & ActorStats.actor_key.in_(list(actors))
            & (ActorStats.total_statements <= 0)
        ).execute()
        ActivityStats.delete().where(
            (ActivityStats.tenant == tenant_id)
            & ActivityStats.activity_id.in_(list(activities))
            & (ActivityStats.total_statements <= 0)
        ).execute()


def clear() -> None:
    """Forget every running total and what was queued for them (a full reindex counts again
    from nothing)."""
    for model in (ActorStats, ActivityStats, ActorActivity, AnalyticsPending):
        model.delete().execute()


# ---- the queue -------------------------------------------------------------------------------

# A batch per write transaction: small, because a POST waits while a fold holds the writer's
# lock (a thousand took ~100 ms, seen as the ingest's p99), large enough that one learner's
# statements share their row updates.
FOLD_BATCH = 200
# The queue with each statement's body, read by the driver: peewee's row building was a fifth
# of the fold.
_QUEUED = PreparedText(
    lambda p: (
        "SELECT q.statement_pk, q.tenant_id, q.sign, s.body, s.package_id "
        "FROM xapi_analytics_pending q LEFT JOIN xapi_statement s ON s.pk = q.statement_pk "
        f"ORDER BY q.statement_pk LIMIT {p}"
    )
)
FOLD_SECONDS = 1.0
_ENQUEUE = PreparedText(
    lambda p: f"INSERT INTO xapi_analytics_pending (statement_pk, tenant_id, sign) VALUES ({p}, {p}, {p})"
)
# One prepared DELETE per row, in one driver call: compiling an IN of the batch's keys was
# an eighth of the fold.
_DEQUEUE = PreparedText(lambda p: f"DELETE FROM xapi_analytics_pending WHERE statement_pk = {p}")
_ANY_PENDING = PreparedText(lambda p: "SELECT 1 FROM xapi_analytics_pending LIMIT 1")


def enqueue(tenant_id: str, pks: list[str]) -> None:
    """Inside the transaction that stores these statements: count them at the next fold."""
    _ENQUEUE.execute_many([(pk, tenant_id, 1) for pk in pks])


def withdraw(tenant_id: str, pks: list[str]) -> None:
    """Inside the transaction that voids these (counted or queued) statements: they leave the
    totals. One still queued simply leaves the queue."""
    if not pks:
        return
    queued = AnalyticsPending.statement_pk.in_(pks) & (AnalyticsPending.tenant == tenant_id)
    waiting = {r.statement_pk for r in AnalyticsPending.select(AnalyticsPending.statement_pk).where(queued)}
    if waiting:
        AnalyticsPending.delete().where(queued).execute()
    _ENQUEUE.execute_many([(pk, tenant_id, -1) for pk in pks if pk not in waiting])


def fold(batch: int = FOLD_BATCH, pause: float = 0.0) -> int:
    """Count the queued statements into the totals, oldest first, a batch per write
    transaction (a crash keeps what was folded and what was not), `pause` seconds between
    two batches; return how many."""
    done = 0
    while True:
        with write_transaction():
            rows: list[Any] = _QUEUED.execute(batch).fetchall()
            by_tenant: dict[str, list] = defaultdict(list)
            for _, tenant_id, sign, body, package_id in rows:
                if body is not None:
                    by_tenant[tenant_id].append((_JSON.python_value(body), package_id, sign))
            for tenant_id, entries in by_tenant.items():
                record(tenant_id, entries)
            _DEQUEUE.execute_many([(r[0],) for r in rows])
        done += len(rows)
        if len(rows) < batch:
            return done
        if pause:
            time.sleep(pause)


def fold_pending(pause: float = 0.0) -> int:
    """fold() when anything is queued: one probe, without the write lock, when nothing is."""
    return fold(pause=pause) if _ANY_PENDING.execute().fetchone() else 0


# Between two batches of the background fold, the POSTs waiting for the writer's lock go
# first: the lock is not fair, and without a pause a fold of a busy second's queue held it
# for batch after batch (a batch POST's p99 was ten times its median). A read that folds
# first does not pause: it waits for the whole fold anyway.
BACKGROUND_PAUSE_SECONDS = 0.002


def fold_in_background(_state) -> None:
    """The job runner's periodic fold, so reads rarely find a queue to fold first."""
    fold_pending(BACKGROUND_PAUSE_SECONDS)


# ---- reading -------------------------------------------------------------------------------


def _page(query, model, sort: str, order: str, page: int, limit: int):
    column = getattr(model, sort)
    # NULLs (no score yet, say) last whichever the direction.
    key = model.actor_key if model is ActorStats else model.activity_id
    # The key breaks ties in the same direction, so the (tenant, figure, key) index is the order.
    ordering = (
        (column.asc(nulls="LAST"), key.asc()) if order == "asc" else (column.desc(nulls="LAST"), key.desc())
    )
    total = query.count()
    rows = list(query.order_by(*ordering).paginate(page, limit)) if total else []
    return rows, total


def _figures(r) -> dict:
    return {
        "total_statements": r.total_statements,
        "completed_count": r.completed_count,
        "passed_count": r.passed_count,
        "failed_count": r.failed_count,
        "avg_score_scaled": round(r.avg_score_scaled, 4) if r.avg_score_scaled is not None else None,
        "scored_count": r.score_count,  # how many scores the average is of
        "first_activity": r.first_activity,
        "last_activity": r.last_activity,
    }


def actors(
    tenant_id: str,
    *,
    actor_mbox: str | None = None,
    min_activities: int | None = None,
    sort: str = "total_statements",
    order: str = "desc",
    page: int = 1,
    limit: int = 20,
):
    fold_pending()
    # No other condition on the tenant's rows: the sort column's index then gives the page.
    q = ActorStats.select().where(ActorStats.tenant == tenant_id)
    if actor_mbox:
        q = q.where(ActorStats.actor_mbox == actor_mbox.lower().removeprefix("mailto:"))
    if min_activities is not None:
        q = q.where(ActorStats.unique_activities >= min_activities)
    rows, total = _page(q, ActorStats, sort, order, page, limit)
    return [
        {
            "actor_mbox": r.actor_mbox,
            "actor_name": r.actor_name,
            "actor": r.actor,
            "unique_activities": r.unique_activities,
            **_figures(r),
        }
        for r in rows
    ], total


def activities(
    tenant_id: str,
    *,
    activity_id: str | None = None,
    activity_type: str | None = None,
    package_id: str | None = None,
    min_learners: int | None = None,
    sort: str = "total_statements",
    order: str = "desc",
    page: int = 1,
    limit: int = 20,
):
    fold_pending()
    q = ActivityStats.select().where(ActivityStats.tenant == tenant_id)
    for column, value in (
        (ActivityStats.activity_id, activity_id),
        (ActivityStats.activity_type, activity_type),
        (ActivityStats.package_id, package_id),
    ):
        if value:
            q = q.where(column == value)
    if min_learners is not None:
        q = q.where(ActivityStats.unique_learners >= min_learners)
    rows, total = _page(q, ActivityStats, sort, order, page, limit)
    return [
        {
            "activity_id": r.activity_id,
            "activity_type": r.activity_type,
            "package_id": r.package_id,
            "unique_learners": r.unique_learners,
            **_figures(r),
        }
        for r in rows
    ], total
