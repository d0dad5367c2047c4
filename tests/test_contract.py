"""The cloud's contract beside our extensions: the OpenAPI document marks each operation the
cloud does not document, and a server in cloud-contract mode answers those exactly as a route
that does not exist, while the cloud's own operations, the player, content and the LRS work."""

import pytest

from scorm_api import state
from scorm_api.config import SettingsError, settings_from_env
from scorm_api.contract import CLOUD_OPERATIONS, is_extension
from scorm_api.factory import create_app
from scorm_api.openapi import build_openapi

from tests.support import assert_envelope, bearer

# Cloud operations this appliance does not serve yet, and the issue that brings each.
PENDING: dict[tuple[str, str], int] = {}
EXTENSIONS = [
    ("POST", "/api/v1/sessions"),
    ("POST", "/api/v1/sessions/{session_id}/launch"),
    ("DELETE", "/api/v1/sessions/{session_id}/progress"),
    ("GET", "/api/v1/tenants"),
    ("POST", "/api/v1/api-keys"),
    ("POST", "/api/v1/sync/runs"),
    ("GET", "/api/v1/settings"),
    ("GET", "/api/v1/xapi/credentials"),
]


def operations(doc):
    return {
        (method.upper(), path): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "delete", "patch")
    }


def test_the_document_marks_every_extension(app):
    ops = operations(build_openapi(app))
    for key in EXTENSIONS:
        assert ops[key].get("x-appliance-extension") is True, key
    for key, op in ops.items():
        expected = is_extension(*key)
        assert bool(op.get("x-appliance-extension")) is expected, key
    # Every cloud operation is either served here (unmarked) or pending with its issue.
    served = {k for k in ops if k in CLOUD_OPERATIONS}
    assert served | set(PENDING) == set(CLOUD_OPERATIONS), set(CLOUD_OPERATIONS) - served - set(PENDING)
    assert not served & set(PENDING)
    # Flow targets and the LRS are never extensions.
    for key in [
        ("PUT", "/storage/{key}"),
        ("POST", "/player/runtime/{token}/commit"),
        ("GET", "/xapi/about"),
    ]:
        assert "x-appliance-extension" not in ops[key]


@pytest.fixture
def cloud(make_settings):
    app = create_app(make_settings(contract="cloud"))
    return app.test_client(), state.of(app).first_run_key.plaintext


def test_cloud_mode_answers_extensions_as_unknown_routes(cloud):
    client, key = cloud
    unknown = assert_envelope(client.get("/api/v1/no-such-route", headers=bearer(key)), 404, "NOT_FOUND")
    probes = [
        client.post("/api/v1/sessions", headers=bearer(key), json={"package_id": "x", "user_id": "u"}),
        client.get("/api/v1/tenants", headers=bearer(key)),
        client.get("/api/v1/api-keys", headers=bearer(key)),
        client.get("/api/v1/sync/runs", headers=bearer(key)),
        client.delete("/api/v1/sessions/abc/progress", headers=bearer(key)),
        client.get("/api/v1/tenants"),  # no key: still a missing route, not a 401
    ]
    for resp in probes:
        body = assert_envelope(resp, 404, "NOT_FOUND")
        assert body["error"]["message"] == unknown["error"]["message"]
        assert body["error"]["details"] == unknown["error"]["details"]


def test_cloud_mode_serves_the_cloud_operations_and_the_flows(cloud):
    client, key = cloud
    assert client.get("/api/health").status_code == 200
    assert client.get("/api/v1/packages", headers=bearer(key)).get_json() == {"packages": [], "count": 0}
    assert_envelope(client.get("/api/v1/sessions/nope", headers=bearer(key)), 404, "SESSION_NOT_FOUND")
    assert client.get("/api/v1/xapi/statements", headers=bearer(key)).status_code == 200
    ticket = client.post(
        "/api/v1/packages/upload-url", headers=bearer(key), json={"filename": "a.zip", "file_size": 10}
    )
    assert ticket.status_code == 200
    assert client.get("/xapi/about").status_code == 200
    assert client.get("/api/docs/openapi").status_code == 200


def test_the_contract_setting_is_checked():
    assert settings_from_env({"SCORM_API_CONTRACT": "cloud"}).contract == "cloud"
    with pytest.raises(SettingsError):
        settings_from_env({"SCORM_API_CONTRACT": "cloudy"})
