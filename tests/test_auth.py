"""Authentication and scopes exactly as the seed and the cloud's docs describe them."""

import hashlib

import pytest

from scorm_api.tenants import services
from scorm_api.tenants.models import ApiKey

from tests.support import assert_envelope, bearer


def test_missing_key_is_401(client):
    body = assert_envelope(client.get("/api/v1/packages"), 401, "UNAUTHORIZED")
    assert "Authorization: Bearer" in body["error"]["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer ac_live_doesnotexist"},
        {"X-API-Key": "ac_live_doesnotexist"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-even-our-format"},
        {"X-API-Key": ""},
        {"Authorization": "Bearer " + "ac_live_" + "x" * 5000},
    ],
)
def test_unknown_or_malformed_key_is_401(client, headers):
    assert_envelope(client.get("/api/v1/packages", headers=headers), 401, "UNAUTHORIZED")


def test_bearer_and_x_api_key_both_work(client, admin_key):
    assert client.get("/api/v1/packages", headers=bearer(admin_key)).status_code == 200
    assert client.get("/api/v1/packages", headers={"X-API-Key": admin_key}).status_code == 200
    assert client.get("/api/v1/packages", headers={"Authorization": f"bearer {admin_key}"}).status_code == 200


def test_bearer_wins_even_when_invalid(client, admin_key):
    resp = client.get(
        "/api/v1/packages", headers={"Authorization": "Bearer ac_live_wrong", "X-API-Key": admin_key}
    )
    assert_envelope(resp, 401, "UNAUTHORIZED")
    resp = client.get(
        "/api/v1/packages", headers={"Authorization": f"Bearer {admin_key}", "X-API-Key": "ac_live_wrong"}
    )
    assert resp.status_code == 200


def test_non_bearer_authorization_falls_back_to_x_api_key(client, admin_key):
    resp = client.get(
        "/api/v1/packages", headers={"Authorization": "Basic dXNlcjpwYXNz", "X-API-Key": admin_key}
    )
    assert resp.status_code == 200


def test_revoked_key_is_401(client, admin_key, make_tenant):
    t = make_tenant()
    assert client.get("/api/v1/packages", headers=t.headers("read")).status_code == 200
    key_id = ApiKey.get(ApiKey.prefix == t.keys["read"][:14]).id
    services.revoke_api_key(key_id, t.tenant_id)
    assert_envelope(client.get("/api/v1/packages", headers=t.headers("read")), 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    "label,method,path,status",
    [
        ("read", "GET", "/api/v1/packages", 200),
        ("read", "POST", "/api/v1/api-keys", 403),  # write needed (and admin for keys)
        ("write", "GET", "/api/v1/packages", 403),  # the cloud's write scope is POST/PUT only
        ("rw", "GET", "/api/v1/packages", 200),
        ("rw", "GET", "/api/v1/api-keys", 403),  # key management is admin
        ("rw", "DELETE", "/api/v1/api-keys/some-id", 403),  # deletions are admin
        ("admin", "GET", "/api/v1/api-keys", 200),
        ("admin", "GET", "/api/v1/packages", 200),
    ],
)
def test_scopes(client, make_tenant, label, method, path, status):
    t = make_tenant()
    kwargs = {"json": {"scopes": ["read"]}} if method == "POST" else {}
    resp = client.open(path, method=method, headers=t.headers(label), **kwargs)
    if status == 403:
        body = assert_envelope(resp, 403, "FORBIDDEN")
        assert body["error"]["details"]["required_scope"] in ("read", "write", "admin")
    else:
        assert resp.status_code == status, resp.get_json()


def test_only_a_hash_is_stored(app, client, admin_key, settings):
    created = client.post(
        "/api/v1/api-keys", headers=bearer(admin_key), json={"scopes": ["read"], "name": "ci"}
    ).get_json()
    plaintext = created["api_key"]
    assert plaintext.startswith("ac_live_") and len(plaintext) >= 40
    row = ApiKey.get_by_id(created["id"])
    assert row.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    from scorm_api.server import close_database

    close_database()  # fold the WAL in so the main file holds everything
    for path in settings.data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert plaintext.encode() not in data and admin_key.encode() not in data, path
    listed = client.get("/api/v1/api-keys", headers=bearer(admin_key)).get_json()
    assert plaintext not in str(listed)
    assert {k["id"] for k in listed["api_keys"]} >= {created["id"]}


def test_last_used_is_recorded_without_a_write_per_request(client, admin_key):
    row_before = ApiKey.get(ApiKey.prefix == admin_key[:14])
    assert row_before.last_used_at is None
    client.get("/api/v1/packages", headers=bearer(admin_key))
    first = ApiKey.get_by_id(row_before.id).last_used_at
    assert first is not None
    client.get("/api/v1/packages", headers=bearer(admin_key))
    assert ApiKey.get_by_id(row_before.id).last_used_at == first
