"""Delivering the outbox: at least once, in order per webhook and object, retried.

A periodic task (woken at once when an event is recorded) claims due deliveries: the oldest
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

Every try is an Attempt row (the delivery log). A webhook whose deliveries have failed for
DISABLE_AFTER_SECONDS without one success is disabled, with the reason, until its user
enables it again.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import requests

from scorm_api import outbound
from scorm_api.db import PreparedText, new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError
from scorm_api.sessions import serialize
from scorm_api.sessions.services import get_session
from scorm_api.state import State
from scorm_api.tenants.models import Tenant
from scorm_api.version import __version__
from scorm_api.webhooks import events, secrets, signing
from scorm_api.webhooks.models import Attempt, Delivery, Webhook, WebhookEvent

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
BATCH = 64
SENDERS = 8  # POSTs in flight at once
TIMEOUT_SECONDS = 10.0
LEASE_SECONDS = 60.0
BACKOFF_CAP_SECONDS = 3600.0
OFFLINE_RETRY_SECONDS = 300.0
MAX_AGE_SECONDS = 24 * 3600.0
DISABLE_AFTER_SECONDS = 3 * 24 * 3600.0
TIME_BUDGET_SECONDS = 20.0  # one task run; the next tick goes on
EXCERPT = 500
USER_AGENT = f"scorm-api-appliance/{__version__} (webhooks)"

_DUE = PreparedText(
    lambda p: (
        "SELECT d.id FROM webhook_delivery d "
        f"WHERE d.status = 'pending' AND d.next_attempt_at <= {p} "
        "AND NOT EXISTS (SELECT 1 FROM webhook_delivery e WHERE e.webhook_id = d.webhook_id "
        "AND e.object_id = d.object_id AND e.status = 'pending' AND e.seq < d.seq) "
        "AND EXISTS (SELECT 1 FROM webhook w WHERE w.id = d.webhook_id AND w.enabled = TRUE) "
        f"ORDER BY d.next_attempt_at, d.seq LIMIT {p}"
    )
)


def _in(seconds: float) -> str:
    return utcnow_iso(timedelta(seconds=seconds))


def claim(limit: int = BATCH) -> list[Delivery]:
    now = utcnow_iso()
    ids = [r[0] for r in _DUE.execute(now, limit).fetchall()]
    if not ids:
        return []
    with write_transaction():
        Delivery.update(attempts=Delivery.attempts + 1, next_attempt_at=_in(LEASE_SECONDS)).where(
            Delivery.id.in_(ids) & (Delivery.status == "pending") & (Delivery.next_attempt_at <= now)
        ).execute()
    return list(Delivery.select().where(Delivery.id.in_(ids) & (Delivery.next_attempt_at > now)))


@dataclass
class Outcome:
    status_code: int | None
    latency_ms: float
    excerpt: str | None
    error: str | None
    kind: str  # delivered | refused | retry | offline | rate_limited
    retry_after: float | None = None


_local = threading.local()


def _http(allow_internal: bool) -> requests.Session:
    """One guarded session per sender thread and kind (keep-alive to the same receiver)."""
    cache = getattr(_local, "sessions", None)
    if cache is None:
        cache = _local.sessions = {}
    if allow_internal not in cache:
        cache[allow_internal] = outbound.session(allow_internal)
    return cache[allow_internal]


@dataclass(frozen=True)
class Receiver:
    """What sending to a webhook needs, read once per batch: its URL, its secrets (unsealed),
    whether it may be on this machine's network (the system tenant's)."""

    url: str
    secret: str
    previous: str | None
    allow_internal: bool


def receivers(state: State, hooks: list[Webhook]) -> dict[str, Receiver]:
    system = {t.id for t in Tenant.select(Tenant.id).where(Tenant.is_system == True)}  # noqa: E712
    out = {}
    for w in hooks:
        secret, previous = secrets.current(state, w)
        out[w.id] = Receiver(w.url, secret, previous, w.tenant_id in system)
    return out


def send(receiver: Receiver, delivery: Delivery, event: WebhookEvent) -> Outcome:
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
        resp = _http(receiver.allow_internal).post(
            receiver.url, data=payload, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as e:
        ms = (time.perf_counter() - started) * 1000
        if (why := outbound.refused(e)) is not None:
            return Outcome(None, ms, None, str(why)[:EXCERPT], "refused")
        timed_out = isinstance(e, requests.Timeout)
        return Outcome(
            None, ms, None, f"{type(e).__name__}: {e}"[:EXCERPT], "retry" if timed_out else "offline"
        )
    ms = (time.perf_counter() - started) * 1000
    excerpt = resp.text[:EXCERPT] if resp.content else None
    code = resp.status_code
    if 200 <= code < 300:
        return Outcome(code, ms, excerpt, None, "delivered")
    if code == 429:
        return Outcome(code, ms, excerpt, "429 rate limited", "rate_limited", _retry_after(resp))
    if code >= 500 or code == 408:
        return Outcome(code, ms, excerpt, f"HTTP {code}", "retry")
    return Outcome(code, ms, excerpt, f"HTTP {code}: the receiver refused it", "refused")


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def backoff(attempts: int, base: float = 10.0) -> float:
    wait = min(BACKOFF_CAP_SECONDS, base * 2 ** max(0, attempts - 1))
    return wait * random.uniform(0.8, 1.2)


def settle(results: list[tuple[Delivery, Webhook, WebhookEvent, Outcome]], base: float = 10.0) -> None:
    """A batch's attempts and what follows from them, in one transaction (`base`: the first
    retry's wait, webhook_retry_base_seconds)."""
    with write_transaction():
        for delivery, webhook, event, outcome in results:
            _settle(delivery, webhook, event, outcome, base)


