"""Sync to cloud at scale: 20 packages totalling ~1 GB, 10,000 sessions with CMI data and
100,000 xAPI statements, from one appliance (the laptop) to a second one on loopback in
cloud-contract mode (the cloud's documented API only), by `scorm-api sync`. In the same run, a
minimal script sends the same bytes and rows through the same documented endpoints (presigned
upload + process + wait ready per zip; launch + PUT per session with the CMI, statuses, score
and time the sync sends; the statements a cloud target takes, in batches of 500) to a third,
fresh cloud-mode instance: the floor of what a sync can cost. Then a second sync with nothing
changed.

Targets (issue 26): sync wall time <= 1.2x the minimal script; a no-change re-run under 2% of
the first run; the sync's peak memory flat in the data size (within 10% of --quick's). Prints
met / NOT met; exits 0. --quick: 20 x 2 MB, 500 sessions, 5,000 statements.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from _common import bench_server, quick, stop_servers
from tests.support import scratch_dir, write_generated_package

PACKAGES = 20
PACKAGE_BYTES, SESSIONS, STATEMENTS = (2 << 20, 500, 5_000) if quick() else (50 << 20, 10_000, 100_000)
BATCH = 500


def api(srv) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {srv.admin_key}"
    return s


def ok(resp: requests.Response) -> dict:
    if resp.status_code >= 300:
        raise SystemExit(f"{resp.request.method} {resp.url}: {resp.status_code} {resp.text[:300]}")
    return resp.json() if resp.content else {}


def upload(http: requests.Session, srv, path: Path) -> dict:
    """The seed's presigned flow, then wait until the package is ready."""
    ticket = ok(
        http.post(
            srv.url + "/api/v1/packages/upload-url",
            json={"filename": path.name, "file_size": path.stat().st_size},
        )
    )
    with path.open("rb") as f:
        ok(requests.put(ticket["presigned_url"], data=f, headers=ticket["required_put_headers"], timeout=600))
    pkg = ok(
        http.post(
            srv.url + "/api/v1/packages/process",
            json={"storage_path": ticket["storage_path"], "original_filename": path.name},
        )
    )
    while pkg.get("status") == "processing":
        time.sleep(0.05)
        pkg = ok(http.get(f"{srv.url}/api/v1/packages/{pkg['id']}"))
    return pkg


def session_body(n: int) -> dict:
    cmi = {
        "cmi.core.lesson_status": ("passed", "failed", "incomplete")[n % 3],
        "cmi.core.score.raw": str(n % 101),
        "cmi.core.lesson_location": f"page-{n % 17}",
        "cmi.suspend_data": "x" * 512,
    }
    for i in range(3):
        cmi.update(
            {
                f"cmi.interactions.{i}.id": f"q{i}",
                f"cmi.interactions.{i}.type": "choice",
                f"cmi.interactions.{i}.student_response": "a",
                f"cmi.interactions.{i}.result": "correct",
            }
        )
    return {"cmi_data": cmi, "session_time": f"PT{n % 50 + 1}M"}


