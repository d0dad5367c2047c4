"""The SQLite file: WAL, busy timeout, versioned migrations that upgrade an old data dir."""
import peewee
import pytest

from app.datadir import open_data_dir
from app.db import database, open_database
from app.migrations import MIGRATIONS, Migration, current_version, latest_version, migrate
from app.tenants.models import ApiKey, Tenant


def test_wal_and_busy_timeout(app, settings):
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert settings.db_path.exists()


def test_fresh_database_is_at_latest_version(app):
    assert current_version(database.obj) == latest_version()


def test_old_data_dir_upgrades_in_place(make_settings):
    settings = make_settings()
    settings.ensure_dirs()
    # A data dir written by a release that had only migration 1.
    old = open_database(settings.effective_database_url)
    old.connect()
    assert migrate(old, target=1) == [1]
    old.execute_sql("INSERT INTO tenant (id, name, is_system, created_at, updated_at) "
                    "VALUES ('t-1', 'Old tenant', 1, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')")
    old.execute_sql("INSERT INTO api_key (id, tenant_id, name, key_hash, prefix, scopes, created_at) "
                    "VALUES ('k-1', 't-1', 'old key', 'h', 'ac_live_x', 'read', '2025-01-01T00:00:00Z')")
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
    broken = [*MIGRATIONS, Migration(latest_version() + 1, "half-done", (
        "CREATE TABLE half_done (id INTEGER)",
        "THIS IS NOT SQL",
    ))]
    with pytest.raises(peewee.OperationalError):
        migrate(db, broken)
    assert current_version(db) == latest_version()
    tables = {r[0] for r in db.execute_sql("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half_done" not in tables and "package" in tables
