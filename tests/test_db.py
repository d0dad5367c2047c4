"""The SQLite file: WAL, busy timeout, versioned migrations that upgrade an old data dir."""

import peewee
import pytest

from scorm_api.db import database, open_database
from scorm_api.factory import open_data_dir
from scorm_api.migrations import MIGRATIONS, Migration, current_version, latest_version, migrate
from scorm_api.tenants.models import ApiKey, Tenant


def test_wal_and_busy_timeout(app, settings):
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert settings.db_path.exists()


def test_a_server_folds_the_wal_from_its_own_thread_not_in_a_commit(app, settings):
    """Commits no longer pay for the checkpoint (the default threshold put one into every
    fiftieth statement POST): the threshold is a distant safety net, and the job runner's
    own worker copies the WAL into the database file."""
    import sqlite3

    from scorm_api import state
    from scorm_api.jobs import JobRunner

    from tests.support import wait_until

    assert database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] >= 10_000

    def in_the_file() -> int:
        # immutable=1 reads the database file alone, as if there were no WAL.
        file = sqlite3.connect(f"file:{settings.db_path}?mode=ro&immutable=1", uri=True)
        try:
            return file.execute("SELECT count(*) FROM tenant WHERE id LIKE 'wal-%'").fetchone()[0]
        finally:
            file.close()

    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # the schema into the file
    with database.atomic():
        for n in range(300):
            database.execute_sql(
                "INSERT INTO tenant (id, name, is_system, created_at, updated_at) VALUES (?, ?, 0, ?, ?)",
                (f"wal-{n}", "t", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
            )
    assert in_the_file() == 0  # committed to the WAL only: no commit checkpointed
    runner = JobRunner(state.of(app))
    runner.start()
    try:
        wait_until(lambda: in_the_file() == 300, timeout=30)
    finally:
        runner.stop()


def test_fresh_database_is_at_latest_version(app):
    assert current_version(database.obj) == latest_version()


def test_old_data_dir_upgrades_in_place(make_settings):
    settings = make_settings()
    settings.ensure_dirs()
    # A data dir written by a release that had only migration 1.
    old = open_database(settings.effective_database_url)
    old.connect()
    assert migrate(old, target=1) == [1]
    old.execute_sql(
        "INSERT INTO tenant (id, name, is_system, created_at, updated_at) "
        "VALUES ('t-1', 'Old tenant', 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')"
    )
    old.execute_sql(
        "INSERT INTO api_key (id, tenant_id, name, key_hash, prefix, scopes, created_at) "
        "VALUES ('k-1', 't-1', 'old key', 'h', 'ac_live_x', 'read', '2025-01-01T00:00:00Z')"
    )
    old.close()

    assert open_data_dir(settings) is None  # the existing system tenant is kept, no new key
    assert current_version(database.obj) == latest_version()
    tenant = Tenant.get_by_id("t-1")
    assert tenant.name == "Old tenant" and tenant.max_packages is None
    assert ApiKey.get_by_id("k-1").name == "old key"
    assert database.execute_sql("SELECT COUNT(*) FROM package").fetchone()[0] == 0


def test_migrate_is_idempotent(app):
    assert migrate(database.obj) == []


def test_failed_migration_rolls_back_whole(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'm.db'}")
    db.connect()
    broken = [
        *MIGRATIONS,
        Migration(
            latest_version() + 1,
            "half-done",
            (
                "CREATE TABLE half_done (id INTEGER)",
                "THIS IS NOT SQL",
            ),
        ),
    ]
    with pytest.raises(peewee.OperationalError):
        migrate(db, broken)
    assert current_version(db) == latest_version()
    tables = {r[0] for r in db.execute_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half_done" not in tables and "package" in tables


def test_statements_from_before_migration_11_get_their_derived_rows(make_settings):
    """A data dir at migration 10 holding statements: the upgrade adds the tables, and the
    start-up reindex fills references, related rows, definitions and analytics from them."""
    import json

    from scorm_api.xapi import store
    from scorm_api.xapi.models import ActivityDefinition, ActorStats, Related, Statement

    settings = make_settings()
    settings.ensure_dirs()
    old = open_database(settings.effective_database_url)
    old.connect()
    migrate(old, target=10)
    old.execute_sql(
        "INSERT INTO tenant (id, name, is_system, created_at, updated_at) "
        "VALUES ('t-1', 'Old tenant', 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')"
    )
    bodies = [
        {
            "id": "11111111-1111-4111-8111-111111111111",
            "actor": {"mbox": "mailto:a@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
            "object": {
                "objectType": "Activity",
                "id": "http://example.org/a",
                "definition": {"name": {"en-US": "A"}},
            },
            "result": {"score": {"scaled": 0.5}},
            "stored": "2025-01-01T00:00:00.000Z",
            "timestamp": "2025-01-01T00:00:00.000Z",
        },
        {
            "id": "22222222-2222-4222-8222-222222222222",
            "actor": {"mbox": "mailto:b@example.org"},
            "verb": {"id": "http://example.org/liked"},
            "object": {"objectType": "StatementRef", "id": "11111111-1111-4111-8111-111111111111"},
            "stored": "2025-01-02T00:00:00.000Z",
            "timestamp": "2025-01-02T00:00:00.000Z",
        },
    ]
    for n, body in enumerate(bodies):
        obj = body["object"]
        old.execute_sql(
            "INSERT INTO xapi_statement (pk, tenant_id, statement_id, stored, timestamp, verb_id, activity_id, "
            "actor_key, registration, package_id, voided, voids, body, body_hash) "
            "VALUES (?, 't-1', ?, ?, ?, ?, ?, ?, NULL, NULL, 0, NULL, ?, 'h')",
            (
                f"pk-{n}",
                body["id"],
                body["stored"],
                body["timestamp"],
                body["verb"]["id"],
                obj["id"] if obj["objectType"] == "Activity" else None,
                store.actor_key(body["actor"]),
                json.dumps(body),
            ),
        )
    old.close()

    open_data_dir(settings)
    assert current_version(database.obj) == latest_version()
    assert Statement.get(Statement.pk == "pk-1").object_ref == bodies[0]["id"]
    assert {(r.kind, r.key) for r in Related.select().where(Related.statement_pk == "pk-0")} == {
        ("a", "http://example.org/a"),
        ("g", "mbox:mailto:a@example.org"),
    }
    assert ActivityDefinition.get().definition == {"name": {"en-US": "A"}}
    a = ActorStats.get(ActorStats.actor_key == "mbox:mailto:a@example.org")
    assert (a.total_statements, a.passed_count, a.avg_score_scaled, a.unique_activities) == (1, 1, 0.5, 1)
    assert [s["id"] for s in store.query("t-1", verb="http://adlnet.gov/expapi/verbs/passed")[0]] == [
        bodies[1]["id"],
        bodies[0]["id"],
    ]


def test_packages_and_sessions_from_before_versions_become_first_versions(make_settings):
    """A data dir at migration 24: each package becomes the first version of itself, and each
    session runs that version."""
    from scorm_api.packages.models import Package
    from scorm_api.sessions.models import Session

    settings = make_settings()
    settings.ensure_dirs()
    old = open_database(settings.effective_database_url)
    old.connect()
    migrate(old, target=24)
    now = "'2025-01-01T00:00:00Z'"
    old.execute_sql(
        f"INSERT INTO tenant (id, name, is_system, created_at, updated_at) VALUES ('t-1', 'T', 1, {now}, {now})"
    )
    for pkg in ("p-1", "p-2"):
        old.execute_sql(
            "INSERT INTO package (id, tenant_id, title, version, status, created_at, updated_at) "
            f"VALUES ('{pkg}', 't-1', 'Course', '1.2', 'ready', {now}, {now})"
        )
        old.execute_sql(
            "INSERT INTO learner_session (id, tenant_id, package_id, user_id, attempt, is_current, "
            "completion_status, success_status, version, created_at, updated_at) "
            f"VALUES ('s-{pkg}', 't-1', '{pkg}', 'ann', 1, 1, 'completed', 'passed', 1, {now}, {now})"
        )
    old.close()

    open_data_dir(settings)
    assert current_version(database.obj) == latest_version()
    rows = {(p.id, p.family_id, p.version_number, p.is_latest) for p in Package.select()}
    assert rows == {("p-1", "p-1", 1, True), ("p-2", "p-2", 1, True)}
    assert {(s.id, s.package_version_id) for s in Session.select()} == {("s-p-1", "p-1"), ("s-p-2", "p-2")}


def test_after_commit_runs_once_the_outermost_transaction_committed(app):
    from scorm_api.db import after_commit, write_transaction

    ran: list[str] = []
    note = lambda: ran.append("x")
    with write_transaction():
        with write_transaction():
            after_commit(note)
            after_commit(note)  # the same callback once
        assert ran == []
    assert ran == ["x"]
    with pytest.raises(RuntimeError), write_transaction():
        after_commit(lambda: ran.append("rolled back"))
        raise RuntimeError
    assert ran == ["x"]
    after_commit(lambda: ran.append("now"))  # outside a transaction: at once
    assert ran == ["x", "now"]


def test_write_transactions_of_every_thread_share_one_writer_connection(app):
    """Each thread reads on its own connection; every write transaction runs on the
    database's writer connection, whose page cache another connection's write would empty.
    A thread already inside a transaction of its own connection stays on it, and closing the
    database closes the writer too."""
    import threading
    import uuid

    from scorm_api.db import write_transaction

    def connections() -> tuple[object, object]:
        database.connect(reuse_if_open=True)
        own = database.connection()
        with write_transaction():
            writer = database.connection()
            database.execute_sql(
                "INSERT INTO tenant (id, name, is_system, created_at, updated_at) VALUES (?, 't', 0, '', '')",
                (f"w-{uuid.uuid4()}",),  # thread idents are reused once a thread ends
            )
        assert database.connection() is own  # back on its own after the block
        return own, writer

    seen: list[tuple[object, object]] = []
    threads = [threading.Thread(target=lambda: seen.append(connections())) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seen.append(connections())
    owns, writers = {id(o) for o, _ in seen}, {id(w) for _, w in seen}
    assert len(owns) == 4 and len(writers) == 1 and not owns & writers
    assert Tenant.select().where(Tenant.id.startswith("w-")).count() == 4

    with database.atomic():  # a transaction of the thread's own connection
        own = database.connection()
        with write_transaction():
            assert database.connection() is own

    database.close()
    assert "_scorm_api_writer" not in database.obj.__dict__
    database.connect()
    with write_transaction():  # reopened on the next write
        assert database.connection() not in (own, *[w for _, w in seen])
