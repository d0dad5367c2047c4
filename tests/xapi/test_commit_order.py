"""Statements are numbered in the order their transactions commit (xapi_statement.seq, from
scorm_api/counters.py): the sync's cursor. `stored` is not that order: it is taken before the
storing transaction waits for the writer."""

from __future__ import annotations

import threading

from scorm_api import counters
from scorm_api.db import open_database, write_transaction
from scorm_api.migrations import migrate
from scorm_api.xapi.models import Statement

from tests.support import bearer


def _post(client, key, n, tag):
    resp = client.post(
        "/api/v1/xapi/statements",
        json=[
            {
                "actor": {"mbox": f"mailto:{tag}{i}@example.org"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": f"http://example.org/{tag}/{i}"},
            }
            for i in range(n)
        ],
        headers=bearer(key),
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_each_batch_is_numbered_after_the_one_before(app, client, admin_key):
    first = _post(client, admin_key, 3, "a")
    second = _post(client, admin_key, 2, "b")
    _post(client, admin_key, 1, "c")
    with app.app_context():
        seqs = {r.statement_id: r.seq for r in Statement.select()}
    assert sorted(seqs.values()) == list(range(1, 7))  # no gaps, no repeats
    assert max(seqs[i] for i in first) < min(seqs[i] for i in second)


def test_a_writer_that_waited_longer_is_numbered_when_it_commits(app):
    """Two transactions: the one that takes its number first commits first, and the other
    one's number, taken after it had to wait for the lock, is larger."""
    order, numbers = [], {}
    inside = threading.Event()

    def slow():
        with app.app_context(), write_transaction():
            numbers["slow"] = counters.take("test-order")
            inside.set()
            threading.Event().wait(0.3)  # holding the writer, as a slow commit does
            order.append("slow")

    def quick():
        inside.wait(10)
        with app.app_context(), write_transaction():
            numbers["quick"] = counters.take("test-order")
            order.append("quick")

    threads = [threading.Thread(target=slow), threading.Thread(target=quick)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert order == ["slow", "quick"] and numbers == {"slow": 1, "quick": 2}


def test_the_migration_numbers_existing_statements_in_stored_order(make_settings):
    settings = make_settings()
    settings.ensure_dirs()
    db = open_database(settings.effective_database_url)
    db.connect()
    migrate(db, target=21)
    now = "2025-01-01T00:00:00Z"
    db.execute_sql(
        f"INSERT INTO tenant (id, name, created_at, updated_at) VALUES ('t', 'T', '{now}', '{now}')"
    )
    # pk order is not stored order: the migration must follow `stored`
    for pk, stored in (
        ("c", "2025-01-01T00:00:01.000Z"),
        ("a", "2025-01-01T00:00:03.000Z"),
        ("b", "2025-01-01T00:00:02.000Z"),
    ):
        db.execute_sql(
            "INSERT INTO xapi_statement (pk, tenant_id, statement_id, stored, timestamp, verb_id, "
            "voided, body, body_hash) VALUES (?, 't', ?, ?, ?, 'http://v', 0, '{}', 'h')",
            (pk, f"id-{pk}", stored, stored),
        )
    migrate(db)
    rows = db.execute_sql("SELECT pk, seq FROM xapi_statement ORDER BY seq").fetchall()
    assert rows == [("c", 1), ("b", 2), ("a", 3)]
    assert db.execute_sql("SELECT value FROM counter WHERE name = 'xapi_statement'").fetchone() == (3,)
    db.close()
