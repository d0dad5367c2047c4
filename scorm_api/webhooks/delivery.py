"""Delivering the outbox: at least once, in order per webhook and object, retried.

A worker thread (woken at once when an event is recorded) claims due deliveries: the oldest
pending one of each (webhook, object), so a receiver never sees a session's progress after its
completion. A claim is a lease (the attempt counted, the next try pushed LEASE_SECONDS out) in
its own transaction: a process killed mid-delivery leaves it due again when the lease ends,
and it goes out after the restart. Then the POSTs, several at once, each outcome recorded:

- 2xx: delivered;
- 4xx other than 408 and 429: failed for good (the receiver refused it);
- 429: again after its Retry-After;
- 5xx, 408, a timeout: again with exponential backoff and jitter, until MAX_AGE_SECONDS after
  the event (about as long as SCORM Cloud's 70 tries), then failed;
- no connection at all (offline, the receiver down): again, at most OFFLINE_RETRY_SECONDS
  apart and with no age limit, so what queued while offline goes out once it is reachable,
  with its original occurred_at.

Batches overlap: while one batch's POSTs are out, the next is claimed and the one before is
recorded (its leases keep the next delivery of each of its objects waiting, so the order
holds). Every try is an Attempt row (the delivery log). A webhook whose deliveries have failed for
DISABLE_AFTER_SECONDS without one success is disabled, with the reason, until its user
enables it again.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from scorm_api import outbound
from scorm_api.db import PreparedText, new_id, utcnow_iso, write_transaction
from scorm_api.sessions import serialize
from scorm_api.sessions.services import find_sessions
from scorm_api.state import State
from scorm_api.tenants.models import Tenant
from scorm_api.version import __version__
from scorm_api.webhooks import events, secrets, signing
from scorm_api.webhooks.models import Delivery, Webhook, WebhookEvent

if TYPE_CHECKING:
    import urllib3  # imported by the first POST (outbound.Pools): start-up time

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
BATCH = 64
SENDERS = 8  # POSTs in flight at once
LEASE_SECONDS = 60.0
BACKOFF_CAP_SECONDS = 3600.0
OFFLINE_RETRY_SECONDS = 300.0
MAX_AGE_SECONDS = 24 * 3600.0
DISABLE_AFTER_SECONDS = 3 * 24 * 3600.0
TIME_BUDGET_SECONDS = 20.0  # one run; the next tick goes on
EXCERPT = 500
RESPONSE_LIMIT = 64 * 1024  # a longer answer is cut and its connection closed, not drained
USER_AGENT = f"scorm-api-appliance/{__version__} (webhooks)"

# The claim in one statement: the oldest pending delivery of each (webhook, object), of
# enabled webhooks, leased (the attempt counted, the next try LEASE_SECONDS out). In the
# write transaction, so two claims never take the same row.
_CLAIM = PreparedText(
    lambda p: (
        f"UPDATE webhook_delivery SET attempts = attempts + 1, next_attempt_at = {p} WHERE id IN ("
        "SELECT d.id FROM webhook_delivery d "
        f"WHERE d.status = 'pending' AND d.next_attempt_at <= {p} "
        "AND NOT EXISTS (SELECT 1 FROM webhook_delivery e WHERE e.webhook_id = d.webhook_id "
        "AND e.object_id = d.object_id AND e.status = 'pending' AND e.seq < d.seq) "
        "AND EXISTS (SELECT 1 FROM webhook w WHERE w.id = d.webhook_id AND w.enabled = TRUE) "
        f"ORDER BY d.next_attempt_at, d.seq LIMIT {p}) RETURNING *"
    )
)
_ATTEMPT = PreparedText(
    lambda p: (
        "INSERT INTO webhook_attempt (id, delivery_id, webhook_id, attempted_at, status_code, "
        f"latency_ms, response_excerpt, error) VALUES ({', '.join([p] * 8)})"
    )
)
_SETTLED = PreparedText(
    lambda p: (
        f"UPDATE webhook_delivery SET status = {p}, next_attempt_at = {p}, last_status_code = {p}, "
        f"last_error = {p}, delivered_at = {p} WHERE id = {p}"
    )
)


def _in(seconds: float) -> str:
    return utcnow_iso(timedelta(seconds=seconds))


def claim(limit: int = BATCH) -> list[Delivery]:
    with write_transaction():
        claimed = _CLAIM.models(Delivery, _in(LEASE_SECONDS), utcnow_iso(), limit)
    return sorted(claimed, key=lambda d: (d.seq, d.id))


@dataclass
class Outcome:
    status_code: int | None
    latency_ms: float
    excerpt: str | None
    error: str | None
    kind: str  # delivered | refused | retry | offline | rate_limited
    retry_after: float | None = None


@dataclass(frozen=True)
class Receiver:
    """What sending to a webhook needs, read once per batch: its URL, its secrets (unsealed),
    whether it may be on this machine's network (the system tenant's)."""

    url: str
    secret: str
    previous: str | None
    allow_internal: bool
    timeout: float  # webhook_timeout_seconds: connecting and waiting for the answer together


def receivers(state: State, hooks: list[Webhook]) -> dict[str, Receiver]:
    timeout = state.settings.webhook_timeout_seconds
    system = {t.id for t in Tenant.select(Tenant.id).where(Tenant.is_system == True)}  # noqa: E712
    out = {}
    for w in hooks:
        secret, previous = secrets.current(state, w)
        out[w.id] = Receiver(w.url, secret, previous, w.tenant_id in system, timeout)
    return out


class Sender:
    """The POSTs: a thread pool and its keep-alive connections, kept for the process's life
    (a delivery woken by each event must not pay a new thread and connection each time)."""

    _lock = threading.Lock()
    _shared: Sender | None = None

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="webhook")
        self.http = outbound.Pools(SENDERS)

    @classmethod
    def shared(cls) -> Sender:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def submit(self, receiver: Receiver, delivery: Delivery, event: WebhookEvent) -> Future[Outcome]:
        return self.pool.submit(self.send, receiver, delivery, event)

    def send(self, receiver: Receiver, delivery: Delivery, event: WebhookEvent) -> Outcome:
        import urllib3  # loaded by outbound.Pools already

        payload = json.dumps(events.body(event), separators=(",", ":"), sort_keys=True).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Appliance-Event-Id": event.id,
            "X-Appliance-Event-Type": event.type,
            "X-Appliance-Delivery-Attempt": str(delivery.attempts),
            **signing.headers(receiver.secret, receiver.previous, payload),
        }
        started = time.perf_counter()
        try:
            resp = self.http.get(receiver.url, receiver.allow_internal).request(
                "POST",
                receiver.url,
                body=payload,
                headers=headers,
                timeout=urllib3.Timeout(total=receiver.timeout),
                retries=False,
                redirect=False,
                preload_content=False,
            )
            try:
                answer = resp.read(RESPONSE_LIMIT + 1)
            except BaseException:
                resp.close()  # a connection left mid-answer is not reused
                raise
            if len(answer) > RESPONSE_LIMIT:
                resp.close()  # not worth reading to the end to keep the connection
            else:
                resp.release_conn()
        except (urllib3.exceptions.HTTPError, OSError) as e:
            ms = (time.perf_counter() - started) * 1000
            if (why := outbound.refused(e)) is not None:
                return Outcome(None, ms, None, str(why)[:EXCERPT], "refused")
            kind = "retry" if isinstance(e, urllib3.exceptions.TimeoutError) else "offline"
            return Outcome(None, ms, None, f"{type(e).__name__}: {e}"[:EXCERPT], kind)
        ms = (time.perf_counter() - started) * 1000
        excerpt = answer[: EXCERPT * 4].decode("utf-8", "replace")[:EXCERPT] if answer else None
        code = resp.status
        if 200 <= code < 300:
            return Outcome(code, ms, excerpt, None, "delivered")
        if code == 429:
            return Outcome(code, ms, excerpt, "429 rate limited", "rate_limited", _retry_after(resp))
        if code >= 500 or code == 408:
            return Outcome(code, ms, excerpt, f"HTTP {code}", "retry")
        return Outcome(code, ms, excerpt, f"HTTP {code}: the receiver refused it", "refused")


def _retry_after(resp: urllib3.BaseHTTPResponse) -> float | None:
    value = resp.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def backoff(attempts: int, base: float = 10.0) -> float:
    wait = min(BACKOFF_CAP_SECONDS, base * 2 ** max(0, attempts - 1))
    return wait * random.uniform(0.8, 1.2)


Result = tuple[Delivery, Webhook, WebhookEvent, Outcome]


def settle(results: list[Result], base: float = 10.0) -> None:
    """A batch's attempts and what follows from them, in one transaction (`base`: the first
    retry's wait, webhook_retry_base_seconds): two statements for the batch, and the
    webhooks' health where it changed."""
    now = utcnow_iso()
    too_old = _in(-MAX_AGE_SECONDS)
    attempts, settled = [], []
    for delivery, _webhook, event, outcome in results:
        attempts.append(
            (
                new_id(),
                delivery.id,
                delivery.webhook_id,
                now,
                outcome.status_code,
                round(outcome.latency_ms, 1),
                outcome.excerpt,
                outcome.error,
            )
        )
        settled.append(_next(delivery, event, outcome, base, now, too_old))
    with write_transaction():
        _ATTEMPT.execute_many(attempts)
        _SETTLED.execute_many(settled)
        for _, webhook, _, outcome in results:
            _health(webhook, outcome, now)


