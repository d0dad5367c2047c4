"""Activity definitions, merged from every statement that carries one (Communication 2.5: the
Activities resource returns all available information about an Activity).

Language maps (name, description) are merged language by language; any other property takes
the value of the statement stored last.
"""

from __future__ import annotations

import functools
import json

from scorm_api.db import JSONField, PreparedText, database, upsert_sql
from scorm_api.xapi.models import ActivityDefinition

_LANGUAGE_MAPS = ("name", "description")
LOOKUP_CHUNK = 500


def _lookup_sql(param: str, count: int) -> str:
    return (
        "SELECT activity_id, definition FROM xapi_activity "
        f"WHERE tenant_id = {param} AND activity_id IN ({', '.join([param] * count)})"
    )


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> dict:
    """A stored definition, parsed once per distinct text: statements usually define their
    activities, so every store reads these back, and parsing them was a tenth of a batch's
    cost. Callers never change the dict (merged() builds a new one)."""
    value: dict = json.loads(text)
    return value


_UPSERT = PreparedText(
    lambda p: upsert_sql(
        "xapi_activity",
        ("tenant_id", "activity_id", "definition", "updated"),
        ("tenant_id", "activity_id"),
        {"definition": "excluded.definition", "updated": "excluded.updated"},
        p,
    )
)
_JSON = JSONField()


def merged(old: dict | None, new: dict) -> dict:
    out = dict(old or {})
    for key, value in new.items():
        if key in _LANGUAGE_MAPS and isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def definitions(statement: dict) -> list[tuple[str, dict]]:
    """(activity id, definition) for every defined Activity in the statement, in order."""
    found = []

    def visit(st: dict) -> None:
        obj = st["object"]
        if obj.get("objectType", "Activity") == "Activity" and obj.get("definition"):
            found.append((obj["id"], obj["definition"]))
        elif obj.get("objectType") == "SubStatement":
            visit(obj)
        for acts in ((st.get("context") or {}).get("contextActivities") or {}).values():
            found.extend(
                (a["id"], a["definition"])
                for a in (acts if isinstance(acts, list) else [acts])
                if a.get("definition")
            )

    visit(statement)
    return found


def record(tenant_id: str, statements: list[dict], stored: str) -> None:
    """Inside the statements' write transaction: merge their definitions into the table."""
    incoming = [d for st in statements for d in definitions(st)]
    if not incoming:
        return
    ids = sorted({a for a, _ in incoming})
    p = database.obj.param
    current = {}
    for i in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[i : i + LOOKUP_CHUNK]
        # The chunk's size is the SQL's shape (a single statement's one or two ids, a batch's
        # few hundred): the driver's statement cache compiles each shape once.
        for activity_id, text in database.execute_sql(_lookup_sql(p, len(chunk)), (tenant_id, *chunk)):
            current[activity_id] = _parsed(text)
    changed = {}
    for activity_id, definition in incoming:
        new = merged(current.get(activity_id), definition)
        if new != current.get(activity_id):
            current[activity_id] = changed[activity_id] = new
    _UPSERT.execute_many(
        [
            (tenant_id, activity_id, _JSON.db_value(definition), stored)
            for activity_id, definition in changed.items()
        ]
    )


def get(tenant_id: str, activity_id: str) -> dict:
    """The Activity object: its id, and its merged definition when one is known."""
    row = ActivityDefinition.get_or_none(
        (ActivityDefinition.tenant == tenant_id) & (ActivityDefinition.activity_id == activity_id)
    )
    out = {"objectType": "Activity", "id": activity_id}
    if row is not None:
        out["definition"] = row.definition
    return out
