"""Dashboard server time with 100,000 sessions and 500 packages in the database.

A page's server time is its HTML shell plus every REST call its script makes on load, one
after another (the browser overlaps some; this is the upper bound), each the median of
several runs on loopback. Prints every page and the slowest. Target: every page < 200 ms.
"""

import http.cookiejar
import json
import random
import re
import sqlite3
import statistics
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from _common import api_call, bench_server, presigned_put, quick
from tests.support import fixture

TARGET_MS = 200
PASSWORD = "bench dashboard pw"
NAMES = ["Ann Lee", "Bo Chen", "Cy Diaz", "Dee Ford", "Eli Gray", "Fay Hunt", "Gus Ito", "Hal Jones"]


def seed(srv, packages: int, sessions: int) -> tuple[str, str]:
    """Copies of one real package, then sessions spread over them, written straight to the
    database (the server is running: SQLite takes the second writer in turn)."""
    ticket, _ = presigned_put(srv, fixture("golf_scorm2004_3ed_seq_forced_sequential.zip"))
    real = json.loads(api_call(srv, "/api/v1/packages/process", {"storage_path": ticket["storage_path"]}))
    db = sqlite3.connect(srv.data_dir / "scorm-api.db", timeout=30)
    db.execute("PRAGMA busy_timeout = 30000")
    cols = [r[1] for r in db.execute("PRAGMA table_info(package)")]
    row = dict(zip(cols, db.execute("SELECT * FROM package WHERE id = ?", (real["id"],)).fetchone()))
    tenant = row["tenant_id"]
    rng = random.Random(7)
    start = datetime(2026, 8, 1, tzinfo=UTC)

    def stamp(day_span=90) -> str:
        t = start + timedelta(seconds=rng.randrange(day_span * 86400))
        return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    pkg_ids = [real["id"]]
    with db:
        for n in range(1, packages):
            pid = str(uuid.uuid4())
            pkg_ids.append(pid)
            copy = dict(
                row,
                id=pid,
                family_id=pid,  # each its own package, at its first version
                title=f"Course {n:03d}: {row['title']}",
                created_at=stamp(),
                updated_at=stamp(),
            )
            db.execute(
                f"INSERT INTO package ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [copy[c] for c in cols],
            )
    batch = []
    for n in range(sessions):
        completion = rng.choice(["completed", "completed", "incomplete", "incomplete", "not_attempted"])
        success = rng.choice(["passed", "failed", "unknown"]) if completion == "completed" else "unknown"
        scaled = round(rng.random(), 2) if completion == "completed" else None
        created, updated = stamp(), stamp()
        pkg = rng.choice(pkg_ids)
        batch.append(
            (
                str(uuid.uuid4()),
                tenant,
                pkg,
                pkg,  # the version it runs: the package's only one
                f"learner-{n:06d}",
                rng.choice(NAMES),
                1,
                True,
                completion,
                success,
                scaled,
                None if scaled is None else scaled * 100,
                None if scaled is None else 0,
                None if scaled is None else 100,
                rng.randrange(0, 7200),
                1,
                rng.randrange(0, 5),
                created,
                updated,
                updated if completion == "completed" else None,
                created,
                updated,
            )
        )
        if len(batch) == 5000 or n == sessions - 1:
            with db:
                db.executemany(
                    "INSERT INTO learner_session (id, tenant_id, package_id, package_version_id, user_id, "
                    "user_name, attempt, "
                    "is_current, completion_status, success_status, score_scaled, score_raw, score_min, "
                    "score_max, time_spent_seconds, version, launch_count, first_launched_at, "
                    "last_launched_at, completed_at, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
            batch = []
    db.execute("ANALYZE")
    db.close()
    # One learner with real runtime data (SCO state, interactions, a call log) for the session page.
    made = json.loads(
        api_call(srv, "/api/v1/sessions", {"package_id": real["id"], "user_id": "learner-real"})
    )
    api_call(
        srv,
        f"/api/v1/sessions/{made['session']['id']}",
        method="PUT",
        body={
            "completion_status": "completed",
            "success_status": "passed",
            "score": {"raw": 90, "min": 0, "max": 100},
            "cmi_data": {
                f"cmi.interactions.{i}.{k}": v
                for i in range(20)
                for k, v in (
                    ("id", f"q{i}"),
                    ("type", "choice"),
                    ("learner_response", "a"),
                    ("result", "correct"),
                )
            },
        },
    )
    return real["id"], made["session"]["id"]


def statement_days(days: int = 14) -> list[str]:
    """The analytics page's per-day statement counts (one request per day, as its script)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    out = []
    for i in range(days - 1, -1, -1):
        since = today - timedelta(days=i)
        out.append(
            "/api/v1/xapi/statements?limit=1&since="
            + urllib.parse.quote(since.isoformat().replace("+00:00", "Z"))
            + "&until="
            + urllib.parse.quote((since + timedelta(days=1)).isoformat().replace("+00:00", "Z"))
        )
    return out


def signed_in_opener(srv):
    """A urllib opener holding a dashboard sign-in cookie (first-run password set on the way)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(srv.url + "/dashboard/login").read().decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"form_token": token, "password": PASSWORD, "confirm": PASSWORD}).encode()
    opener.open(srv.url + "/dashboard/login", data=form).read()
    return opener


