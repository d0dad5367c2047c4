"""The seed's xAPI analytics: per-actor and per-activity figures, kept as running totals.

Every stored statement adds to its actor's row and (when its object is an Activity) to that
activity's row, inside the same write transaction; voiding takes the target's share back.
Counted: every statement; completed/passed/failed by the ADL verbs of those names; the average
of `result.score.scaled` where given; first/last activity by statement timestamp (UTC);
unique activities/learners through the actor-activity pairs. Reading a page of analytics is
then an index walk over a few rows, however many statements there are.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from peewee import EXCLUDED, Case, fn

from app.xapi import validation
from app.xapi.identity import actor_key
from app.xapi.models import ActivityStats, ActorActivity, ActorStats

VERB_COUNTS = {"http://adlnet.gov/expapi/verbs/completed": "completed_count",
               "http://adlnet.gov/expapi/verbs/passed": "passed_count",
               "http://adlnet.gov/expapi/verbs/failed": "failed_count"}
_COMMON_SORTS = ("total_statements", "completed_count", "passed_count", "failed_count", "avg_score_scaled",
                 "first_activity", "last_activity")
ACTOR_SORTS = _COMMON_SORTS + ("unique_activities", "actor_mbox", "actor_name")
ACTIVITY_SORTS = _COMMON_SORTS + ("unique_learners", "activity_id", "activity_type", "package_id")


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
            when = validation.utc_iso(statement["timestamp"], "timestamp")
            self.first_activity = min(filter(None, (self.first_activity, when)))
            self.last_activity = max(filter(None, (self.last_activity, when)))

    def row(self) -> dict:
        out = {k: v for k, v in vars(self).items() if k != "extra"}
        out["avg_score_scaled"] = self.score_sum / self.score_count if self.score_count > 0 else None
        return {**out, **self.extra}


def _actor_columns(actor: dict) -> dict:
    mbox = actor.get("mbox")
    ident = {k: actor[k] for k in ("objectType", "mbox", "mbox_sha1sum", "openid", "account") if k in actor}
    return {"actor": ident, "actor_mbox": mbox[len("mailto:"):].lower() if mbox else None,
            "actor_name": actor.get("name")}


def _activity_columns(obj: dict, package_id: str | None) -> dict:
    out = {}
    kind = (obj.get("definition") or {}).get("type")
    if kind:
        out["activity_type"] = kind
    if package_id:
        out["package_id"] = package_id
    return out


def record(tenant_id: str, statements: list[tuple[dict, str | None]], sign: int = 1) -> None:
    """Add (sign 1) or take back (sign -1, for voided targets) (statement, package_id) pairs.
    Call inside the statements' write transaction."""
    actors: dict[str, _Delta] = defaultdict(_Delta)
    activities: dict[str, _Delta] = defaultdict(_Delta)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for st, package_id in statements:
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
    new_pairs, gone_pairs = _update_pairs(tenant_id, pairs)
    for akey, activity_id in new_pairs:
        actors[akey].extra["unique_activities"] = actors[akey].extra.get("unique_activities", 0) + 1
        activities[activity_id].extra["unique_learners"] = activities[activity_id].extra.get("unique_learners", 0) + 1
    for akey, activity_id in gone_pairs:
        actors[akey].extra["unique_activities"] = actors[akey].extra.get("unique_activities", 0) - 1
        activities[activity_id].extra["unique_learners"] = activities[activity_id].extra.get("unique_learners", 0) - 1
    for akey, delta in actors.items():
        _upsert(ActorStats, {"tenant": tenant_id, "actor_key": akey, **delta.row()},
                [ActorStats.tenant, ActorStats.actor_key], ("unique_activities",))
    for activity_id, delta in activities.items():
        _upsert(ActivityStats, {"tenant": tenant_id, "activity_id": activity_id, **delta.row()},
                [ActivityStats.tenant, ActivityStats.activity_id], ("unique_learners",))


def _update_pairs(tenant_id: str, pairs: dict[tuple[str, str], int]):
    """Apply the pair counts; return (pairs that appeared, pairs that went to zero)."""
    if not pairs:
        return [], []
    akeys = {a for a, _ in pairs}
    ids = {b for _, b in pairs}
    existing = {(r.actor_key, r.activity_id): r.statements for r in ActorActivity.select().where(
        (ActorActivity.tenant == tenant_id) & ActorActivity.actor_key.in_(list(akeys))
        & ActorActivity.activity_id.in_(list(ids)))}
    appeared, gone = [], []
    for (akey, activity_id), n in pairs.items():
        where = ((ActorActivity.tenant == tenant_id) & (ActorActivity.actor_key == akey)
                 & (ActorActivity.activity_id == activity_id))
        before = existing.get((akey, activity_id), 0)
        if before == 0 and n > 0:
            ActorActivity.insert(tenant=tenant_id, actor_key=akey, activity_id=activity_id, statements=n).execute()
            appeared.append((akey, activity_id))
        elif before + n <= 0 < before:
            ActorActivity.delete().where(where).execute()
            gone.append((akey, activity_id))
        elif n:
            ActorActivity.update(statements=ActorActivity.statements + n).where(where).execute()
    return appeared, gone