def statement(n: int) -> dict:
    return {
        "id": f"00000000-0000-4000-8000-{n:012x}",
        "actor": {
            "objectType": "Agent",
            "name": f"Learner {n % 1000}",
            "mbox": f"mailto:l{n % 1000}@example.org",
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {
            "id": f"http://example.org/course/{n % 50}/page/{n % 20}",
            "definition": {"name": {"en-US": "A page"}},
        },
        "result": {"score": {"scaled": (n % 10) / 10}},
        "timestamp": "2026-11-23T10:00:00Z",
    }


def laptop_statements(laptop) -> list[dict]:
    """The statements a cloud target takes from the laptop (its own; those the SCORM bridge
    derived it derives itself), as a sync sends them: read from its database file in commit
    order, the LRS-set properties left out."""
    with sqlite3.connect(laptop.data_dir / "scorm-api.db") as db:
        rows = db.execute("SELECT body FROM xapi_statement ORDER BY seq").fetchall()
    bodies = [json.loads(body) for (body,) in rows]
    return [
        {k: v for k, v in b.items() if k not in ("stored", "authority")}
        for b in bodies
        if ((b.get("authority") or {}).get("account") or {}).get("name") != "scorm-player"
    ]


def laptop_sessions(laptop) -> list[dict]:
    """What the sync's PUT carries for each session to a cloud target: the item's CMI data,
    the session's statuses, score and time (read from the laptop's database file)."""
    with sqlite3.connect(laptop.data_dir / "scorm-api.db") as db:
        rows = db.execute(
            "SELECT s.user_id, p.original_filename, st.cmi, s.completion_status, s.success_status, "
            "s.score_scaled, s.score_raw, s.score_min, s.score_max, s.time_spent_seconds "
            "FROM learner_session s JOIN sco_state st ON st.session_id = s.id "
            "JOIN package p ON p.id = s.package_id ORDER BY s.user_id"
        ).fetchall()
    out = []
    for user, pkg, cmi, completion, success, *score, seconds in rows:
        body = {"cmi_data": json.loads(cmi), "completion_status": completion, "success_status": success}
        body["score"] = {
            k: v for k, v in zip(("scaled", "raw", "min", "max"), score, strict=True) if v is not None
        }
        body["session_time"] = f"PT{int(seconds // 3600)}H{int(seconds % 3600 // 60)}M{seconds % 60:.2f}S"
        out.append({"user_id": user, "zip": pkg, "body": body})
    return out


def send_all(srv, zips: list[Path], sessions: list[dict], statements: list[dict]) -> None:
    """The same bytes and rows, through the cloud's documented endpoints, one request at a
    time (as a sync sends them)."""
    http = api(srv)
    packages = {z.name: upload(http, srv, z)["id"] for z in zips}
    for s in sessions:
        sid = str(uuid.uuid4())
        ok(
            http.post(
                f"{srv.url}/api/v1/packages/{packages[s['zip']]}/launch",
                json={"user_id": s["user_id"], "session_id": sid},
            )
        )
        ok(http.put(f"{srv.url}/api/v1/sessions/{sid}", json=s["body"]))
    for i in range(0, len(statements), BATCH):
        ok(http.post(srv.url + "/api/v1/xapi/statements", json=statements[i : i + BATCH]))


def fill_laptop(srv, zips: list[Path]) -> None:
    """The laptop's data, filled in parallel (untimed)."""
    http = api(srv)
    with ThreadPoolExecutor(4) as pool:
        packages = [p["id"] for p in pool.map(lambda z: upload(api(srv), srv, z), zips)]

        def one(n):
            s = ok(
                http.post(
                    srv.url + "/api/v1/sessions",
                    json={"package_id": packages[n % len(packages)], "user_id": f"learner-{n}"},
                )
            )["session"]
            ok(http.put(f"{srv.url}/api/v1/sessions/{s['id']}", json=session_body(n)))

        list(pool.map(one, range(SESSIONS)))
        list(
            pool.map(
                lambda i: ok(
                    http.post(
                        srv.url + "/api/v1/xapi/statements",
                        json=[statement(n) for n in range(i, min(STATEMENTS, i + 1000))],
                    )
                ),
                range(0, STATEMENTS, 1000),
            )
        )


# Runs the sync command as a child and prints its peak RSS (KiB) last on stderr.
MEASURED = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


def run_sync(laptop, cloud, tenant_id: str) -> tuple[float, dict, float]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURED,
            sys.executable,
            "-m",
            "scorm_api",
            "sync",
            "--data-dir",
            str(laptop.data_dir),
            "--to",
            cloud.url,
            "--api-key",
            cloud.admin_key,
            "--tenant-id",
            tenant_id,
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"sync failed ({out.returncode}): {out.stdout[-2000:]} {out.stderr[-2000:]}")
    return elapsed, json.loads(out.stdout), int(out.stderr.strip().splitlines()[-1]) / 1024


def tenant_of(srv) -> str:
    # a cloud-mode server lists no tenants (an extension of ours): read it off its data dir
    with sqlite3.connect(srv.data_dir / "scorm-api.db") as db:
        return db.execute("SELECT tenant_id FROM api_key ORDER BY created_at LIMIT 1").fetchone()[0]


def main() -> None:
    work = scratch_dir("sync-bench-")
    zips = [
        write_generated_package(work / f"course-{i:02d}.zip", files=100, total_bytes=PACKAGE_BYTES, seed=i)
        for i in range(PACKAGES)
    ]
    total = sum(z.stat().st_size for z in zips)
    print(
        f"data: {PACKAGES} packages, {total / 2**20:,.0f} MiB; {SESSIONS:,} sessions; {STATEMENTS:,} statements"
    )
    servers = [bench_server(), *(bench_server(env={"SCORM_API_CONTRACT": "cloud"}) for _ in range(2))]
    laptop, cloud, floor = servers
    try:
        t0 = time.perf_counter()
        fill_laptop(laptop, zips)
        print(f"laptop filled in {time.perf_counter() - t0:.1f} s")

        statements, sessions = laptop_statements(laptop), laptop_sessions(laptop)
        t0 = time.perf_counter()
        send_all(floor, zips, sessions, statements)
        minimal = time.perf_counter() - t0
        print(f"minimal script (same endpoints, same bytes and rows): {minimal:.1f} s")

        first, run, rss = run_sync(laptop, cloud, tenant_of(cloud))
        counts = run["report"]["counts"]
        print(
            f"sync: {first:.1f} s, peak RSS {rss:.0f} MiB; created "
            + ", ".join(f"{c['created']} {k}" for k, c in counts.items())
        )
        again, rerun, rss2 = run_sync(laptop, cloud, tenant_of(cloud))
        sent = sum(c["created"] + c["updated"] for c in rerun["report"]["counts"].values())
        print(f"no-change re-run: {again:.2f} s ({sent} objects sent), peak RSS {rss2:.0f} MiB")

        ratio, rerun_share = first / minimal, again / first
        print()
        print(
            f"sync / minimal script: {ratio:.2f}x  (target <= 1.2x: {'met' if ratio <= 1.2 else 'NOT met'})"
        )
        print(
            f"re-run / first run: {rerun_share * 100:.1f}%  (target < 2%: {'met' if rerun_share < 0.02 else 'NOT met'})"
        )
        print(
            f"sync peak RSS: {rss:.0f} MiB for {total / 2**20:,.0f} MiB of packages, {SESSIONS:,} sessions, "
            f"{STATEMENTS:,} statements (compare --quick for flatness)"
        )
        print()
        print(f"sync_over_minimal {ratio:.3f}")
        print(f"rerun_share {rerun_share:.4f}")
        print(f"sync_peak_rss_mb {rss:.1f}")
    finally:
        stop_servers(servers, work)


if __name__ == "__main__":
    main()
