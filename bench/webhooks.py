"""Webhooks, side by side in one run, against a fast local receiver (webhook_receiver.py, its
own process, answering 200 at once and noting when each event arrived):

1. runtime commits/s (bench/commit.py's 20 learners under wrk) on a server with one webhook
   subscribed to every event, against the same on a server with none, medians of six
   alternating rounds (target >= 0.9x);
2. event to delivery: test events created at 100/s (each an object of its own, as events of
   many learners' sessions are), the time from each event's occurred_at to its arrival at the
   receiver (target p50 < 100 ms, p99 < 1 s);
3. a backlog of 10,000 queued events (written while the server was stopped) drained after a
   start, deliveries/s, against a minimal script POSTing the same number of signed bodies to
   the same receiver with as many threads (target >= 500/s).

    python webhooks.py [--quick]
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from commit import commit_paths, lua_script, run_wrk

from scorm_api.webhooks import delivery, signing

from _common import api_call, bench_server, quick
from tests.support import free_port, scratch_dir, start_server, wait_until

SECRET = "whsec_bench-receiver-secret"


class Receiver:
    """bench/webhook_receiver.py in its own process: 200 at once; arrival times by event id."""

    def __init__(self):
        port = free_port()
        self.log = scratch_dir("webhook-receiver-") / "arrivals.txt"
        self.log.touch()
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("webhook_receiver.py")), str(port), str(self.log)]
        )
        self.url = f"http://127.0.0.1:{port}/hook"
        wait_until(lambda: _answers(self.url), timeout=15)

    def _lines(self) -> list[list[str]]:
        return [line.split() for line in self.log.read_text().splitlines() if line.strip()]

    @property
    def count(self) -> int:
        return len(self._lines())

    @property
    def arrived(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for event_id, at in self._lines():
            out.setdefault(event_id, float(at))
        return out

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=b"{}", method="POST"), timeout=1).read()
        return True
    except OSError:
        return False


def subscribe(srv, url: str, events=("*",)) -> dict:
    return json.loads(
        api_call(srv, "/api/v1/webhooks", {"url": url, "events": list(events), "secret": SECRET})
    )


def commits(seconds: int, receiver: Receiver | None) -> float:
    srv = bench_server()
    try:
        if receiver is not None:
            subscribe(srv, receiver.url)
        paths = commit_paths(srv)
        script = scratch_dir("webhook-bench-") / "commit.lua"
        script.write_text(lua_script(paths))
        run_wrk(srv.url, script, 1)  # warm-up
        return run_wrk(srv.url, script, seconds)["rps"]
    finally:
        srv.stop()


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def latency(seconds: int, rate: int, receiver: Receiver) -> tuple[float, float, int]:
    srv = bench_server()
    try:
        hook = subscribe(srv, receiver.url, ["package.deleted"])  # only its test events reach it
        test = f"/api/v1/webhooks/{hook['id']}/test"
        sent: list[tuple[str, float]] = []
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = []
            for n in range(seconds * rate):
                delay = start + n / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(lambda: json.loads(api_call(srv, test, {}))))
            for f in futures:
                d = f.result()
                sent.append((d["event_id"], _epoch(d["occurred_at"])))
        wait_until(lambda: all(e in receiver.arrived for e, _ in sent), timeout=60, interval=0.5)
        arrived = receiver.arrived
        lags = sorted((arrived[e] - t) * 1000 for e, t in sent)
        return statistics.median(lags), lags[int(len(lags) * 0.99) - 1], len(lags)
    finally:
        srv.stop()


def backlog(count: int, receiver: Receiver) -> tuple[float, float]:
    """(the appliance's deliveries/s, the minimal script's POSTs/s)."""
    srv = bench_server()
    srv.stop()  # the data dir made, the server stopped: the backlog is written offline
    data_dir = srv.data_dir
    hook_id = "webhook_" + uuid.uuid4().hex
    from scorm_api import sealing
    from scorm_api.signing import load_or_create_secret
    from scorm_api.webhooks.secrets import PURPOSE

    sealed = sealing.seal(load_or_create_secret(data_dir), SECRET, PURPOSE)
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with sqlite3.connect(data_dir / "scorm-api.db") as db:
        tenant = db.execute("SELECT id FROM tenant WHERE is_system = 1").fetchone()[0]
        db.execute(
            "INSERT INTO webhook (id, tenant_id, url, events, secret_sealed, enabled, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
            (hook_id, tenant, receiver.url, '["*"]', sealed, now, now),
        )
        events = [("evt_" + uuid.uuid4().hex, tenant, f"s-{n % 500}", n + 1) for n in range(count)]
        db.executemany(
            "INSERT INTO webhook_event (id, tenant_id, type, object_id, occurred_at, data, seq) "
            f"VALUES (?, ?, 'session.progress', ?, '{now}', '{{\"session\": {{}}}}', ?)",
            events,
        )
        db.executemany(
            "INSERT INTO webhook_delivery (id, webhook_id, event_id, object_id, seq, status, attempts, "
            f"next_attempt_at, created_at) VALUES (?, '{hook_id}', ?, ?, ?, 'pending', 0, '{now}', '{now}')",
            [(str(uuid.uuid4()), e, o, s) for e, _, o, s in events],
        )
    before = receiver.count
    t0 = time.perf_counter()
    again = start_server(data_dir)
    try:
        wait_until(lambda: receiver.count - before >= count, timeout=600, interval=0.1)
        appliance = count / (time.perf_counter() - t0)
    finally:
        again.stop()
    body = json.dumps({"id": "evt_x", "type": "session.progress", "session": {}}).encode()
    headers = {"Content-Type": "application/json", **signing.headers(SECRET, None, body)}

    def post(_):
        req = urllib.request.Request(receiver.url, data=body, headers=headers, method="POST")
        urllib.request.urlopen(req).read()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=delivery.SENDERS) as pool:
        list(pool.map(post, range(count)))
    return appliance, count / (time.perf_counter() - t0)


if __name__ == "__main__":
    if not shutil.which("wrk"):
        raise SystemExit("bench/webhooks.py needs wrk (apt-get install wrk)")
    q = quick()
    receiver = Receiver()
    seconds = 3 if q else 10
    # Rounds in turn (none, one, one, none, ...): a drift of the machine's speed during the run
    # falls on both sides; the medians are compared.
    rounds: dict[bool, list[float]] = {False: [], True: []}
    for n in range(1 if q else 6):
        for subscribed in (False, True) if n % 2 == 0 else (True, False):
            rounds[subscribed].append(commits(seconds, receiver if subscribed else None))
    without, with_one = statistics.median(rounds[False]), statistics.median(rounds[True])
    ratio = with_one / without
    print(f"commits_per_s_no_webhook {without:.0f}  (rounds: {' '.join(f'{r:.0f}' for r in rounds[False])})")
    print(f"commits_per_s_one_webhook {with_one:.0f}  (rounds: {' '.join(f'{r:.0f}' for r in rounds[True])})")
    print(f"commit_ratio {ratio:.2f} (target >= 0.90: {'met' if ratio >= 0.9 else 'NOT met'})")
    p50, p99, n = latency(2 if q else 10, 100, receiver)
    ok = p50 < 100 and p99 < 1000
    print(
        f"delivery_p50_ms {p50:.1f}  delivery_p99_ms {p99:.1f}  ({n} events at 100/s; target p50 < 100, p99 < 1000: {'met' if ok else 'NOT met'})"
    )
    count = 500 if q else 10_000
    try:
        drained, floor = backlog(count, receiver)
    finally:
        receiver.stop()
    print(
        f"backlog_deliveries_per_s {drained:.0f}  minimal_script_posts_per_s {floor:.0f}  ({count} events, start included; target >= 500: {'met' if drained >= 500 else 'NOT met'})"
    )
