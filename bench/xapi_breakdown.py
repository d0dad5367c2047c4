"""Where one statement's server time goes: the parts of a POST /xapi/statements timed in
process, CPU per statement (time.process_time), over the varied workload of xapi_workload.

The parts are the functions the request runs, called one after another on the same
statements in a real app (factory.create_app on a scratch data dir): the JSON parse
(safejson.loads), validation (validation.validate), preparing the rows (store._prepared) and
store.store itself, whose transaction (lookups, inserts, activity definitions, the analytics
queue) is what it costs beyond the two before it; its COMMIT is timed apart by wrapping the
database's commit. Then the analytics fold (analytics.fold) of what was stored. What the
server process spends beyond the sum, measured under load by xapi_ingest.py, is HTTP and
the framework (waitress, Flask, auth, the rate limiter, the request log).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import xapi_workload as workload

from _common import scratch_dir  # also puts the repo on sys.path

AUTHORITY = {"objectType": "Agent", "account": {"homePage": "http://x", "name": "bench"}}
VERSION = "1.0.3"


@dataclass
class Breakdown:
    """CPU µs per statement, by part, for single statements and for batches."""

    statements: int
    batch: int
    single: dict[str, float] = field(default_factory=dict)
    batched: dict[str, float] = field(default_factory=dict)


def _cpu(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


@contextmanager
def _app() -> Iterator[str]:
    """A real app on a scratch data dir, connected; yields a tenant id."""
    from scorm_api.config import Settings
    from scorm_api.db import database
    from scorm_api.factory import create_app
    from scorm_api.tenants.models import Tenant

    folder = scratch_dir("xapi-breakdown-")
    app = create_app(Settings(data_dir=folder / "data", log_requests=False))
    try:
        with app.app_context():
            database.connect(reuse_if_open=True)
            try:
                yield Tenant.select().first().id
            finally:
                database.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _commits_timed(spent: list[float]) -> Iterator[None]:
    """The database's COMMIT, its CPU added to spent[0]: the transaction's own statements
    and its commit are then told apart without touching the code that runs them."""
    from scorm_api.db import database

    real = database.obj
    original = real.commit

    def commit(*args, **kwargs):
        t0 = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - t0

    real.commit = commit
    try:
        yield
    finally:
        del real.commit  # the class's method again


def _parts(tenant_id: str, statements: int, batch: int) -> dict[str, float]:
    from scorm_api import safejson
    from scorm_api.xapi import analytics, store, validation

    prefix = workload.id_prefix()
    bodies = [workload.body(prefix, n, batch) for n in range(0, statements, batch)]

    def parsed() -> list[list[dict]]:
        out = [safejson.loads(b) for b in bodies]
        return [[b] if batch == 1 else b for b in out]

    parse = _cpu(parsed)
    requests = parsed()

    # Loops that keep nothing: results piling up would bring on collections of the garbage
    # collector's older generations that a request never pays for.
    def validate_all() -> None:
        for req in requests:
            for st in req:
                validation.validate(st, VERSION)

    def prepare_all() -> None:
        for req in requests:
            for st in req:
                store._prepared(tenant_id, st, AUTHORITY, stored, VERSION, None)

    def store_all() -> None:
        for req in requests:
            store.store(tenant_id, req, AUTHORITY, VERSION)

    validate = _cpu(validate_all)
    stored = validation.now_iso()
    prepare = _cpu(prepare_all)
    requests = parsed()  # fresh dicts: store.store gets what a request would give it
    commit = [0.0]
    with _commits_timed(commit):
        total = _cpu(store_all)
    folded: list[int] = []
    fold = _cpu(lambda: folded.append(analytics.fold()))
    if folded[0] != statements:
        raise SystemExit(f"the fold counted {folded[0]} statements, {statements} were stored")
    us = 1e6 / statements
    return {
        "JSON parse (safejson.loads)": parse * us,
        "validation (validation.validate)": validate * us,
        "rows prepared (store._prepared)": prepare * us,
        "write transaction, less COMMIT": (total - validate - prepare - commit[0]) * us,
        "COMMIT": commit[0] * us,
        "analytics fold (analytics.fold)": fold * us,
    }


def measure(statements: int, batch: int) -> Breakdown:
    """`statements` varied statements through the parts, one per request and then in
    batches of `batch`; a warm-up round first (imports, prepared statements, caches)."""
    with _app() as tenant_id:
        _parts(tenant_id, min(statements, 200), 1)
        return Breakdown(
            statements, batch, _parts(tenant_id, statements, 1), _parts(tenant_id, statements, batch)
        )


def print_table(b: Breakdown) -> None:
    print(
        f"\nwhere one statement's server time goes: CPU µs per statement in process, "
        f"{b.statements:,} varied statements"
    )
    print(f"{'part':<36}{'single':>10}{f'batch {b.batch}':>12}")
    for name in b.single:
        print(f"{name:<36}{b.single[name]:>10.0f}{b.batched[name]:>12.0f}")
    print(f"{'total':<36}{sum(b.single.values()):>10.0f}{sum(b.batched.values()):>12.0f}")
