import threading

import pytest

from scorm_api import state
from scorm_api.config import Settings
from scorm_api.factory import create_app
from scorm_api.ratelimit import MemoryRateLimiter, TenantLimits

from tests.support import assert_envelope, bearer


def test_memory_limiter_is_exact_across_threads():
    limiter = MemoryRateLimiter(clock=lambda: 1000.0)
    allowed = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def worker():
        barrier.wait()
        mine = sum(limiter.hit("t:read", 500, 60).allowed for _ in range(100))
        with lock:
            allowed.append(mine)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 500


def test_window_resets_on_the_clock():
    now = [120.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    decisions = [limiter.hit("k", 2, 60) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert [d.remaining for d in decisions] == [1, 0, 0]
    assert decisions[0].reset_epoch == 180
    assert decisions[2].headers(now=150.0)["Retry-After"] == "30"
    now[0] = 180.0
    assert limiter.hit("k", 2, 60).allowed


def test_buckets_use_their_own_limits(tmp_path):
    limits = TenantLimits(
        Settings(data_dir=tmp_path, rate_limit_read=5, rate_limit_write=3, rate_limit_upload=1)
    )
    assert limits.check("t", "upload").limit == 1
    assert not limits.check("t", "upload").allowed
    assert limits.check("t", "write").limit == 3
    assert limits.check("t", "read").remaining == 4


@pytest.fixture
def tight_app(make_settings):
    return create_app(make_settings(rate_limit_read=3, rate_limit_write=2))


def test_headers_on_every_authenticated_response(tight_app):
    key = state.of(tight_app).first_run_key.plaintext
    client = tight_app.test_client()
    remaining = []
    for _ in range(3):
        resp = client.get("/api/v1/packages", headers=bearer(key))
        assert resp.status_code == 200
        assert resp.headers["X-RateLimit-Limit"] == "3"
        assert int(resp.headers["X-RateLimit-Reset"]) > 1_600_000_000
        remaining.append(int(resp.headers["X-RateLimit-Remaining"]))
    assert remaining == [2, 1, 0]
    # Errors of authenticated requests carry them too.
    resp = client.post("/api/v1/api-keys", headers=bearer(key), data="{", content_type="application/json")
    assert resp.status_code == 400 and resp.headers["X-RateLimit-Limit"] == "2"
    # Unauthenticated routes do not.
    assert "X-RateLimit-Limit" not in client.get("/api/health").headers


def test_429_with_retry_after_and_separate_buckets_and_tenants(tight_app):
    key = state.of(tight_app).first_run_key.plaintext
    client = tight_app.test_client()
    for _ in range(3):
        client.get("/api/v1/packages", headers=bearer(key))
    resp = client.get("/api/v1/packages", headers=bearer(key))
    body = assert_envelope(resp, 429, "RATE_LIMIT_EXCEEDED")
    assert body["error"]["message"] == "Rate limit exceeded"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
    assert resp.headers["X-RateLimit-Remaining"] == "0"
    # Writes have their own bucket.
    created = client.post(
        "/api/v1/tenants",
        headers=bearer(key),
        json={"name": "Other", "initial_api_key": {"scopes": ["read"]}},
    )
    assert created.status_code == 201
    # Another tenant is not affected by this tenant's exhaustion.
    other_key = created.get_json()["api_key"]["api_key"]
    assert client.get("/api/v1/packages", headers=bearer(other_key)).status_code == 200


def test_rate_limited_request_does_nothing(tight_app):
    key = state.of(tight_app).first_run_key.plaintext
    client = tight_app.test_client()
    statuses = [
        client.post("/api/v1/api-keys", headers=bearer(key), json={"scopes": ["read"]}).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 429, 429]
    listed = client.get("/api/v1/api-keys", headers=bearer(key)).get_json()
    assert listed["pagination"]["total"] == 3  # the initial key and two new ones


def test_limits_can_be_switched_off(make_settings):
    app = create_app(make_settings(rate_limits_enabled=False, rate_limit_read=1))
    key = state.of(app).first_run_key.plaintext
    client = app.test_client()
    for _ in range(5):
        resp = client.get("/api/v1/packages", headers=bearer(key))
        assert resp.status_code == 200
        assert "X-RateLimit-Limit" not in resp.headers