def _next(
    delivery: Delivery, event: WebhookEvent, outcome: Outcome, base: float, now: str, too_old: str
) -> tuple:
    """The delivery's row after this try: (status, next_attempt_at, last_status_code,
    last_error, delivered_at, id)."""
    status, due, delivered = "pending", delivery.next_attempt_at, None
    old = event.occurred_at < too_old  # ISO times in one format sort as text
    if outcome.kind == "delivered":
        status, delivered = "delivered", now
    elif outcome.kind == "refused" or (outcome.kind == "retry" and old):
        status = "failed"
    elif outcome.kind == "rate_limited":
        wait = outcome.retry_after if outcome.retry_after is not None else backoff(delivery.attempts, base)
        due = _in(min(wait, BACKOFF_CAP_SECONDS))
    elif outcome.kind == "offline":
        due = _in(min(backoff(delivery.attempts, base), OFFLINE_RETRY_SECONDS))
    else:
        due = _in(backoff(delivery.attempts, base))
    return status, due, outcome.status_code, outcome.error, delivered, delivery.id


def _health(webhook: Webhook, outcome: Outcome, now: str) -> None:
    if outcome.kind == "delivered":
        if webhook.failing_since:
            Webhook.update(failing_since=None).where(Webhook.id == webhook.id).execute()
            webhook.failing_since = None  # the batch's other deliveries to it see it
        return
    if outcome.kind == "offline":
        return  # no route is this machine's state, not the receiver's
    since = webhook.failing_since or now
    if not webhook.failing_since:
        Webhook.update(failing_since=now).where(Webhook.id == webhook.id).execute()
        webhook.failing_since = now
    if since < _in(-DISABLE_AFTER_SECONDS):
        reason = f"Every delivery failed for 3 days (last: {outcome.error})"[:500]
        Webhook.update(enabled=False, disabled_reason=reason, updated_at=now).where(
            Webhook.id == webhook.id
        ).execute()


