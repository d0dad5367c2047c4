"""The events, recorded in the transaction of the change that causes them (an outbox): a commit
that completes a session and its `session.completed` land together or not at all.

An event becomes one row, and one delivery per enabled webhook of the tenant subscribed to its
type; a tenant with no webhook for it writes nothing. `session.progress` is coalesced: while a
session's progress event has not been sent, a newer one replaces its content, and it waits
the progress interval (webhook_progress_interval_seconds) before going out, so a learner
committing every few seconds makes one delivery per interval, carrying the latest state. Any
other event for the same object sends the waiting progress at once (deliveries are ordered
per object: progress never arrives after the completion that followed it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from peewee import SQL

from scorm_api import counters
from scorm_api.db import Prepared, PreparedText, new_id, utcnow_iso
from scorm_api.webhooks.models import Delivery, Webhook, WebhookEvent

TYPES = (
    "package.processing.completed",
    "package.processing.failed",
    "package.updated",
    "package.deleted",
    "session.launched",
    "session.progress",
    "session.completed",
    "session.scored",
    "usage.threshold",
    # Our extension: dispatches (dispatches/).
    "dispatch.created",
    "dispatch.updated",
    "dispatch.revoked",
    "dispatch.registration.created",
    # Our extension: deletions and merges of learners' records (learners/).
    "session.deleted",
    "learner.deleted",
    "learner.merged",
)
ALL = "*"
PROGRESS = "session.progress"
SEQ = "webhook_event"
DELIVER_TASK = "webhooks-deliver"  # the periodic task that delivers (woken by each event)


def new_event_id() -> str:
    return "evt_" + uuid.uuid4().hex


_ENABLED = Prepared(
    lambda: Webhook.select(Webhook.id, Webhook.events).where(
        (Webhook.tenant == "") & (Webhook.enabled == SQL("TRUE"))
    )
)


def subscriptions(tenant_id: str) -> list[Webhook]:
    """The tenant's enabled webhooks (one indexed read: what every commit pays with none)."""
    return _ENABLED.models(Webhook, tenant_id)


def _wanting(hooks: list[Webhook], type_: str) -> list[Webhook]:
    return [w for w in hooks if ALL in w.events or type_ in w.events]


def record(
    tenant_id: str,
    type_: str,
    object_id: str,
    data: dict | Callable[[], dict],
    hooks: list[Webhook] | None = None,
    progress_interval: float = 10.0,
) -> WebhookEvent | None:
    """Call inside the write transaction of the change (`hooks`: subscriptions(tenant_id),
    when the caller read them; `data`, or a function making it, called only for a new event).
    Returns the event, or None when no webhook wants it.

    A progress event that is still waiting is left as it is: its delivery reads the session's
    state when it goes out (delivery.py), so a commit during the interval costs one read."""
    hooks = _wanting(subscriptions(tenant_id) if hooks is None else hooks, type_)
    if not hooks:
        return None
    now = utcnow_iso()
    if type_ == PROGRESS:
        waiting = _waiting_progress(hooks[0], object_id, now)
        if waiting is not None:
            return waiting
    else:  # what waited for this object goes now, before this event
        Delivery.update(next_attempt_at=now).where(
            (Delivery.object_id == object_id)
            & (Delivery.status == "pending")
            & (Delivery.attempts == 0)
            & (Delivery.next_attempt_at > now)
            & Delivery.webhook.in_([w.id for w in hooks])
        ).execute()
    event = new_event(tenant_id, type_, object_id, data() if callable(data) else data)
    due = utcnow_iso(timedelta(seconds=progress_interval)) if type_ == PROGRESS else now
    queue(event, [w.id for w in hooks], due)
    return event


def new_event(tenant_id: str, type_: str, object_id: str | None, data: dict) -> WebhookEvent:
    """The outbox row, numbered in commit order (call inside the write transaction). With no
    `object_id` the event is an object of its own: ordered after nothing (a test event)."""
    event_id = new_event_id()
    return WebhookEvent.create(
        id=event_id,
        tenant=tenant_id,
        type=type_,
        object_id=object_id or event_id,
        occurred_at=utcnow_iso(),
        data=data,
        seq=counters.take(SEQ),
    )


def queue(event: WebhookEvent, webhook_ids: list[str], due: str | None = None) -> list[str]:
    """A pending delivery of `event` to each webhook, tried from `due` (default: now); their ids."""
    now = utcnow_iso()
    rows: list[dict[str, Any]] = [
        {
            "id": new_id(),
            "webhook": webhook_id,
            "event": event.id,
            "object_id": event.object_id,
            "seq": event.seq,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due or now,
            "created_at": now,
        }
        for webhook_id in webhook_ids
    ]
    Delivery.insert_many(rows).execute()
    return [r["id"] for r in rows]


# A waiting progress delivery is always the newest delivery of its (webhook, object): while it
# waits no other progress event is made, and any other event sends it at once (record). So
# one index step (webhook_delivery_order) finds it, however long the session's history.
_WAITING = PreparedText(
    lambda p: (
        "SELECT e.id, e.type FROM (SELECT event_id, status, attempts, next_attempt_at "
        f"FROM webhook_delivery WHERE webhook_id = {p} AND object_id = {p} ORDER BY seq DESC LIMIT 1) d "
        "JOIN webhook_event e ON e.id = d.event_id "
        f"WHERE d.status = 'pending' AND d.attempts = 0 AND d.next_attempt_at > {p} "
        f"AND e.type = '{PROGRESS}'"
    )
)


def _waiting_progress(hook: Webhook, object_id: str, now: str) -> WebhookEvent | None:
    """This object's progress event still waiting out its interval, untried (its id and type:
    what a caller of record needs)."""
    found = _WAITING.models(WebhookEvent, hook.id, object_id, now)
    return found[0] if found else None


def body(event: WebhookEvent) -> dict:
    """What a receiver gets: the event's id (to dedupe on), its type (also as the cloud's
    `event_type`), when it happened, the tenant, and the object as the REST API shows it."""
    return {
        "id": event.id,
        "type": event.type,
        "event_type": event.type,
        "occurred_at": event.occurred_at,
        "tenant_id": event.tenant_id,
        **event.data,
    }
