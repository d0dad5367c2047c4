"""xAPI statement ingest on loopback: statements/s for single-statement POSTs and for batches of
100, with 1 and 4 clients, measured in one run for
  - this appliance's standard LRS (POST /xapi/statements, HTTP Basic, xAPI 1.0.3);
  - ralph-malph 5.1.0, the open-source Python LRS, under the same load (its mongo backend on
    mongomock, the setup that runs here: no MongoDB server installs from this machine's registries);
  - a plain sqlite3 insert of the same JSON rows (id, json): the floor of this design. WAL,
    synchronous=NORMAL and one writer at a time behind a lock, as the appliance runs SQLite; one
    commit per statement for single POSTs, one per 100 rows for batches.
Targets: at least 5x ralph on single statements and 3x on batches. Prints met / NOT met; exits 0.

Every statement (~800 bytes: actor mbox, verb, activity with definition, scored result, context
with registration) carries a fresh id, so no POST is an idempotent replay. Every cell starts from
an empty store (fresh server processes), so no server is measured against rows an earlier cell
left behind (mongomock scans its whole collection for the id lookup of every POST).

ralph runs from a venv of its own outside the repo, created on first use under
~/.cache/scorm-bench/ralph-venv ($SCORM_BENCH_RALPH_VENV overrides). Load comes from wrk
(apt-get install wrk). --quick: short cells.
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _common import api_call, bench_server, quick
from tests.support import lrs_credentials_json, scratch_dir, wait_until

RALPH_VERSION = "5.1.0"
# `requests` is imported by ralph's CLI but declared by none of its extras.
RALPH_REQUIREMENTS = (f"ralph-malph[lrs,cli,backend-mongo]=={RALPH_VERSION}", "mongomock==4.3.0", "requests")
BATCH = 100
CLIENTS = (1, 4)
TARGETS = {1: 5.0, BATCH: 3.0}  # minimum ratio to ralph, by statements per request
XAPI_VERSION = "1.0.3"
ID_MARK = "@ID@"

# Runs in ralph's venv. mongomock replaces pymongo's client before ralph imports it (ralph builds
# its backend client at import). ralph passes its unset client options as None, which pymongo
# reads as "default" and mongomock refuses, so they are dropped. The socket is bound here so the
# port is known without a race.
RALPH_LAUNCHER = """
import socket
import mongomock, pymongo

class MongoClient(mongomock.MongoClient):
    def __init__(self, *args, **options):
        super().__init__(*args, **{k: v for k, v in options.items() if v is not None})

pymongo.MongoClient = MongoClient
import uvicorn
from ralph.api import app
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
"""

LUA = """
-- Every statement gets a fresh id: a re-posted id is a no-op, which would inflate the figures.
wrk.method = "POST"
%(headers)s
local templates = {%(templates)s}
local batch, prefix, n = %(batch)d, "%(prefix)s", 0
codes = {}  -- global: done() reads each thread's copy
local threads = {}