def _fresh(evs: dict[str, WebhookEvent]) -> None:
    """A progress event carries the session as it is when it goes out (events.py coalesces
    the commits of its interval into it), read for the whole batch at once; one whose session
    is gone keeps what it had."""
    progress = [e for e in evs.values() if e.type == events.PROGRESS]
    found = find_sessions({(e.tenant_id, e.object_id) for e in progress})
    for event in progress:
        session = found.get((event.tenant_id, event.object_id))
        if session is not None:
            event.data = {"session": serialize.summary(session)}
            event.occurred_at = session.updated_at


@dataclass
class _InFlight:
    work: list[tuple[Delivery, Webhook, WebhookEvent]]
    outcomes: list[Future[Outcome]]


def _start(state: State, sender: Sender, batch: list[Delivery]) -> _InFlight:
    hooks = {w.id: w for w in Webhook.select().where(Webhook.id.in_({d.webhook_id for d in batch}))}
    evs = {e.id: e for e in WebhookEvent.select().where(WebhookEvent.id.in_({d.event_id for d in batch}))}
    _fresh(evs)
    to = receivers(state, list(hooks.values()))
    work = [(d, hooks[d.webhook_id], evs[d.event_id]) for d in batch]
    return _InFlight(work, [sender.submit(to[w.id], d, e) for d, w, e in work])


def _finish(state: State, flight: _InFlight) -> int:
    results = [(*x, f.result()) for x, f in zip(flight.work, flight.outcomes, strict=True)]
    try:
        settle(results, state.settings.webhook_retry_base_seconds)
    except Exception:  # the leases bring them back
        log.exception("webhook deliveries not recorded", extra={"fields": {"count": len(results)}})
    return len(results)


def deliver_due(state: State) -> int:
    """The worker's run: claim and send until nothing is due (or the time budget is spent),
    one batch's POSTs out while the next is claimed and the last recorded."""
    sender = Sender.shared()
    sent = 0
    flight: _InFlight | None = None
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    while True:
        batch = claim() if time.monotonic() < deadline else []
        started = _start(state, sender, batch) if batch else None
        if flight is not None:
            sent += _finish(state, flight)
        elif started is None:
            return sent
        flight = started
