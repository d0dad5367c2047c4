"""Database wiring: the peewee proxy every model binds to, connection settings, transactions.

SQLite (WAL, busy timeout) is the default; PostgreSQL is chosen by URL. Models never see which.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import peewee
from playhouse.db_url import connect as connect_url
from playhouse.db_url import parse as parse_url

database = peewee.DatabaseProxy()
M = TypeVar("M", bound=peewee.Model)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    # Writers queue behind each other instead of failing with "database is locked".
    "busy_timeout": 10_000,
    "foreign_keys": 1,
    # In WAL mode NORMAL is still crash-safe for the database; it may lose the last commits
    # on power loss, not on a process kill.
    "synchronous": "normal",
    "cache_size": -16_000,
    # SQLite checkpoints the WAL inside the commit that takes it past this many pages, and that
    # commit pays for copying them into the database file: at the default (1,000 pages) one
    # statement POST in 50 took 9 ms instead of 0.5 (the ingest's p99). A server checkpoints
    # from a thread of its own instead (checkpoint_in_background); this larger threshold stays
    # as the safety net for a process that runs none (a CLI command, a test's app).
    "wal_autocheckpoint": 10_000,
    # The WAL file is cut back to this size when it is restarted after a burst.
    "journal_size_limit": 64 * 1024 * 1024,
}
# How often a server's checkpoint thread runs: at a few hundred statements a second the WAL
# grows by a few thousand pages between two runs, well below the threshold above.
CHECKPOINT_SECONDS = 0.5


class BaseModel(peewee.Model):
    """Every model's base. A ForeignKeyField `x` also gives the model an `x_id` attribute (the
    column's value, no query); the models declare those as annotations for the type checker."""

    class Meta:
        database = database
        legacy_table_names = False