local function statement()
  n = n + 1
  local t = templates[n %% #templates + 1]
  return t[1] .. prefix .. string.format("%%012x", n) .. t[2]
end

function setup(thread) table.insert(threads, thread) end

function request()
  if batch == 1 then return wrk.format(nil, nil, nil, statement()) end
  local body = {}
  for i = 1, batch do body[i] = statement() end
  return wrk.format(nil, nil, nil, "[" .. table.concat(body, ",") .. "]")
end

function response(status)
  if status >= 300 then codes[status] = (codes[status] or 0) + 1 end
end

function done(summary)
  local e, failed = summary.errors, {}
  for _, t in ipairs(threads) do
    for status, count in pairs(t:get("codes")) do table.insert(failed, status .. ":" .. count) end
  end
  io.write(string.format("RESULT %%d %%d %%d %%s\\n", summary.requests, summary.duration,
                         e.connect + e.read + e.write + e.timeout, table.concat(failed, ",")))
end
"""


def statement_templates(count: int = BATCH) -> list[tuple[str, str]]:
    """`count` realistic statements as compact JSON, split around the id each POST fills in."""
    rng = random.Random(7)
    out = []
    for n in range(count):
        q, score = n % 20 + 1, rng.randint(0, 10)
        st = {
            "id": ID_MARK,
            "actor": {
                "objectType": "Agent",
                "name": f"Learner {n}",
                "mbox": f"mailto:learner{n}@example.com",
            },
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
            "object": {
                "objectType": "Activity",
                "id": f"https://lms.example.com/fire101/quiz/q{q}",
                "definition": {
                    "name": {"en-US": f"Question {q}"},
                    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                    "interactionType": "choice",
                    "correctResponsesPattern": ["co2"],
                },
            },
            "result": {
                "score": {"scaled": score / 10, "raw": score, "min": 0, "max": 10},
                "success": score >= 7,
                "completion": True,
                "response": "co2",
                "duration": f"PT{rng.randint(5, 300)}S",
            },
            "context": {
                "registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "contextActivities": {"parent": [{"id": "https://lms.example.com/fire101/quiz"}]},
                "language": "en-US",
            },
            "timestamp": f"2026-11-23T10:{n % 60:02d}:00.000Z",
        }
        before, after = json.dumps(st, separators=(",", ":")).split(ID_MARK)
        out.append((before, after))
    return out


TEMPLATES = statement_templates()


def id_prefix() -> str:
    """A random UUID4's first 24 characters (version and variant included); a sequence number
    of 12 hex digits completes each id. A fresh prefix per load run keeps runs apart."""
    return str(uuid.uuid4())[:24]


def statement_json(prefix: str, n: int) -> tuple[str, str]:
    """Statement number `n` of a run: (id, JSON text), as the wrk script builds it."""
    before, after = TEMPLATES[n % len(TEMPLATES)]
    sid = f"{prefix}{n:012x}"
    return sid, f"{before}{sid}{after}"


def basic_auth(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {
        "Authorization": f"Basic {token}",
        "Content-Type": "application/json",
        "X-Experience-API-Version": XAPI_VERSION,
    }


@dataclass
class Target:
    """An LRS under test: where to POST, with which headers, its log, and (when the LRS can
    tell) how many statements it holds."""

    url: str
    headers: dict
    log: Path
    stored: Callable[[], int] | None = None


@dataclass
class Load:
    rate: float  # statements/s answered 2xx
    statements: int
    failed: str  # "status:count,..." of non-2xx answers
    socket_errors: int


# ---- the systems under test ---------------------------------------------------------------


@contextmanager
def appliance():
    srv = bench_server()
    try:
        cred = lrs_credentials_json(srv.data_dir, "--name", "bench")

        def stored() -> int:
            page = json.loads(api_call(srv, "/api/v1/xapi/statements?limit=1"))
            return page["pagination"]["total"]

        yield Target(
            srv.url + "/xapi/statements",
            basic_auth(cred["username"], cred["password"]),
            srv.stderr_path,
            stored,
        )
    finally:
        srv.stop()
        shutil.rmtree(srv.data_dir.parent, ignore_errors=True)


def ralph_python() -> Path:
    """ralph's venv python; the venv is created (once) when missing or not the pinned version."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = Path(os.environ.get("SCORM_BENCH_RALPH_VENV") or cache / "scorm-bench" / "ralph-venv")
    python = venv / "bin" / "python"
    probe = [str(python), "-c", f"import mongomock, ralph; assert ralph.__version__ == {RALPH_VERSION!r}"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        print(f"ralph: ralph-malph {RALPH_VERSION} from the venv {venv}")
        return python
    print(
        f"ralph: creating the venv {venv} and installing {' '.join(RALPH_REQUIREMENTS)} "
        "(once; about a minute)",
        flush=True,
    )
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *RALPH_REQUIREMENTS],
        check=True,
    )
    subprocess.run(probe, check=True)
    return python


