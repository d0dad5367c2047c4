"""Numbers handed out in commit order: `take` inside a write transaction reserves the next
numbers of a named counter (a row of `counter`), and the row stays locked until that
transaction ends. A transaction that took numbers after another therefore commits after it
(SQLite has one writer at a time; PostgreSQL holds the row lock to the commit), so a reader
that has seen number N will never later find a smaller one appear: what a cursor needs."""

from __future__ import annotations

import peewee

from scorm_api.db import BaseModel


class Counter(BaseModel):
    name = peewee.CharField(primary_key=True, max_length=64)
    value = peewee.BigIntegerField()

    class Meta:
        table_name = "counter"


def take(name: str, count: int = 1) -> int:
    """Reserve `count` numbers; returns the first. Call inside the write transaction whose
    commit they order."""
    if not Counter.update(value=Counter.value + count).where(Counter.name == name).execute():
        Counter.create(name=name, value=count)  # a counter first used now
        return 1
    return Counter.get_by_id(name).value - count + 1
