"""A backup taken while a real server serves 20 learners committing:
the restored copy holds, for every learner, a commit at least as new as the last one
acknowledged before the backup started, and never one that was not yet sent when it ended."""

import sqlite3
import threading
import time

import pytest
import requests

from scorm_api.backup import protection, reader, writer
from scorm_api.config import Settings
from scorm_api.factory import create_app

from tests.sessions.courses import scripted_course
from tests.sessions.runtime import HttpClient, commit, open_player
from tests.support import bearer

LEARNERS = 20
PASS = "a passphrase for the test"

pytestmark = pytest.mark.slow


def test_a_backup_taken_while_20_learners_commit_holds_every_acknowledged_commit(live_server, tmp_path):
    srv, key = live_server, live_server.admin_key
    pkg = requests.post(
        srv.url + "/api/v1/packages/upload",
        headers=bearer(key),
        files={"file": ("c.zip", scripted_course("2004"))},
        timeout=60,
    ).json()
    learners = []
    for n in range(LEARNERS):
        s = requests.post(
            srv.url + "/api/v1/sessions",
            headers=bearer(key),
            json={"package_id": pkg["id"], "user_id": f"learner-{n}"},
            timeout=30,
        ).json()
        client = HttpClient(srv.url)
        learners.append((s["session"]["id"], client, open_player(client, s["launch_url"])))

    stop = threading.Event()
    sent = [[] for _ in learners]  # (seq, time sent)
    acked = [[] for _ in learners]  # (seq, time acknowledged)
    failures = []

    def learner(i):
        _, client, cfg = learners[i]
        seq = 0
        while not stop.is_set():
            seq += 1
            sent[i].append((seq, time.monotonic()))
            resp = commit(client, cfg, {"cmi.location": str(seq), "cmi.suspend_data": "s" * 2000}, seq=seq)
            if resp.status_code != 200:
                failures.append(resp.status_code)
                return
            acked[i].append((seq, time.monotonic()))

    # A reader that stays open (as a long dashboard query would) keeps the server's checkpoints
    # from moving the commits out of the WAL: a backup that copied the database file alone
    # would miss all of them.
    reader_db = sqlite3.connect(srv.data_dir / "scorm-api.db")
    reader_db.execute("BEGIN")
    reader_db.execute("SELECT count(*) FROM learner_session").fetchone()
    threads = [threading.Thread(target=learner, args=(i,)) for i in range(LEARNERS)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    started = time.monotonic()
    # In this process (not the server's), called directly rather than through the command
    # (tests/backup/test_backup.py runs that): the snapshot starts right after `started`, so
    # a copy that missed the WAL's newest commits would be caught.
    writer.create(Settings(data_dir=srv.data_dir), tmp_path / "b.tar", protection.derive(PASS))
    ended = time.monotonic()
    reader_db.close()
    time.sleep(1.0)
    stop.set()
    for t in threads:
        t.join(60)
    assert not failures, failures
    assert all(len(a) > 3 for a in acked), [len(a) for a in acked]  # they kept committing

    reader.restore(tmp_path / "b.tar", tmp_path / "restored", PASS)
    copy = create_app(Settings(data_dir=tmp_path / "restored", log_requests=False)).test_client()
    for i, (session_id, _, _) in enumerate(learners):
        got = copy.get(f"/api/v1/sessions/{session_id}", headers=bearer(key)).get_json()["session"]
        location = int(got["cmi_data"]["cmi.location"])
        floor = max((seq for seq, at in acked[i] if at < started), default=0)
        ceiling = max(seq for seq, at in sent[i] if at < ended)
        assert floor <= location <= ceiling, (i, floor, location, ceiling)
        assert floor > 0