def _upsert(model, row: dict, target: list, unique_columns: tuple[str, ...]) -> None:
    """Insert the row, or add its counts to the stored one (min/max for the dates; the
    identifying columns replaced when given)."""
    added = ("total_statements", "completed_count", "passed_count", "failed_count", "score_sum",
             "score_count") + unique_columns
    update = {getattr(model, c): getattr(model, c) + getattr(EXCLUDED, c) for c in added if c in row}
    score_count = model.score_count + EXCLUDED.score_count
    update[model.avg_score_scaled] = Case(None, [(score_count > 0, (model.score_sum + EXCLUDED.score_sum)
                                                  / fn.NULLIF(score_count, 0))], None)
    update[model.first_activity] = fn.COALESCE(Case(None, [(EXCLUDED.first_activity < model.first_activity,
                                                           EXCLUDED.first_activity)], model.first_activity),
                                               EXCLUDED.first_activity)
    update[model.last_activity] = fn.COALESCE(Case(None, [(EXCLUDED.last_activity > model.last_activity,
                                                          EXCLUDED.last_activity)], model.last_activity),
                                              EXCLUDED.last_activity)
    for column in ("actor", "actor_mbox", "actor_name", "activity_type", "package_id"):
        if column in row and row[column] is not None:
            update[getattr(model, column)] = getattr(EXCLUDED, column)
    model.insert(**row).on_conflict(conflict_target=target, update=update).execute()


def clear() -> None:
    """Forget every running total (a full reindex counts again from nothing)."""
    for model in (ActorStats, ActivityStats, ActorActivity):
        model.delete().execute()


# ---- reading -------------------------------------------------------------------------------

def _page(query, model, sort: str, order: str, page: int, limit: int):
    column = getattr(model, sort)
    # NULLs (no score yet, say) last whichever the direction; the key breaks ties stably.
    ordering = column.asc(nulls="LAST") if order == "asc" else column.desc(nulls="LAST")
    key = model.actor_key if model is ActorStats else model.activity_id
    total = query.count()
    rows = list(query.order_by(ordering, key.asc()).paginate(page, limit)) if total else []
    return rows, total


def _figures(r) -> dict:
    return {"total_statements": r.total_statements, "completed_count": r.completed_count,
            "passed_count": r.passed_count, "failed_count": r.failed_count,
            "avg_score_scaled": round(r.avg_score_scaled, 4) if r.avg_score_scaled is not None else None,
            "first_activity": r.first_activity, "last_activity": r.last_activity}


def actors(tenant_id: str, *, actor_mbox: str | None = None, min_activities: int | None = None,
           sort: str = "total_statements", order: str = "desc", page: int = 1, limit: int = 20):
    q = ActorStats.select().where((ActorStats.tenant == tenant_id) & (ActorStats.total_statements > 0))
    if actor_mbox:
        q = q.where(ActorStats.actor_mbox == actor_mbox.lower().removeprefix("mailto:"))
    if min_activities is not None:
        q = q.where(ActorStats.unique_activities >= min_activities)
    rows, total = _page(q, ActorStats, sort, order, page, limit)
    return [{"actor_mbox": r.actor_mbox, "actor_name": r.actor_name, "actor": r.actor,
             "unique_activities": r.unique_activities, **_figures(r)} for r in rows], total


def activities(tenant_id: str, *, activity_id: str | None = None, activity_type: str | None = None,
               package_id: str | None = None, min_learners: int | None = None,
               sort: str = "total_statements", order: str = "desc", page: int = 1, limit: int = 20):
    q = ActivityStats.select().where((ActivityStats.tenant == tenant_id) & (ActivityStats.total_statements > 0))
    for column, value in ((ActivityStats.activity_id, activity_id), (ActivityStats.activity_type, activity_type),
                          (ActivityStats.package_id, package_id)):
        if value:
            q = q.where(column == value)
    if min_learners is not None:
        q = q.where(ActivityStats.unique_learners >= min_learners)
    rows, total = _page(q, ActivityStats, sort, order, page, limit)
    return [{"activity_id": r.activity_id, "activity_type": r.activity_type, "package_id": r.package_id,
             "unique_learners": r.unique_learners, **_figures(r)} for r in rows], total

