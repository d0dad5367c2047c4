"""xAPI query latency at 10k and at 1M stored statements: p50/p95 of the LRS's GET
/xapi/statements by agent, verb, activity, registration and since (a page of 100), and of the
seed's analytics (/api/v1/xapi/analytics/actors and /activities, sorted), each against a real
server filled through its own API.
Targets: p50 at 1M within 2x of p50 at 10k for the statement queries (indexes, not scans);
within 3x for the analytics.

The statements are realistic in shape and spread: one learner per 200 statements, one
registration per 20, 8 verbs, one activity per 1,000 (at least 50), scores on a third.
`--quick` compares 10k with 100k instead of 1M.
"""

from __future__ import annotations

import base64
import http.client
import json
import random
import statistics
import time
import uuid
from urllib.parse import urlencode, urlsplit

from _common import api_call, bench_server, quick

VERBS = [
    "http://adlnet.gov/expapi/verbs/" + v
    for v in (
        "experienced",
        "attempted",
        "answered",
        "completed",
        "passed",
        "failed",
        "progressed",
        "launched",
    )
]
REQUESTS = 200
BATCH = 1000


def make_statement(rng: random.Random, n: int, size: int) -> dict:
    learner = rng.randrange(max(1, size // 200))
    registration = uuid.UUID(int=(n // 20) + 1, version=4)  # 20 consecutive statements per registration
    activity = f"http://example.org/activities/{rng.randrange(max(50, size // 1000))}"
    st = {
        "actor": {
            "objectType": "Agent",
            "name": f"Learner {learner}",
            "mbox": f"mailto:learner{learner}@example.org",
        },
        "verb": {"id": rng.choice(VERBS), "display": {"en-US": "did"}},
        "object": {
            "id": activity,
            "definition": {
                "name": {"en-US": "An activity"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
            },
        },
        "context": {
            "registration": str(registration),
            "contextActivities": {"parent": [{"id": "http://example.org/course/1"}]},
        },
        "timestamp": f"2025-{1 + n * 12 // size:02d}-01T00:00:00Z",
    }
    if n % 3 == 0:
        st["result"] = {"score": {"scaled": round(rng.random(), 2)}, "success": rng.random() > 0.3}
    return st


def fill(srv, size: int) -> float:
    rng = random.Random(size)
    t0 = time.perf_counter()
    for start in range(0, size, BATCH):
        batch = [make_statement(rng, n, size) for n in range(start, min(size, start + BATCH))]
        api_call(srv, "/api/v1/xapi/statements", batch)
    return size / (time.perf_counter() - t0)


def timed(conn: http.client.HTTPConnection, path: str, headers: dict) -> float:
    t0 = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    elapsed = time.perf_counter() - t0
    if resp.status != 200:
        raise SystemExit(f"GET {path}: HTTP {resp.status} {body[:300]!r}")
    return elapsed * 1000


def queries(size: int, stored_until: str) -> dict[str, callable]:
    rng = random.Random(7)
    learners, activities = max(1, size // 200), max(50, size // 1000)

    def agent():
        return {"agent": json.dumps({"mbox": f"mailto:learner{rng.randrange(learners)}@example.org"})}

    lrs = {
        "agent": agent,
        "verb": lambda: {"verb": rng.choice(VERBS)},
        "activity": lambda: {"activity": f"http://example.org/activities/{rng.randrange(activities)}"},
        "registration": lambda: {
            "registration": str(uuid.UUID(int=rng.randrange(size // 20) + 1, version=4))
        },
        "since": lambda: {"since": stored_until},
    }
    analytics = {
        "analytics actors": lambda: {
            "sort": rng.choice(["total_statements", "avg_score_scaled", "last_activity"])
        },
        "analytics activities": lambda: {
            "sort": rng.choice(["unique_learners", "passed_count", "total_statements"])
        },
    }
    return {
        **{k: ("/xapi/statements", v) for k, v in lrs.items()},
        **{k: (f"/api/v1/xapi/{k.replace(' ', '/')}", v) for k, v in analytics.items()},
    }


def measure(size: int) -> tuple[dict[str, tuple[float, float]], float]:
    srv = bench_server()
    try:
        rate = fill(srv, size)
        cred = json.loads(api_call(srv, "/api/v1/xapi/credentials", {"name": "bench"}))
        lrs_headers = {
            "X-Experience-API-Version": "1.0.3",
            "Authorization": "Basic "
            + base64.b64encode(f"{cred['username']}:{cred['password']}".encode()).decode(),
        }
        api_headers = {"Authorization": f"Bearer {srv.admin_key}"}
        # `since` a moment before the newest hundred: the page a poller asks for.
        newest = json.loads(api_call(srv, "/api/v1/xapi/statements?limit=100"))["statements"]
        since = newest[-1]["stored"]
        url = urlsplit(srv.url)
        conn = http.client.HTTPConnection(url.hostname, url.port)
        out = {}
        for name, (path, params) in queries(size, since).items():
            headers = api_headers if path.startswith("/api/") else lrs_headers
            limit = {"limit": 100}
            for _ in range(10):  # warm-up: caches as a running server has them
                timed(conn, f"{path}?{urlencode({**params(), **limit})}", headers)
            times = sorted(
                timed(conn, f"{path}?{urlencode({**params(), **limit})}", headers) for _ in range(REQUESTS)
            )
            out[name] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
        conn.close()
        return out, rate
    finally:
        srv.stop()


def main() -> None:
    small, large = 10_000, 100_000 if quick() else 1_000_000
    print(
        f"filling real servers through POST /api/v1/xapi/statements (batches of {BATCH}); "
        f"{REQUESTS} sequential requests per query, page of 100"
    )
    results = {}
    for size in (small, large):
        results[size], rate = measure(size)
        print(f"{size:>9,} statements stored at {rate:,.0f}/s")
    print(
        f"\n{'query':<22}{'p50 ' + format(small, ','):>14}{'p95':>9}{'p50 ' + format(large, ','):>16}{'p95':>9}"
        f"{'p50 ratio':>11}  target"
    )
    for name in results[small]:
        (p50a, p95a), (p50b, p95b) = results[small][name], results[large][name]
        limit = 3 if name.startswith("analytics") else 2
        ratio = p50b / p50a
        print(
            f"{name:<22}{p50a:>12.2f}ms{p95a:>7.2f}ms{p50b:>14.2f}ms{p95b:>7.2f}ms{ratio:>10.2f}x  "
            f"<= {limit}x: {'met' if ratio <= limit else 'MISSED'}"
        )
    print()
    for name in results[small]:  # one figure per line, for scripts
        print(f"p50_ratio_{name.replace(' ', '_')} {results[large][name][0] / results[small][name][0]:.2f}")


if __name__ == "__main__":
    main()
