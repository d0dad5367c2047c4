"""Webhooks, the events for them (an outbox written in the transaction of the change), each
event's delivery to each webhook, and every attempt at one (the delivery log)."""

import peewee

from scorm_api.db import BaseModel, JSONField
from scorm_api.tenants.models import Tenant


class Webhook(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=40)  # "webhook_…", as the cloud's ids
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    url = peewee.CharField(max_length=2048)
    events = JSONField()  # event types, or ["*"] for all
    # The signing secret, sealed (scorm_api.sealing); after a rotation the previous one signs
    # too until previous_until.
    secret_sealed = peewee.TextField()
    previous_secret_sealed = peewee.TextField(null=True)
    previous_until = peewee.CharField(max_length=32, null=True)
    enabled = peewee.BooleanField(default=True)
    disabled_reason = peewee.CharField(max_length=500, null=True)
    failing_since = peewee.CharField(max_length=32, null=True)  # first failure since the last success
    created_at = peewee.CharField(max_length=32)
    updated_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "webhook"


class WebhookEvent(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=40)  # "evt_…": receivers dedupe on it
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    type = peewee.CharField(max_length=64)
    object_id = peewee.CharField(max_length=255)
    occurred_at = peewee.CharField(max_length=32)
    data = JSONField()  # {"session": {...}} or {"package": {...}}: as the REST API shows them
    seq = peewee.BigIntegerField()  # commit order (scorm_api.counters): the order per object

    class Meta:
        table_name = "webhook_event"


class Delivery(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36)
    webhook_id: str
    webhook = peewee.ForeignKeyField(Webhook, column_name="webhook_id", on_delete="CASCADE")
    event_id: str
    event = peewee.ForeignKeyField(WebhookEvent, column_name="event_id", on_delete="CASCADE")
    object_id = peewee.CharField(max_length=255)  # with the webhook, what deliveries are ordered by
    seq = peewee.BigIntegerField()
    status = peewee.CharField(max_length=16)  # pending | delivered | failed
    attempts = peewee.IntegerField(default=0)
    next_attempt_at = peewee.CharField(max_length=32)
    last_status_code = peewee.IntegerField(null=True)
    last_error = peewee.CharField(max_length=500, null=True)
    delivered_at = peewee.CharField(max_length=32, null=True)
    created_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "webhook_delivery"


class Attempt(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36)
    delivery_id: str
    delivery = peewee.ForeignKeyField(Delivery, column_name="delivery_id", on_delete="CASCADE")
    webhook_id = peewee.CharField(max_length=40)
    attempted_at = peewee.CharField(max_length=32)
    status_code = peewee.IntegerField(null=True)
    latency_ms = peewee.DoubleField()
    response_excerpt = peewee.CharField(max_length=500, null=True)
    error = peewee.CharField(max_length=500, null=True)

    class Meta:
        table_name = "webhook_attempt"
