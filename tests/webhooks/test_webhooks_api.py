"""Webhooks through the API (in process): the cloud's create call, the secret shown once and
rotated, changes, other tenants' webhooks not found, receivers on this machine for the
operator only; and the outbox: events written in the transaction of the change, none when
nobody listens, progress coalesced; a webhook failing for three days disabled until its user
enables it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scorm_api import state
from scorm_api.db import utcnow_iso
from scorm_api.webhooks import delivery, events
from scorm_api.webhooks.models import Delivery, Webhook, WebhookEvent

from tests.sessions.runtime import new_session
from tests.support import assert_envelope, bearer, fixture, upload_and_process

RECEIVER = "http://127.0.0.1:9/hooks/scorm?token=abc"  # a loopback receiver: the operator's only
PUBLIC = "https://hooks.example.org/scorm"  # .example.org does not resolve: left to fail at delivery


def create(client, key, **body):
    return client.post("/api/v1/webhooks", headers=bearer(key), json=body)


def test_create_as_the_cloud_documents_and_the_secret_once(client, admin_key):
    resp = create(client, admin_key, url=RECEIVER, event_type="session.completed", secret="s" * 32)
    assert resp.status_code == 201, resp.get_json()
    made = resp.get_json()
    assert made["id"].startswith("webhook_") and made["secret"] == "s" * 32
    assert (made["url"], made["event_type"], made["events"], made["enabled"]) == (
        RECEIVER,
        "session.completed",
        ["session.completed"],
        True,
    )
    got = client.get(f"/api/v1/webhooks/{made['id']}", headers=bearer(admin_key)).get_json()
    assert "secret" not in got and got["id"] == made["id"]
    listed = client.get("/api/v1/webhooks", headers=bearer(admin_key)).get_json()
    assert [w["id"] for w in listed["webhooks"]] == [made["id"]] and listed["pagination"]["total"] == 1
    # Without a secret one is generated; without event_type every event.
    generated = create(client, admin_key, url=RECEIVER).get_json()
    assert generated["secret"].startswith("whsec_") and generated["events"] == ["*"]


def test_change_rotate_and_delete(client, admin_key):
    made = create(client, admin_key, url=RECEIVER, event_type="*").get_json()
    path = f"/api/v1/webhooks/{made['id']}"
    changed = client.patch(
        path,
        headers=bearer(admin_key),
        json={"events": ["session.completed", "session.scored"], "enabled": False},
    ).get_json()
    assert changed["events"] == ["session.completed", "session.scored"] and changed["event_type"] is None
    assert (changed["enabled"], changed["disabled_reason"]) == (False, "Disabled by its user")
    again = client.put(path, headers=bearer(admin_key), json={"enabled": True}).get_json()
    assert again["enabled"] and again["disabled_reason"] is None
    rotated = client.post(path + "/rotate-secret", headers=bearer(admin_key), json={}).get_json()
    assert rotated["secret"] != made["secret"] and rotated["previous_secret_valid_until"]
    assert client.delete(path, headers=bearer(admin_key)).get_json() == {"success": True}
    assert_envelope(client.get(path, headers=bearer(admin_key)), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "body,field",
    [
        ({"url": "ftp://example.org/x"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": RECEIVER, "event_type": "session.nope"}, "event_type"),
        ({"url": RECEIVER, "events": []}, "events"),
        ({"url": RECEIVER, "secret": "short"}, "secret"),
        ({"url": RECEIVER, "event_type": "*", "events": ["*"]}, "events"),
        ({"url": "http://user:pw@example.org/"}, "url"),
    ],
)
def test_bad_webhooks_are_refused(client, admin_key, body, field):
    body = assert_envelope(create(client, admin_key, **body), 400, "VALIDATION_ERROR")
    assert field in body["error"]["details"]["fieldErrors"]


def test_a_tenant_cannot_aim_at_this_machine_nor_see_others(client, admin_key, make_tenant):
    other = make_tenant("Other")
    refused = assert_envelope(create(client, other.keys["admin"], url=RECEIVER), 400, "VALIDATION_ERROR")
    assert "operator" in refused["error"]["details"]["fieldErrors"]["url"][0]
    mine = create(client, admin_key, url=RECEIVER).get_json()
    theirs = create(client, other.keys["admin"], url=PUBLIC).get_json()
    key = other.keys["admin"]
    for method, tail, body in (
        ("GET", "", None),
        ("PATCH", "", {"enabled": False}),
        ("DELETE", "", None),
        ("POST", "/rotate-secret", {}),
        ("GET", "/deliveries", None),
        ("POST", "/test", None),
    ):
        resp = client.open(
            f"/api/v1/webhooks/{mine['id']}{tail}", method=method, headers=bearer(key), json=body
        )
        assert_envelope(resp, 404, "NOT_FOUND")
    assert [w["id"] for w in client.get("/api/v1/webhooks", headers=bearer(key)).get_json()["webhooks"]] == [
        theirs["id"]
    ]
    assert (
        create(client, key, url=PUBLIC, tenant_id="00000000-0000-4000-8000-000000000000").status_code == 403
    )


def test_events_are_written_with_the_change_and_only_for_listeners(client, admin_key):
    pkg = upload_and_process(client, admin_key, fixture("golf_scorm12_singlesco.zip").read_bytes())[0]
    session = new_session(client, admin_key, pkg).get_json()["session"]
    put = lambda body: client.put(f"/api/v1/sessions/{session['id']}", headers=bearer(admin_key), json=body)
    assert put({"cmi_data": {"cmi.core.lesson_location": "p1"}}).status_code == 200
    assert WebhookEvent.select().count() == 0  # nobody listens: nothing written

    create(
        client, admin_key, url=RECEIVER, events=["session.progress", "session.completed", "session.scored"]
    )
    assert put({"cmi_data": {"cmi.core.lesson_location": "p2"}}).status_code == 200
    assert put({"cmi_data": {"cmi.core.lesson_location": "p3"}}).status_code == 200
    [progress] = WebhookEvent.select()  # coalesced: one waiting progress event, the latest state
    assert progress.type == "session.progress" and progress.object_id == session["id"]
    assert progress.data["session"]["id"] == session["id"]
    # A refused write writes no event either.
    assert put({"score": {"scaled": 5}}).status_code == 400
    assert WebhookEvent.select().count() == 1
    assert (
        put({"cmi_data": {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "80"}}).status_code == 200
    )
    types = [e.type for e in WebhookEvent.select().order_by(WebhookEvent.seq)]
    assert types == ["session.progress", "session.completed", "session.scored"]
    # The waiting progress goes first, now: the completion does not overtake it.
    deliveries = {d.event.type: d for d in Delivery.select()}
    assert deliveries["session.progress"].next_attempt_at <= deliveries["session.completed"].next_attempt_at
    assert deliveries["session.progress"].seq < deliveries["session.completed"].seq


def test_package_events(client, admin_key, make_settings):
    create(client, admin_key, url=RECEIVER, event_type="*")
    pkg = upload_and_process(client, admin_key, fixture("golf_scorm12_singlesco.zip").read_bytes())[0]
    upload_and_process(
        client, admin_key, fixture("golf_scorm12_runtime_basic.zip").read_bytes(), package_id=pkg["id"]
    )
    client.delete(f"/api/v1/packages/{pkg['id']}", headers=bearer(admin_key))
    types = [e.type for e in WebhookEvent.select().order_by(WebhookEvent.seq)]
    assert types == [
        "package.processing.completed",
        "package.processing.completed",
        "package.updated",
        "package.deleted",
    ]
    assert {e.object_id for e in WebhookEvent.select()} == {pkg["id"]}


def test_cloud_mode_takes_the_documented_fields_only(make_settings):
    from scorm_api.factory import create_app

    app = create_app(make_settings(contract="cloud"))
    client = app.test_client()
    key = state.of(app).first_run_key.plaintext
    assert create(client, key, url=RECEIVER, event_type="session.completed").status_code == 201
    refused = assert_envelope(create(client, key, url=RECEIVER, events=["*"]), 400, "VALIDATION_ERROR")
    assert refused["error"]["details"]["fieldErrors"] == {"events": ["Unknown field"]}
    assert_envelope(client.get("/api/v1/webhooks", headers=bearer(key)), 404, "NOT_FOUND")


def test_usage_threshold_at_80_and_100_percent_of_the_quota(client, make_tenant):
    from scorm_api.tenants.models import Tenant

    tenant = make_tenant("Small")
    Tenant.update(max_packages=5).where(Tenant.id == tenant.tenant_id).execute()
    key = tenant.keys["admin"]
    create(client, key, url=PUBLIC, event_type="usage.threshold")
    golf = fixture("golf_scorm12_singlesco.zip").read_bytes()
    seen = []
    for n in range(1, 6):
        upload_and_process(client, key, golf)
        seen.append(
            [e.data["usage"]["threshold_percent"] for e in WebhookEvent.select().order_by(WebhookEvent.seq)]
        )
    assert seen == [[], [], [], [80], [80, 100]]
    [last] = WebhookEvent.select().order_by(WebhookEvent.seq.desc()).limit(1)
    assert last.data["usage"] == {"metric": "packages", "used": 5, "limit": 5, "threshold_percent": 100}


def test_a_webhook_failing_for_three_days_is_disabled_until_enabled_again(client, admin_key):
    hook = create(client, admin_key, url=RECEIVER, event_type="*").get_json()
    w = Webhook.get_by_id(hook["id"])
    Webhook.update(failing_since=utcnow_iso(timedelta(days=-3, minutes=-1))).where(
        Webhook.id == w.id
    ).execute()
    event = events.new_event(w.tenant_id, "webhook.test", None, {})
    events.queue(event, [w.id])
    [claimed] = delivery.claim()
    failed = delivery.Outcome(503, 5.0, "busy", "HTTP 503", "retry")
    delivery.settle([(claimed, Webhook.get_by_id(w.id), event, failed)])
    shown = client.get(f"/api/v1/webhooks/{w.id}", headers=bearer(admin_key)).get_json()
    assert shown["enabled"] is False and "failed for 3 days" in shown["disabled_reason"]
    assert delivery.claim() == []  # a disabled webhook's deliveries wait
    again = client.patch(f"/api/v1/webhooks/{w.id}", headers=bearer(admin_key), json={"enabled": True})
    assert again.get_json()["enabled"] and again.get_json()["disabled_reason"] is None
    assert again.get_json()["failing_since"] is None  # a fresh start