def _answers(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except OSError:
        return False


@contextmanager
def ralph(python: Path):
    home = scratch_dir("ralph-bench-")
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(home),
        "RALPH_AUTH_FILE": str(home / "auth.json"),
        "RALPH_RUNSERVER_BACKEND": "mongo",
    }
    password = secrets.token_urlsafe(16)
    # ralph's own basic-auth file (bcrypt hash; ralph caches a checked password, so bcrypt is
    # paid once, not per request).
    subprocess.run(
        [
            str(python.parent / "ralph"),
            "auth",
            "-u",
            "bench",
            "-p",
            password,
            "-s",
            "all",
            "-M",
            "mailto:bench@example.com",
            "-w",
        ],
        env=env,
        capture_output=True,
        check=True,
    )
    launcher = home / "launch.py"
    launcher.write_text(RALPH_LAUNCHER)
    log = home / "ralph.log"
    proc = subprocess.Popen(
        [str(python), str(launcher)], env=env, stdout=subprocess.PIPE, stderr=log.open("w"), text=True
    )
    try:
        port = proc.stdout.readline().strip()
        if not port:
            raise RuntimeError(f"ralph did not start:\n{log.read_text()}")
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _answers(base + "/__lbheartbeat__"), timeout=30)
        yield Target(base + "/xAPI/statements", basic_auth("bench", password), log)
    finally:
        proc.terminate()
        proc.wait(20)
        shutil.rmtree(home, ignore_errors=True)


# ---- load -----------------------------------------------------------------------------------


def lua_script(headers: dict, batch: int) -> str:
    return LUA % {
        "headers": "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()),
        # Long brackets: the JSON needs no escaping.
        "templates": ",\n".join(f"{{[==[{b}]==], [==[{a}]==]}}" for b, a in TEMPLATES),
        "batch": batch,
        "prefix": id_prefix(),
    }


def run_wrk(target: Target, batch: int, clients: int, seconds: int) -> Load:
    script = scratch_dir("xapi-bench-") / "ingest.lua"
    script.write_text(lua_script(target.headers, batch))
    try:
        # One wrk thread drives 4 connections easily; a second would take CPU from the server
        # on this small machine. The long timeout: a batch on a slow LRS may take seconds.
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{clients}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                target.url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        shutil.rmtree(script.parent, ignore_errors=True)
    result = re.search(r"^RESULT (\d+) (\d+) (\d+) ?(.*)$", out, re.M)
    if not result:
        raise SystemExit(f"wrk gave no result for {target.url}:\n{out}")
    requests, micros, socket_errors, failed = result.groups()
    ok = int(requests) - sum(int(c.split(":")[1]) for c in failed.split(",") if c)
    return Load(ok * batch / (int(micros) / 1e6), ok * batch, failed, int(socket_errors))


def check_accepts(target: Target) -> None:
    """One statement and a batch of two: fail fast, with the LRS's answer, if it refuses them."""
    prefix = id_prefix()
    for body in (
        statement_json(prefix, 0)[1],
        f"[{statement_json(prefix, 1)[1]},{statement_json(prefix, 2)[1]}]",
    ):
        req = urllib.request.Request(target.url, data=body.encode(), headers=target.headers, method="POST")
        try:
            urllib.request.urlopen(req, timeout=30).read()
        except urllib.error.HTTPError as e:
            raise SystemExit(
                f"{target.url} refused the bench statements: HTTP {e.code} {e.read()[:500]!r}"
            ) from None


def measure(system, batch: int, clients: int, seconds: int, warmup: int) -> Load:
    with system() as target:
        check_accepts(target)
        run_wrk(target, batch, clients, warmup)
        before = target.stored() if target.stored else None
        load = run_wrk(target, batch, clients, seconds)
        report_problems(target, load, before)
    return load


def report_problems(target: Target, load: Load, stored_before: int | None) -> None:
    """Say so when answers failed, and check that the store grew by what was counted (requests
    still in flight when wrk stops may add a few more, never fewer)."""
    if load.failed or load.socket_errors:
        tail = "\n    ".join(target.log.read_text().splitlines()[-5:])
        print(
            f"\n  ! {target.url}: non-2xx {load.failed or 'none'}, socket errors {load.socket_errors}; "
            f"log tail:\n    {tail}"
        )
    if stored_before is not None:
        grew = target.stored() - stored_before
        if grew < load.statements:
            print(f"\n  ! {target.url}: counted {load.statements} statements but the store grew by {grew}")


