"""Concurrent writers against a real server, and a kill -9 in the middle of them."""

import signal
import sqlite3
import threading

import requests

from tests.support import bearer

THREADS = 8
WRITES_PER_THREAD = 40


def hammer(url: str, key: str, results: list, stop: threading.Event | None = None):
    """Each thread interleaves writes (new tenants) and reads; records (status, id)."""

    def worker(n):
        with requests.Session() as s:
            s.headers.update(bearer(key))
            for i in range(WRITES_PER_THREAD):
                if stop is not None and stop.is_set():
                    return
                try:
                    w = s.post(url + "/api/v1/tenants", json={"name": f"t{n}-{i}"}, timeout=30)
                    r = s.get(url + "/api/v1/api-keys?limit=5", timeout=30)
                except requests.RequestException:
                    return  # the server was killed under us (mid-response, too)
                results.append((w.status_code, w.json().get("id") if w.status_code == 201 else w.text))
                results.append((r.status_code, None))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    return threads


def test_concurrent_writers_never_see_database_locked(live_server_factory):
    srv = live_server_factory("--no-rate-limits", "--threads", "8")
    results = []
    for t in hammer(srv.url, srv.admin_key, results):
        t.join(120)
    bad = [r for r in results if r[0] not in (200, 201)]
    assert bad == []
    assert len(results) == THREADS * WRITES_PER_THREAD * 2
    total = srv.get("/api/v1/tenants?limit=1", headers=bearer(srv.admin_key)).json()["pagination"]["total"]
    assert total == THREADS * WRITES_PER_THREAD + 1
    assert srv.stop() == 0
    assert not any("locked" in line for line in srv.log_lines())


def test_kill_9_during_writes_leaves_a_consistent_data_dir(live_server_factory, tmp_path):
    data_dir = tmp_path / "crash"
    srv = live_server_factory("--no-rate-limits", data_dir=data_dir)
    results, stop = [], threading.Event()
    threads = hammer(srv.url, srv.admin_key, results, stop)
    while len(results) < 100:
        threading.Event().wait(0.02)
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(10)
    stop.set()
    for t in threads:
        t.join(30)

    conn = sqlite3.connect(data_dir / "scorm-api.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # Every write the server acknowledged survived the crash.
    acknowledged = {ident for status, ident in results if status == 201}
    assert len(acknowledged) >= 40
    again = live_server_factory(data_dir=data_dir)
    stored = again.get("/api/v1/tenants?limit=100", headers=bearer(srv.admin_key)).json()
    ids = {t["id"] for t in stored["tenants"]}
    page = 2
    while len(ids) < stored["pagination"]["total"]:
        more = again.get(f"/api/v1/tenants?limit=100&page={page}", headers=bearer(srv.admin_key)).json()
        ids |= {t["id"] for t in more["tenants"]}
        page += 1
    assert acknowledged <= ids