def _settle(delivery: Delivery, webhook: Webhook, event: WebhookEvent, outcome: Outcome, base: float) -> None:
    now = utcnow_iso()
    old = event.occurred_at < _in(-MAX_AGE_SECONDS)  # ISO times in one format sort as text
    fields: dict = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.kind == "delivered":
        fields.update(status="delivered", delivered_at=now, last_error=None)
    elif outcome.kind == "refused" or (outcome.kind == "retry" and old):
        fields.update(status="failed")
    elif outcome.kind == "rate_limited":
        wait = outcome.retry_after if outcome.retry_after is not None else backoff(delivery.attempts, base)
        fields.update(next_attempt_at=_in(min(wait, BACKOFF_CAP_SECONDS)))
    elif outcome.kind == "offline":
        fields.update(next_attempt_at=_in(min(backoff(delivery.attempts, base), OFFLINE_RETRY_SECONDS)))
    else:
        fields.update(next_attempt_at=_in(backoff(delivery.attempts, base)))
    Attempt.create(
        id=new_id(),
        delivery=delivery.id,
        webhook_id=webhook.id,
        attempted_at=now,
        status_code=outcome.status_code,
        latency_ms=round(outcome.latency_ms, 1),
        response_excerpt=outcome.excerpt,
        error=outcome.error,
    )
    Delivery.update(**fields).where(Delivery.id == delivery.id).execute()
    _health(webhook, outcome, now)


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


def _fresh(event: WebhookEvent) -> WebhookEvent:
    """A progress event carries the session as it is when it goes out (events.py coalesces
    the commits of its interval into it); one whose session is gone keeps what it had."""
    if event.type != events.PROGRESS:
        return event
    try:
        session = get_session(event.tenant_id, event.object_id)
    except ApiError:
        return event
    event.data = {"session": serialize.summary(session)}
    event.occurred_at = session.updated_at
    return event


def deliver_due(state: State) -> int:
    """The periodic task: claim and send until nothing is due (or the time budget is spent)."""
    sent = 0
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    with ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="webhook") as pool:
        while time.monotonic() < deadline:
            batch = claim()
            if not batch:
                break
            hooks = {w.id: w for w in Webhook.select().where(Webhook.id.in_({d.webhook_id for d in batch}))}
            evs = {
                e.id: e for e in WebhookEvent.select().where(WebhookEvent.id.in_({d.event_id for d in batch}))
            }
            to = receivers(state, list(hooks.values()))
            work = [(d, hooks[d.webhook_id], _fresh(evs[d.event_id])) for d in batch]
            outcomes = list(pool.map(send, [to[w.id] for _, w, _ in work], batch, [e for _, _, e in work]))
            try:
                settle(
                    [(*x, o) for x, o in zip(work, outcomes, strict=True)],
                    state.settings.webhook_retry_base_seconds,
                )
            except Exception:  # the leases bring them back
                log.exception("webhook deliveries not recorded", extra={"fields": {"count": len(work)}})
            sent += len(work)
    return sent