class JSONField(peewee.TextField):
    """JSON stored as text: portable between SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow_iso(offset: timedelta | None = None) -> str:
    """Times are stored and served as ISO 8601 UTC text with Z: sortable and portable.
    `offset`: the time that long from now (negative: ago), for deadlines and cut-offs."""
    now = datetime.now(UTC)
    if offset is not None:
        now += offset
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def open_database(url: str) -> peewee.Database:
    if url.startswith("sqlite:"):
        # Ours, with the pragmas passed explicitly (db_url does not apply query-string ones).
        db: peewee.Database = SqliteDatabase(
            **parse_url(url), pragmas=SQLITE_PRAGMAS, check_same_thread=False
        )
    else:
        db = connect_url(url, autorollback=True)
    return db


def is_sqlite(db: peewee.Database | None = None) -> bool:
    db = db or database.obj
    return isinstance(db, peewee.SqliteDatabase)


# SQLite has one writer at a time. Threads of this process queue on this lock, which wakes
# the next writer the moment the last one commits; left to SQLite's busy handler they would
# poll in sleeps of up to 100 ms (seen as 1 s p99 commit latency under load). Re-entrant,
# because transactions nest (savepoints). Other processes still meet the busy timeout.
_sqlite_writer = threading.RLock()


_pending = threading.local()  # this thread's write transactions: depth, after-commit callbacks


# Every SQLite write transaction runs on one connection of the database's own, whichever
# thread runs it (the writer lock above makes that one at a time). SQLite empties a
# connection's page cache whenever another connection has written since its last
# transaction: with writes spread over a server's threads, each on a connection of its own,
# every write transaction read its b-tree pages again (150-250 µs of a statement POST's CPU,
# measured in process). On one writer connection the cache stays warm. Reads outside a write
# transaction stay on the thread's own connection.
_WRITER = "_scorm_api_writer"


def _writer_connection(db: peewee.SqliteDatabase) -> Any:
    conn = db.__dict__.get(_WRITER)
    if conn is None:
        # peewee's own connect step: the same pragmas and hooks as any connection of the database
        conn = cast(Any, db)._connect()
        setattr(db, _WRITER, conn)
    return conn


class SqliteDatabase(peewee.SqliteDatabase):
    """peewee's, whose close() also closes the writer connection (once no write transaction
    runs on it): a closed database leaves no connection open on the file behind."""

    def close(self) -> bool:
        is_open: bool = super().close()
        with _sqlite_writer:
            conn = self.__dict__.pop(_WRITER, None)
            if conn is not None:
                conn.close()
        return is_open


@contextlib.contextmanager
def _on_writer_connection(db: peewee.SqliteDatabase) -> Iterator[None]:
    """This thread's queries go to the writer connection until the block ends. Taken with
    the writer lock held. A thread already inside a transaction of its own connection stays
    on it: moving would split that transaction in two (and wait on its own lock)."""
    state = cast(Any, db)._state  # peewee's per-thread connection state
    if not state.closed and state.transactions:
        yield
        return
    saved = (state.closed, state.conn, state.ctx, state.transactions, state.commit_callbacks)
    state.set_connection(_writer_connection(db))
    try:
        yield
    finally:
        state.closed, state.conn, state.ctx, state.transactions, state.commit_callbacks = saved


@contextlib.contextmanager
def write_transaction() -> Iterator[Any]:
    """A transaction that takes the write lock up front on SQLite.

    A DEFERRED transaction that reads and then writes can fail at once with SQLITE_BUSY when
    another writer got there first (the busy timeout does not apply to lock upgrades);
    BEGIN IMMEDIATE makes it wait its turn instead. Callbacks given to `after_commit` inside
    it run once the outermost one has committed (never after a rollback).
    """
    depth = getattr(_pending, "depth", 0)
    if depth == 0:
        _pending.callbacks = []
    _pending.depth = depth + 1
    try:
        if is_sqlite():
            with _sqlite_writer:
                moved = _on_writer_connection(database.obj) if depth == 0 else contextlib.nullcontext()
                with moved, database.atomic(lock_type="IMMEDIATE") as txn:
                    yield txn
        else:
            with database.atomic() as txn:
                yield txn
    except BaseException:
        if depth == 0:
            _pending.callbacks = []
        raise
    finally:
        _pending.depth = depth
    if depth == 0:
        callbacks, _pending.callbacks = _pending.callbacks, []
        for fn in callbacks:
            fn()


def after_commit(fn: Callable[[], Any]) -> None:
    """Run `fn` when this thread's write transaction has committed (at once outside one): to
    wake a worker that must see what the transaction wrote."""
    if getattr(_pending, "depth", 0):
        if fn not in _pending.callbacks:
            _pending.callbacks.append(fn)
    else:
        fn()


def checkpoint_in_background(_state: object = None) -> None:
    """Copy the WAL into the database file without blocking anyone: PASSIVE waits for no
    reader or writer, and the driver releases the GIL while SQLite works, so on a second core
    it runs beside the requests rather than inside one of their commits. PostgreSQL has no
    WAL of ours to fold."""
    if is_sqlite():
        database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)")


def check_database() -> bool:
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1").fetchone()
        return True
    except peewee.PeeweeException:
        return False


class Prepared:
    """A query shape compiled to SQL once per backend, then run with fresh parameters.

    Peewee compiles a query on every execution (about 100 µs each); the hot paths (the key
    lookup on every request, list pages) reuse the SQL text instead. `build` returns the peewee
    query with placeholder values whose order is the order callers pass parameters in.
    """

    def __init__(self, build: Callable[..., Any]) -> None:
        self._build = build
        self._sql: dict[type, tuple[str, int]] = {}
        self._plans: dict[tuple[type, tuple[str, ...]], list[tuple[str, Any, bool]]] = {}

    def _compile(self) -> tuple[str, int]:
        sql, params = self._build().sql()
        return sql, len(params)

    def sql(self, nparams: int) -> str:
        backend = type(database.obj)
        cached = self._sql.get(backend)
        if cached is None:
            cached = self._sql[backend] = self._compile()
        if cached[1] != nparams:
            raise TypeError(f"prepared query takes {cached[1]} parameters, got {nparams}")
        return cached[0]

    def execute(self, *params: Any) -> Any:
        """The driver's cursor."""
        return database.execute_sql(self.sql(len(params)), params)

    def execute_many(self, rows: list[tuple[Any, ...]]) -> None:
        """The statement once per row (an INSERT of many rows, say), in one driver call."""
        if rows:
            database.cursor().executemany(self.sql(len(rows[0])), rows)

    def models(self, model: type[M], *params: Any) -> list[M]:
        """The rows as model instances. Hydrated here rather than by model.raw(), which
        re-resolves every column on each call (the larger part of a runtime commit's
        database time); columns that are not the model's fields become plain attributes."""
        cursor = self.execute(*params)
        key = (model, tuple(d[0] for d in cursor.description))
        plan = self._plans.get(key)
        if plan is None:
            columns = model._meta.columns
            plan = self._plans[key] = [
                (columns[name].name, columns[name].python_value, True)
                if name in columns
                else (name, None, False)
                for name in key[1]
            ]
        out: list[M] = []
        for row in cursor.fetchall():
            fields: dict[str, Any] = {}
            extra: list[tuple[str, Any]] = []
            for (name, convert, is_field), value in zip(plan, row, strict=True):
                if is_field:
                    fields[name] = convert(value) if value is not None else None
                else:
                    extra.append((name, value))
            instance = model(__no_default__=1, **fields)
            instance._dirty.clear()  # type: ignore[attr-defined]  # loaded, so nothing to save
            for name, value in extra:
                setattr(instance, name, value)
            out.append(instance)
        return out


