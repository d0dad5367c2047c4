"""A tenant admin must not make the server call this machine or its network (SSRF) through a
sync target, nor read what such a host answers; the system tenant's operator may.

The receiver is a real HTTP server on loopback that counts what reaches it: "refused" means
no request arrived, not only that an error came back.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from scorm_api import outbound, state
from scorm_api.sync import runner
from scorm_api.sync.client import Retry, Target, TargetError
from scorm_api.sync.models import SyncTarget

from tests.support import assert_envelope, bearer, http_server

SECRET_BODY = "<html>router admin: password=hunter2</html>"


@pytest.fixture
def receiver():
    """A loopback HTTP server answering 400 with a body that is not the API's envelope,
    recording the paths that reached it."""
    hits: list[str] = []

    def answer(path):
        hits.append(path)
        return 400, "text/html", SECRET_BODY.encode()

    with http_server(answer) as port:
        yield SimpleNamespace(hits=hits, url=f"http://127.0.0.1:{port}")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # the cloud metadata service
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_internal_addresses(address):
    assert outbound.is_internal(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address):
    assert not outbound.is_internal(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/#",  # a trailing # once chose the path the requests went to
        "http://example.org/#/admin",
        "http://example.org/?x=1",
        "http://user:pw@example.org",
        "http://example.org@127.0.0.1",
        "http://example.org\\@127.0.0.1",
        "http://exa mple.org",
        "http://example.org/\n",
        "ftp://example.org",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_",
        "",
    ],
)
def test_urls_that_could_steer_the_request_are_refused(url):
    with pytest.raises(Exception) as raised:
        outbound.check_url(url)
    assert raised.value.status == 400 and "url" in raised.value.details["fieldErrors"]


def test_a_tenant_admin_cannot_point_a_sync_at_this_machine(client, make_tenant, receiver):
    tenant = make_tenant("Acme")
    for url in (receiver.url, "http://localhost:9", "http://10.0.0.7", "http://[::1]:80", "http://0.0.0.0:1"):
        saved = client.put(
            "/api/v1/sync/target",
            headers=tenant.headers(),
            json={"url": url, "tenant_id": "t", "api_key": "ac_live_x"},
        )
        body = assert_envelope(saved, 400, "VALIDATION_ERROR")
        assert "operator" in body["error"]["details"]["fieldErrors"]["url"][0]
        run = client.post(
            "/api/v1/sync/runs",
            headers=tenant.headers(),
            json={"url": url, "tenant_id": "t", "api_key": "ac_live_x"},
        )
        assert_envelope(run, 400, "VALIDATION_ERROR")
    assert receiver.hits == []
    assert client.get("/api/v1/sync/target", headers=tenant.headers()).get_json()["target"] is None


def test_the_operator_may_sync_to_a_local_target(client, admin_key, receiver):
    saved = client.put(
        "/api/v1/sync/target",
        headers=bearer(admin_key),
        json={"url": receiver.url, "tenant_id": "t", "api_key": "ac_live_x"},
    )
    assert saved.status_code == 200, saved.get_json()


def test_the_connection_itself_is_checked(receiver):
    """A name that resolved elsewhere when it was checked (DNS rebinding), or a redirect,
    still meets the check when the connection is made: nothing is sent."""
    target = Target(receiver.url, "ac_live_x", "t", retry=Retry(attempts=3, sleep=lambda s: None))
    with pytest.raises(TargetError) as raised:
        target.call("GET", "/api/v1/packages")
    assert raised.value.code == "TARGET_REFUSED" and "operator" in raised.value.message
    assert receiver.hits == []  # refused before a byte went out, and not retried


def test_a_foreign_body_is_never_echoed(receiver):
    target = Target(receiver.url, "ac_live_x", "t", retry=Retry(attempts=1), allow_internal=True)
    with pytest.raises(TargetError) as raised:
        target.call("GET", "/api/v1/packages")
    assert receiver.hits == ["/api/v1/packages"]
    assert raised.value.status == 400 and "hunter2" not in str(raised.value)
    assert "envelope" in raised.value.message


def test_a_saved_internal_target_of_a_tenant_is_refused_when_its_schedule_runs(app, make_tenant, receiver):
    """A target saved before the check existed (or written behind the API's back)."""
    from scorm_api.db import utcnow_iso
    from scorm_api.sync import keys

    live = state.of(app)
    tenant = make_tenant("Acme")
    SyncTarget.create(
        tenant=tenant.tenant_id,
        url=receiver.url,
        remote_tenant_id="t",
        api_key_encrypted=keys.seal(live.secret, "ac_live_x"),
        api_key_hint="x",
        schedule_minutes=5,
        updated_at=utcnow_iso(),
    )
    assert runner.run_scheduled(live) == 0
    assert receiver.hits == []


def test_the_webhook_pools_check_each_connection_too(receiver):
    """outbound.Pools (the webhook sender's): a tenant's call to this machine is refused before
    a byte goes out; the operator's arrives."""
    pools = outbound.Pools(2)
    url = receiver.url + "/hook"
    with pytest.raises(Exception) as raised:
        pools.get(url, False).request("POST", url, body=b"{}", retries=False)
    assert outbound.refused(raised.value) is not None and receiver.hits == []
    answer = pools.get(url, True).request("GET", url, retries=False)  # (the test server answers GET)
    assert answer.status == 400 and receiver.hits == ["/hook"]


def test_the_operator_pools_take_the_environment_proxy(monkeypatch):
    monkeypatch.setenv("https_proxy", "http://proxy.example.org:3128")
    monkeypatch.setenv("no_proxy", "lms.internal")
    pools = outbound.Pools(2)
    proxied = pools.get("https://hooks.example.org/x", True)
    assert getattr(proxied, "proxy", None) is not None and proxied.proxy.host == "proxy.example.org"
    assert getattr(pools.get("https://lms.internal/x", True), "proxy", None) is None  # no_proxy
    assert getattr(pools.get("https://hooks.example.org/x", False), "proxy", None) is None  # a tenant's
