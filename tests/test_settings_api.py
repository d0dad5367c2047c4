"""GET/PUT /api/v1/settings: rate limits and the launch-link address change at once, survive a
restart (a new app on the same data dir), are validated, and are the operator's alone."""

from scorm_api.factory import create_app

from tests.support import assert_envelope, bearer


def test_operator_changes_limits_and_launch_address(client, admin_key, make_settings):
    s = client.get("/api/v1/settings", headers=bearer(admin_key)).get_json()
    assert s["rate_limits_enabled"] is True and s["content_url"] == "http://localhost:3001"
    assert s["content_url_override"] is None and s["public_url"] == "http://127.0.0.1:3001"

    resp = client.put(
        "/api/v1/settings",
        headers=bearer(admin_key),
        json={"rate_limit_read": 2, "content_url": "http://192.168.1.20:3001/"},
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["content_url"] == "http://192.168.1.20:3001"
    # At once: the limit applies to the next requests, and launch links use the new address.
    statuses = [client.get("/api/v1/packages", headers=bearer(admin_key)).status_code for _ in range(3)]
    assert statuses[-1] == 429
    client.put("/api/v1/settings", headers=bearer(admin_key), json={"rate_limits_enabled": False})
    assert all(client.get("/api/v1/packages", headers=bearer(admin_key)).status_code == 200 for _ in range(5))

    # Kept in the data dir: a restarted server starts with them.
    again = create_app(make_settings()).test_client()
    s = again.get("/api/v1/settings", headers=bearer(admin_key)).get_json()
    assert (s["rate_limits_enabled"], s["rate_limit_read"], s["content_url"]) == (
        False,
        2,
        "http://192.168.1.20:3001",
    )
    s = again.put("/api/v1/settings", headers=bearer(admin_key), json={"content_url": None}).get_json()
    assert s["content_url"] == "http://localhost:3001" and s["content_url_override"] is None


def test_settings_are_validated_and_operator_only(client, admin_key, make_tenant):
    for body, field in [
        ({"content_url": "ftp://x"}, "content_url"),
        ({"content_url": "http://h:1/path"}, "content_url"),
        ({"content_url": "http://127.0.0.1:3001"}, "content_url"),  # the dashboard's origin
        ({"rate_limit_read": 0}, "rate_limit_read"),
        ({"rate_limits_enabled": "yes"}, "rate_limits_enabled"),
        ({"public_url": "http://x"}, "public_url"),
    ]:
        resp = client.put("/api/v1/settings", headers=bearer(admin_key), json=body)
        assert_envelope(resp, 400, "VALIDATION_ERROR")
        assert field in resp.get_json()["error"]["details"]["fieldErrors"], body
    other = make_tenant()
    assert_envelope(client.get("/api/v1/settings", headers=other.headers()), 403, "FORBIDDEN")
    assert_envelope(
        client.put("/api/v1/settings", headers=other.headers(), json={"rate_limits_enabled": False}),
        403,
        "FORBIDDEN",
    )
    assert client.get("/api/v1/settings", headers=bearer(admin_key)).get_json()["rate_limits_enabled"] is True