class PreparedText(Prepared):
    """As Prepared, for SQL written by hand: `build(placeholder)` returns the text."""

    def _compile(self) -> tuple[str, int]:
        param: str = database.obj.param
        text: str = self._build(param)
        return text, text.count(param)


def upsert_sql(
    table: str,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    updates: dict[str, str],
    param: str,
    returning: str | None = None,
) -> str:
    """INSERT ... ON CONFLICT (key) DO UPDATE SET column = expression, portable between SQLite
    and PostgreSQL (both name the proposed row `excluded` and the stored one by the table)."""
    sets = ", ".join(f'"{c}" = {e}' for c, e in updates.items()) if updates else None
    action = f"DO UPDATE SET {sets}" if sets else "DO NOTHING"
    cols = ", ".join(f'"{c}"' for c in columns)
    text = (
        f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join([param] * len(columns))}) '
        f"ON CONFLICT ({', '.join(key)}) {action}"
    )
    return text + (f" RETURNING {returning}" if returning else "")


_update_sql: dict[tuple[type, tuple[str, ...], type], str] = {}


def update_columns(instance: peewee.Model, names: tuple[str, ...]) -> None:
    """UPDATE just these columns of one row, with SQL built once per (model, columns).

    model.save() recompiles an UPDATE of every column on each call; on the runtime-commit
    path that compilation cost more than the database work. Values still go through each
    field's db_value (JSON fields serialise as usual)."""
    model = type(instance)
    key = (model, names, type(database.obj))
    sql = _update_sql.get(key)
    if sql is None:
        p = database.obj.param
        meta = model._meta
        sets = ", ".join(f'"{meta.fields[n].column_name}" = {p}' for n in names)
        primary_key: Any = meta.primary_key  # a field (False only for models without one)
        sql = _update_sql[key] = (
            f'UPDATE "{meta.table_name}" SET {sets} WHERE "{primary_key.column_name}" = {p}'
        )
    fields = model._meta.fields
    params = [fields[n].db_value(getattr(instance, n)) for n in names]
    database.execute_sql(sql, (*params, instance._pk))  # type: ignore[attr-defined]
