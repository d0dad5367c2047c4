"""The varied xAPI workload of bench/xapi_ingest.py, and the Python keep-alive client that sends it.

Real content's statements differ from one another in everything an LRS indexes: who, what,
which attempt and how it went. This workload draws each statement from

  - 500 learners (mbox agents, a name each), each with 2 registrations: 1,000 registrations;
  - 200 activities: 10 courses of 20 questions (cmi.interaction, choice/true-false/fill-in,
    a definition each), the course as the parent context activity;
  - verbs in the mix content sends them: answered 70%, experienced 15%, completed 5%,
    passed 5%, failed 5%; answered statements are scored (raw 0-10, scaled, success,
    response, duration), completed/passed/failed ones carry the course score;
  - a fresh id and timestamp each, so no two statements are alike and no POST is a replay.

The statement for a sequence number is a pure function of (seed, number), so ours and ralph
get the same statements in the same order. The client is what an LMS or an xAPI wrapper is: a
Python process per connection with one keep-alive http.client connection, sending as fast as
the LRS answers; each request's latency is recorded.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import random
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

LEARNERS = 500
REGISTRATIONS_PER_LEARNER = 2
COURSES = 10
QUESTIONS = 20  # per course: 200 activities
VERBS = (  # (verb, weight in %)
    ("answered", 70),
    ("experienced", 15),
    ("completed", 5),
    ("passed", 5),
    ("failed", 5),
)
INTERACTIONS = ("choice", "true-false", "fill-in")
ADL = "http://adlnet.gov/expapi/verbs/"
_VERB_TABLE = [verb for verb, weight in VERBS for _ in range(weight)]


def registration_of(learner: int, attempt: int) -> str:
    return str(
        uuid.UUID(
            int=(learner * REGISTRATIONS_PER_LEARNER + attempt + 1) * 0x9E3779B97F4A7C15 % 2**128, version=4
        )
    )


def statement(prefix: str, n: int) -> dict:
    """Statement number `n` of a run whose ids start with `prefix` (24 characters of a UUID)."""
    rng = random.Random(n * 2654435761 % 2**32)
    learner = rng.randrange(LEARNERS)
    course, question = rng.randrange(COURSES), rng.randrange(QUESTIONS)
    verb = _VERB_TABLE[rng.randrange(100)]
    course_id = f"https://lms.example.com/course{course:02d}"
    kind = INTERACTIONS[question % len(INTERACTIONS)]
    st: dict = {
        "id": f"{prefix}{n:012x}",
        "actor": {
            "objectType": "Agent",
            "name": f"Learner {learner}",
            "mbox": f"mailto:learner{learner}@example.com",
        },
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "context": {
            "registration": registration_of(learner, rng.randrange(REGISTRATIONS_PER_LEARNER)),
            "contextActivities": {"parent": [{"id": course_id}]},
            "language": "en-US",
        },
        "timestamp": f"2026-11-{rng.randint(1, 28):02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:"
        f"{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z",
    }
    if verb in ("answered", "experienced"):
        st["object"] = {
            "objectType": "Activity",
            "id": f"{course_id}/q{question:02d}",
            "definition": {
                "name": {"en-US": f"Course {course} question {question}"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": kind,
                "correctResponsesPattern": ["true" if kind == "true-false" else f"answer{question}"],
            },
        }
    else:
        st["object"] = {
            "objectType": "Activity",
            "id": course_id,
            "definition": {
                "name": {"en-US": f"Course {course}"},
                "type": "http://adlnet.gov/expapi/activities/course",
            },
        }
        del st["context"]["contextActivities"]
    if verb != "experienced":
        raw = rng.randint(0, 10)
        st["result"] = {
            "score": {"scaled": raw / 10, "raw": raw, "min": 0, "max": 10},
            "success": verb == "passed" or (verb == "answered" and raw >= 7),
            "completion": verb != "answered" or rng.random() < 0.9,
            "duration": f"PT{rng.randint(5, 900)}S",
        }
        if verb == "answered":
            st["result"]["response"] = "true" if kind == "true-false" else f"answer{rng.randrange(5)}"
    return st


def id_prefix() -> str:
    """A random UUID4's first 24 characters (version and variant included); a sequence number
    of 12 hex digits completes each id. A fresh prefix per load run keeps runs apart."""
    return str(uuid.uuid4())[:24]


def body(prefix: str, first: int, batch: int) -> bytes:
    """The request body for statements first..first+batch-1: one object, or an array."""
    if batch == 1:
        return json.dumps(statement(prefix, first), separators=(",", ":")).encode()
    return json.dumps([statement(prefix, first + i) for i in range(batch)], separators=(",", ":")).encode()


@dataclass
class ClientResult:
    requests: int
    failed: dict  # status -> count
    latencies: list[float]  # seconds, of the measured requests


def _client(args) -> ClientResult:
    url, headers, prefix, client, batch, start, warmup, seconds, bodies = args
    parts = urlsplit(url)
    # Bodies are made before the clock starts: the client's own cost is the send and the read.
    # Each client takes its own stretch of sequence numbers, so no id is sent twice.
    base = client * 10**9
    prepared = [body(prefix, base + i * batch, batch) for i in range(bodies)]
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    latencies: list[float] = []
    failed: dict = {}
    i, measure_from, deadline = 0, start + warmup, start + warmup + seconds
    while time.time() < start:
        time.sleep(0.001)
    while True:
        t0 = time.time()
        if t0 >= deadline:
            break
        if i == len(prepared):  # rare: more requests than were prepared; made on the fly
            prepared.append(body(prefix, base + i * batch, batch))
        conn.request("POST", parts.path, body=prepared[i], headers=headers)
        resp = conn.getresponse()
        resp.read()
        i += 1
        if t0 >= measure_from:
            latencies.append(time.time() - t0)
            if resp.status >= 300:
                failed[resp.status] = failed.get(resp.status, 0) + 1
    conn.close()
    return ClientResult(len(latencies), failed, latencies)


@dataclass
class Measured:
    rate: float  # statements/s answered 2xx
    statements: int
    failed: str  # "status:count,..."
    p50: float  # ms
    p95: float
    p99: float


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _send_result(conn, job) -> None:
    conn.send(_client(job))
    conn.close()


def _in_processes(jobs: list[tuple], timeout: float) -> list[ClientResult]:
    """_client(job) in a process each; their results. Not multiprocessing.Pool: its exit
    (terminate) once hung for good on a worker still waiting on the task queue's lock."""
    ctx = multiprocessing.get_context("fork")
    running = []
    for job in jobs:
        ours, theirs = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_send_result, args=(theirs, job), daemon=True)
        proc.start()
        theirs.close()
        running.append((proc, ours))
    deadline = time.time() + timeout
    results = []
    try:
        for _proc, conn in running:  # read before joining: a large result fills the pipe
            if not conn.poll(max(0.0, deadline - time.time())):
                raise RuntimeError(f"a load client sent no result within {timeout:.0f} s")
            results.append(conn.recv())
    finally:
        for proc, conn in running:
            conn.close()
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    return results


def run(
    url: str, headers: dict, prefix: str, batch: int, clients: int, seconds: float, warmup: float
) -> Measured:
    """`clients` processes POST the workload for warmup + seconds; the measured part is counted."""
    expect = int((seconds + warmup) * (3000 if batch == 1 else 60)) // clients + 10
    start = time.time() + 1.0 + expect * batch / 20000  # time for every client to prepare its bodies
    jobs = [(url, headers, prefix, c, batch, start, warmup, seconds, expect) for c in range(clients)]
    results = _in_processes(jobs, timeout=start - time.time() + warmup + seconds + 120)
    latencies = sorted(lat for r in results for lat in r.latencies)
    failed: dict = {}
    for r in results:
        for status, count in r.failed.items():
            failed[status] = failed.get(status, 0) + count
    ok = sum(r.requests for r in results) - sum(failed.values())
    return Measured(
        ok * batch / seconds,
        ok * batch,
        ",".join(f"{s}:{c}" for s, c in sorted(failed.items())),
        percentile(latencies, 0.50) * 1000,
        percentile(latencies, 0.95) * 1000,
        percentile(latencies, 0.99) * 1000,
    )