def median_ms(fetch, runs: int) -> float:
    fetch()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fetch()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    packages, sessions = (50, 5_000) if quick() else (500, 100_000)
    runs = 3 if quick() else 7
    srv = bench_server()
    try:
        t0 = time.perf_counter()
        pkg_id, session_id = seed(srv, packages, sessions)
        seeded = time.perf_counter() - t0
        opener = signed_in_opener(srv)
        last_sessions_page = sessions // 20
        pages = {
            "packages": ["/dashboard/packages", "/api/v1/packages?page=1&limit=20"],
            "packages, searched": [
                "/dashboard/packages",
                "/api/v1/packages?page=1&limit=20&search=course%2004",
            ],
            "packages, last page": [
                "/dashboard/packages",
                f"/api/v1/packages?page={packages // 20}&limit=20",
            ],
            "package": [f"/dashboard/packages/{pkg_id}", f"/api/v1/packages/{pkg_id}"],
            "sessions": [
                "/dashboard/sessions",
                "/api/v1/packages?limit=100",
                "/api/v1/sessions?page=1&limit=20",
            ],
            "sessions, by score": [
                "/dashboard/sessions",
                "/api/v1/packages?limit=100",
                "/api/v1/sessions?page=1&limit=20&sort=score&order=asc",
            ],
            "sessions, by learner, completed": [
                "/dashboard/sessions",
                "/api/v1/packages?limit=100",
                "/api/v1/sessions?page=1&limit=20&sort=user_id&order=asc&completion_status=completed",
            ],
            "sessions, searched": [
                "/dashboard/sessions",
                "/api/v1/packages?limit=100",
                "/api/v1/sessions?page=1&limit=20&search=learner-0999",
            ],
            "sessions, one package": [
                "/dashboard/sessions",
                "/api/v1/packages?limit=100",
                f"/api/v1/sessions?page=1&limit=20&package_id={pkg_id}",
            ],
            "sessions, last page": [
                "/dashboard/sessions",
                "/api/v1/packages?limit=100",
                f"/api/v1/sessions?page={last_sessions_page}&limit=20",
            ],
            "sessions, by score, last page": [
                "/dashboard/sessions",
                "/api/v1/packages?limit=100",
                f"/api/v1/sessions?page={last_sessions_page}&limit=20&sort=score",
            ],
            "sessions, by last launch": [
                "/dashboard/sessions",
                "/api/v1/packages?limit=100",
                f"/api/v1/sessions?page={last_sessions_page // 2}&limit=20&sort=last_launched_at",
            ],
            "session": [
                f"/dashboard/sessions/{session_id}",
                f"/api/v1/sessions/{session_id}",
                f"/api/v1/sessions/{session_id}/log",
            ],
            "analytics": [
                "/dashboard/analytics",
                "/api/v1/packages?limit=100",
                "/api/v1/xapi/analytics/activities?activity_type=http%3A%2F%2Fadlnet.gov%2Fexpapi%2Factivities%2Fcourse"
                "&sort=unique_learners&limit=10",
                "/api/v1/xapi/analytics/actors?sort=last_activity&limit=100",
                *statement_days(),
            ],
            "sync": [
                "/dashboard/sync",
                "/api/v1/sync/target",
                "/api/v1/sync/runs?limit=1",
                "/api/v1/sync/conflicts?status=open&limit=50",
                "/api/v1/sync/runs?limit=10",
            ],
            "api keys": ["/dashboard/keys", "/api/v1/api-keys?limit=100"],
            "account": ["/dashboard/account"],
        }
        results = {}
        for name, paths in pages.items():
            results[name] = sum(median_ms(lambda p=p: opener.open(srv.url + p).read(), runs) for p in paths)
    finally:
        srv.stop()
    print(
        f"data: {packages} packages, {sessions} sessions (seeded in {seeded:.1f} s); median of {runs} runs per request"
    )
    for name, ms in results.items():
        print(f"  {name:<38} {ms:7.1f} ms")
    worst = max(results, key=results.get)
    print(
        f"slowest_page_ms {results[worst]:.1f} ({worst}; target < {TARGET_MS}: "
        f"{'met' if results[worst] < TARGET_MS else 'NOT met'})"
    )
