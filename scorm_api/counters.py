"""Numbers handed out in commit order: `take` inside a write transaction reserves the next
numbers of a named counter (a row of `counter`), and the row stays locked until that
transaction ends. A transaction that took numbers after another therefore commits after it
(SQLite has one writer at a time; PostgreSQL holds the row lock to the commit), so a reader
that has seen number N will never later find a smaller one appear: what a cursor needs."""

from __future__ import annotations

import peewee

from scorm_api.db import BaseModel, PreparedText, upsert_sql


class Counter(BaseModel):
    name = peewee.CharField(primary_key=True, max_length=64)
    value = peewee.BigIntegerField()

    class Meta:
        table_name = "counter"


# Every stored statement and webhook event takes a number: one prepared statement (the
# upsert also creates a counter on first use) instead of an update and a read built by peewee,
# which cost more than the insert they number.
_TAKE = PreparedText(
    lambda p: upsert_sql(
        "counter",
        ("name", "value"),
        ("name",),
        {"value": "counter.value + excluded.value"},
        p,
        returning="value",
    )
)


def take(name: str, count: int = 1) -> int:
    """Reserve `count` numbers; returns the first. Call inside the write transaction whose
    commit they order."""
    (last,) = _TAKE.execute(name, count).fetchone()
    return int(last) - count + 1
