"""Webhooks of a tenant: create (the secret generated when not given, shown once), read, change,
delete, rotate the secret; their deliveries and attempts; a redelivery and a test event. Every
query is scoped to one tenant: another tenant's webhook or delivery is not found."""

from __future__ import annotations

import uuid

from scorm_api import outbound
from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.errors import ApiError, not_found, validation_error
from scorm_api.schemas import pagination
from scorm_api.state import State
from scorm_api.webhooks import events, secrets
from scorm_api.webhooks.models import Attempt, Delivery, Webhook, WebhookEvent

TEST_EVENT = "webhook.test"


def webhook_not_found() -> ApiError:
    return not_found("NOT_FOUND", "Webhook not found")


def to_api(w: Webhook) -> dict:
    return {
        "id": w.id,
        "tenant_id": w.tenant_id,
        "url": w.url,
        "event_type": w.events[0] if len(w.events) == 1 else None,
        "events": w.events,
        "enabled": w.enabled,
        "disabled_reason": w.disabled_reason,
        "failing_since": w.failing_since,
        "previous_secret_valid_until": secrets.grace_until(w),
        "created_at": w.created_at,
        "updated_at": w.updated_at,
    }


def chosen_events(body: dict) -> list[str] | None:
    """The cloud's `event_type` (one type, or "*") or our `events` (a list); None if neither."""
    if "events" in body and "event_type" in body:
        raise validation_error({"events": ["Give events or event_type, not both"]})
    if "event_type" in body:
        return [body["event_type"]]
    if "events" in body:
        chosen = list(dict.fromkeys(body["events"]))
        return [events.ALL] if events.ALL in chosen else chosen
    return None


def get(tenant_id: str, webhook_id: str) -> Webhook:
    w = Webhook.get_or_none((Webhook.id == webhook_id) & (Webhook.tenant == tenant_id))
    if w is None:
        raise webhook_not_found()
    return w


def page(tenant_id: str, page: int, limit: int) -> tuple[list[Webhook], dict]:
    query = Webhook.select().where(Webhook.tenant == tenant_id)
    total = query.count()
    rows = list(query.order_by(Webhook.created_at.desc(), Webhook.id).paginate(page, limit))
    return rows, pagination(page, limit, total)


def create(state: State, tenant_id: str, body: dict, allow_internal: bool) -> tuple[Webhook, str]:
    url = outbound.check_destination(body["url"], allow_internal, query=True)
    chosen = chosen_events(body) or [events.ALL]
    secret = body.get("secret") or secrets.signing.new_secret()
    now = utcnow_iso()
    w = Webhook.create(
        id="webhook_" + uuid.uuid4().hex,
        tenant=tenant_id,
        url=url,
        events=chosen,
        secret_sealed=secrets.seal(state, secret),
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    return w, secret


def change(tenant_id: str, webhook_id: str, body: dict, allow_internal: bool) -> Webhook:
    with write_transaction():
        w = get(tenant_id, webhook_id)
        if "url" in body:
            w.url = outbound.check_destination(body["url"], allow_internal, query=True)
        chosen = chosen_events(body)
        if chosen is not None:
            w.events = chosen
        if "enabled" in body:
            w.enabled = bool(body["enabled"])
            if w.enabled:  # enabled again by its user: a fresh start
                w.disabled_reason, w.failing_since = None, None
            else:
                w.disabled_reason = "Disabled by its user"
        w.updated_at = utcnow_iso()
        w.save()
    return w


def delete(tenant_id: str, webhook_id: str) -> None:
    with write_transaction():
        if not Webhook.delete().where((Webhook.id == webhook_id) & (Webhook.tenant == tenant_id)).execute():
            raise webhook_not_found()


def rotate(state: State, tenant_id: str, webhook_id: str, secret: str | None) -> tuple[Webhook, str]:
    with write_transaction():
        w = get(tenant_id, webhook_id)
        new, fields = secrets.rotation(state, w, secret)
        Webhook.update(**fields, updated_at=utcnow_iso()).where(Webhook.id == w.id).execute()
    return get(tenant_id, webhook_id), new


# ---- deliveries ---------------------------------------------------------------------


def delivery_to_api(d: Delivery, e: WebhookEvent) -> dict:
    return {
        "id": d.id,
        "webhook_id": d.webhook_id,
        "event_id": e.id,
        "event_type": e.type,
        "object_id": d.object_id,
        "occurred_at": e.occurred_at,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error,
        "delivered_at": d.delivered_at,
        "created_at": d.created_at,
    }


def attempt_to_api(a: Attempt) -> dict:
    return {
        "attempted_at": a.attempted_at,
        "status_code": a.status_code,
        "latency_ms": a.latency_ms,
        "response_excerpt": a.response_excerpt,
        "error": a.error,
    }


def deliveries(tenant_id: str, webhook_id: str, status: str | None, page: int, limit: int):
    w = get(tenant_id, webhook_id)
    query = Delivery.select(Delivery, WebhookEvent).join(WebhookEvent).where(Delivery.webhook == w.id)
    if status:
        query = query.where(Delivery.status == status)
    total = query.count()
    rows = query.order_by(Delivery.created_at.desc(), Delivery.id.desc()).paginate(page, limit)
    return [delivery_to_api(d, d.event) for d in rows], pagination(page, limit, total)


def delivery(tenant_id: str, webhook_id: str, delivery_id: str) -> tuple[Delivery, list[Attempt]]:
    w = get(tenant_id, webhook_id)
    d = (
        Delivery.select(Delivery, WebhookEvent)
        .join(WebhookEvent)
        .where((Delivery.id == delivery_id) & (Delivery.webhook == w.id))
        .first()
    )
    if d is None:
        raise not_found("NOT_FOUND", "Delivery not found")
    tried = list(Attempt.select().where(Attempt.delivery == d.id).order_by(Attempt.attempted_at, Attempt.id))
    return d, tried


def redeliver(state: State, tenant_id: str, webhook_id: str, delivery_id: str) -> Delivery:
    """The same event (same id: a receiver that saw it dedupes) once more, now."""
    with write_transaction():
        old, _ = delivery(tenant_id, webhook_id, delivery_id)
        if old.status == "pending":
            raise ApiError(
                409, "CONFLICT", "This delivery is still pending; it will be tried again on its own"
            )
        [queued] = events.queue(old.event, [webhook_id])
    state.jobs.wake_worker(events.DELIVER_TASK)
    return Delivery.get_by_id(queued)


def send_test(state: State, tenant_id: str, webhook_id: str) -> tuple[Delivery, WebhookEvent]:
    with write_transaction():
        w = get(tenant_id, webhook_id)
        data = {"webhook": to_api(w), "message": "A test event from the SCORM API appliance"}
        event = events.new_event(tenant_id, TEST_EVENT, None, data)  # waits on nothing
        [queued] = events.queue(event, [w.id])
    state.jobs.wake_worker(events.DELIVER_TASK)
    return Delivery.get_by_id(queued), event