# ---- the floor: plain sqlite3 ------------------------------------------------------------


def sqlite_floor(batch: int, clients: int, seconds: int) -> float:
    """Rows/s for `clients` threads inserting (id, json) rows, one transaction per `batch`."""
    folder = scratch_dir("sqlite-floor-")
    path = folder / "floor.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=wal")
        conn.execute("CREATE TABLE statements (id TEXT PRIMARY KEY, json TEXT NOT NULL)")
    write_lock = threading.Lock()  # one writer at a time, as the appliance queues its writers
    deadline = time.perf_counter() + seconds

    def writer(_) -> int:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA synchronous=NORMAL")
        prefix, n = id_prefix(), 0
        while time.perf_counter() < deadline:
            rows = [statement_json(prefix, n + i) for i in range(batch)]
            n += batch
            with write_lock:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT INTO statements (id, json) VALUES (?, ?)", rows)
                conn.execute("COMMIT")
        conn.close()
        return n

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        rows = sum(pool.map(writer, range(clients)))
    elapsed = time.perf_counter() - start
    shutil.rmtree(folder, ignore_errors=True)
    return rows / elapsed


# ---- the run ---------------------------------------------------------------------------------


def cell_name(batch: int, clients: int) -> str:
    return f"{'single' if batch == 1 else f'batch{batch}'}, {clients} client{'s' if clients > 1 else ''}"


def print_table(rows: list[tuple[int, int, Load, Load, float]]) -> None:
    print()
    print(
        f"{'cell':<20}{'appliance/s':>12}{'ralph/s':>10}{'ratio':>8}  {'target':<14}"
        f"{'sqlite floor/s':>15}{'of floor':>10}"
    )
    for batch, clients, ours, theirs, floor in rows:
        ratio, target = ours.rate / theirs.rate, TARGETS[batch]
        verdict = f">={target:g}x {'met' if ratio >= target else 'NOT met'}"
        print(
            f"{cell_name(batch, clients):<20}{ours.rate:>12,.0f}{theirs.rate:>10,.0f}{ratio:>7.1f}x  "
            f"{verdict:<14}{floor:>15,.0f}{ours.rate / floor:>9.3f}x"
        )
    most = max(theirs.statements for *_, theirs, _ in rows)
    print(
        f"note: ralph/s falls as its store fills (mongomock scans the collection for each POST's id "
        f"lookup); its measured runs stored up to {most:,} statements each, after the warm-up"
    )


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("bench/xapi_ingest.py needs wrk (apt-get install wrk)")
    seconds, warmup = (3, 1) if quick() else (10, 2)
    python = ralph_python()
    size = len(statement_json(id_prefix(), 0)[1])
    print(
        f"load: wrk, 1 thread, {seconds} s per cell after {warmup} s of warm-up, fresh servers per cell; "
        f"statements ~{size} bytes, each with a fresh id; xAPI {XAPI_VERSION}"
    )
    rows = []
    for batch in (1, BATCH):
        for clients in CLIENTS:
            print(f"{cell_name(batch, clients)}: appliance ...", end=" ", flush=True)
            ours = measure(appliance, batch, clients, seconds, warmup)
            print(f"{ours.rate:,.0f}/s; ralph ...", end=" ", flush=True)
            theirs = measure(lambda: ralph(python), batch, clients, seconds, warmup)
            print(f"{theirs.rate:,.0f}/s; sqlite floor ...", end=" ", flush=True)
            floor = sqlite_floor(batch, clients, seconds)
            print(f"{floor:,.0f}/s", flush=True)
            rows.append((batch, clients, ours, theirs, floor))
    print_table(rows)


if __name__ == "__main__":
    main()
