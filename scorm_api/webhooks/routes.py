from flask import Blueprint

from scorm_api.endpoint import endpoint
from scorm_api.principals import require_own_tenant
from scorm_api.schemas import TIMESTAMP, extension_field, list_of, obj, page_query
from scorm_api.state import current
from scorm_api.webhooks import events, services

bp = Blueprint("webhooks", __name__, url_prefix="/api/v1")
TAG = "Webhooks"

EVENT_TYPE = {"enum": [*events.TYPES, events.ALL]}
WEBHOOK = obj(
    {
        "id": {"type": "string", "examples": ["webhook_0f6c…"]},
        "tenant_id": {"type": "string"},
        "url": {"type": "string"},
        "event_type": {"type": ["string", "null"], "description": "The one event type, or null for several"},
        "events": {"type": "array", "items": EVENT_TYPE},
        "enabled": {"type": "boolean"},
        "disabled_reason": {"type": ["string", "null"]},
        "failing_since": {"type": ["string", "null"]},
        "previous_secret_valid_until": {"type": ["string", "null"]},
        "secret": {"type": "string", "description": "Only in the answers that set it: shown once"},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
    ["id", "tenant_id", "url", "events", "enabled", "created_at"],
    additional=True,
)
URL = {"type": "string", "minLength": 1, "maxLength": 2048}
SECRET = {"type": "string", "minLength": 16, "maxLength": 200}
EVENTS = extension_field(
    {"type": "array", "items": EVENT_TYPE, "minItems": 1, "maxItems": len(events.TYPES) + 1}
)
DELIVERY = obj(
    {
        "id": {"type": "string"},
        "event_id": {"type": "string"},
        "event_type": {"type": "string"},
        "object_id": {"type": "string"},
        "status": {"enum": ["pending", "delivered", "failed"]},
        "attempts": {"type": "integer"},
        "last_status_code": {"type": ["integer", "null"]},
    },
    ["id", "event_id", "event_type", "status", "attempts"],
    additional=True,
)


@endpoint(
    bp,
    "/webhooks",
    "POST",
    tag=TAG,
    status=201,
    errors=(403,),
    summary="Create a webhook",
    description="`event_type`: one event type, or `*` for all (`events`, our extension: a list). "
    "`secret` signs the deliveries (`X-Allure-Signature`); one is generated when not given. "
    "The answer shows it once. A receiver on this machine or its network is for the system "
    "tenant's operator only.",
    body=obj(
        {
            "tenant_id": {"type": "string", "maxLength": 36},
            "url": URL,
            "secret": SECRET,
            "event_type": EVENT_TYPE,
            "events": EVENTS,
        },
        ["url"],
    ),
    response=WEBHOOK,
)
def create_webhook(principal, body):
    tenant_id = require_own_tenant(principal, body.get("tenant_id"))
    w, secret = services.create(current(), tenant_id, body, principal.is_operator)
    return {**services.to_api(w), "secret": secret}, 201


@endpoint(
    bp,
    "/webhooks",
    "GET",
    tag=TAG,
    summary="List webhooks",
    query=page_query(),
    response=list_of("webhooks", WEBHOOK),
)
def list_webhooks(principal, query):
    rows, page = services.page(principal.tenant_id, query["page"], query["limit"])
    return {"webhooks": [services.to_api(w) for w in rows], "pagination": page}


@endpoint(
    bp, "/webhooks/<webhook_id>", "GET", tag=TAG, errors=(404,), summary="Get a webhook", response=WEBHOOK
)
def get_webhook(principal, webhook_id):
    return services.to_api(services.get(principal.tenant_id, webhook_id))


CHANGE = obj({"url": URL, "event_type": EVENT_TYPE, "events": EVENTS, "enabled": {"type": "boolean"}})


def change_webhook(principal, webhook_id, body):
    return services.to_api(services.change(principal.tenant_id, webhook_id, body, principal.is_operator))


for _method in ("PATCH", "PUT"):
    endpoint(
        bp,
        "/webhooks/<webhook_id>",
        _method,
        tag=TAG,
        errors=(404,),
        name=f"change_webhook_{_method.lower()}",
        summary="Change a webhook (url, events, enabled)",
        description="Enabling a webhook that was disabled for failing starts it afresh.",
        body=CHANGE,
        response=WEBHOOK,
    )(change_webhook)


@endpoint(
    bp,
    "/webhooks/<webhook_id>",
    "DELETE",
    tag=TAG,
    errors=(404,),
    summary="Delete a webhook and its delivery log",
    response=obj({"success": {"type": "boolean"}}, ["success"]),
)
def delete_webhook(principal, webhook_id):
    services.delete(principal.tenant_id, webhook_id)
    return {"success": True}


@endpoint(
    bp,
    "/webhooks/<webhook_id>/rotate-secret",
    "POST",
    tag=TAG,
    errors=(404,),
    summary="Rotate a webhook's secret",
    description="The new secret (given, or generated) is shown once; the previous one still signs "
    "beside it for 24 hours (`X-Allure-Signature-Previous`, a second v1 in "
    "`X-Appliance-Signature`).",
    body=obj({"secret": SECRET}),
    response=WEBHOOK,
)
def rotate_secret(principal, webhook_id, body):
    w, secret = services.rotate(current(), principal.tenant_id, webhook_id, body.get("secret"))
    return {**services.to_api(w), "secret": secret}


@endpoint(
    bp,
    "/webhooks/<webhook_id>/deliveries",
    "GET",
    tag=TAG,
    errors=(404,),
    summary="A webhook's deliveries, newest first",
    query=page_query(status={"enum": ["pending", "delivered", "failed"]}),
    response=list_of("deliveries", DELIVERY),
)
def list_deliveries(principal, webhook_id, query):
    rows, page = services.deliveries(
        principal.tenant_id, webhook_id, query.get("status"), query["page"], query["limit"]
    )
    return {"deliveries": rows, "pagination": page}


@endpoint(
    bp,
    "/webhooks/<webhook_id>/deliveries/<delivery_id>",
    "GET",
    tag=TAG,
    errors=(404,),
    summary="A delivery with every attempt (time, status, latency, response excerpt, error)",
    response=DELIVERY,
)
def get_delivery(principal, webhook_id, delivery_id):
    d, tried = services.delivery(principal.tenant_id, webhook_id, delivery_id)
    log = [services.attempt_to_api(a) for a in tried]
    return {**services.delivery_to_api(d, d.event), "attempt_log": log}


@endpoint(
    bp,
    "/webhooks/<webhook_id>/deliveries/<delivery_id>/redeliver",
    "POST",
    tag=TAG,
    status=202,
    errors=(404, 409),
    summary="Send a delivered or failed event again",
    response=DELIVERY,
)
def redeliver(principal, webhook_id, delivery_id):
    d = services.redeliver(current(), principal.tenant_id, webhook_id, delivery_id)
    again, _ = services.delivery(principal.tenant_id, webhook_id, d.id)
    return services.delivery_to_api(again, again.event), 202


@endpoint(
    bp,
    "/webhooks/<webhook_id>/test",
    "POST",
    tag=TAG,
    status=202,
    errors=(404,),
    summary="Send a test event (webhook.test) to this webhook",
    response=DELIVERY,
)
def send_test(principal, webhook_id):
    d, event = services.send_test(current(), principal.tenant_id, webhook_id)
    return services.delivery_to_api(d, event), 202
