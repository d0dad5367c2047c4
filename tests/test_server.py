"""A real `scorm-api serve` process: start, first run, logs, signals, restart."""

import json
import signal
import socket
import threading
import time

import pytest
import requests

from scorm_api.factory import create_app
from scorm_api.server import AppServer

from tests.support import bearer


def test_first_start_serves_and_prints_the_key(live_server):
    assert live_server.admin_key and "shown only this once" in live_server.stdout
    assert (
        f"Dashboard: {live_server.url}/dashboard/  (open it to choose the admin password)"
        in live_server.stdout
    )
    health = live_server.get("/api/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "healthy" and body["service"] == "scorm-api"
    assert body["checks"]["database"] is True and body["timestamp"].endswith("Z")
    assert body["checks"]["disk"]["ok"] is True  # our extension: the data dir's free space
    resp = live_server.get("/api/v1/packages", headers=bearer(live_server.admin_key))
    assert resp.status_code == 200 and resp.json() == {"packages": [], "count": 0}


def test_structured_request_log(live_server):
    live_server.get(
        "/api/v1/packages", headers={**bearer(live_server.admin_key), "X-Request-Id": "log-test-1"}
    )
    live_server.get("/api/v1/packages/missing", headers=bearer(live_server.admin_key))
    live_server.stop()
    entries = [json.loads(line) for line in live_server.log_lines() if line.startswith("{")]
    requests_logged = [e for e in entries if e["msg"] == "request"]
    first = next(e for e in requests_logged if e["request_id"] == "log-test-1")
    assert first["route"] == "/api/v1/packages" and first["status"] == 200
    assert first["tenant_id"] and first["method"] == "GET"
    assert isinstance(first["duration_ms"], float)
    missing = next(e for e in requests_logged if e["path"] == "/api/v1/packages/missing")
    assert missing["status"] == 404 and missing["route"] == "/api/v1/packages/<package_id>"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_cleanly(live_server, sig):
    assert live_server.get("/api/health").status_code == 200
    assert live_server.stop(sig) == 0
    assert any('"msg":"stopped"' in line for line in live_server.log_lines())
    wal = live_server.data_dir / "scorm-api.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed on the way out


def test_restart_keeps_data_and_does_not_mint_a_new_key(live_server_factory, tmp_path):
    first = live_server_factory(data_dir=tmp_path / "keep")
    created = requests.post(
        first.url + "/api/v1/tenants", headers=bearer(first.admin_key), json={"name": "Survivor"}, timeout=10
    )
    assert created.status_code == 201
    first.stop()
    second = live_server_factory(data_dir=tmp_path / "keep")
    assert second.admin_key is None
    tenants = second.get("/api/v1/tenants", headers=bearer(first.admin_key)).json()["tenants"]
    assert "Survivor" in {t["name"] for t in tenants}


def test_oversize_and_chunked_bodies_over_real_http(live_server_factory):
    srv = live_server_factory(env={"SCORM_API_MAX_BODY_BYTES": "2048"})
    big = json.dumps({"scopes": ["read"], "name": "x" * 10_000})
    resp = requests.post(
        srv.url + "/api/v1/api-keys",
        data=big,
        timeout=10,
        headers={**bearer(srv.admin_key), "Content-Type": "application/json"},
    )
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    chunks = (big[i : i + 1000].encode() for i in range(0, len(big), 1000))
    resp = requests.post(
        srv.url + "/api/v1/api-keys",
        data=chunks,
        timeout=10,
        headers={**bearer(srv.admin_key), "Content-Type": "application/json"},
    )
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_stop_lets_in_flight_requests_finish(make_settings):
    """stop() during a slow request: the client still gets its full response."""
    settings = make_settings(port=0)
    app = create_app(settings)
    started = threading.Event()

    @app.route("/slow")
    def slow():
        started.set()
        time.sleep(1.0)
        return {"done": True}

    server = AppServer(app, settings)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    result = {}

    def call():
        result["resp"] = requests.get(f"http://127.0.0.1:{server.port}/slow", timeout=10)

    caller = threading.Thread(target=call)
    caller.start()
    assert started.wait(5)
    server.stop()
    caller.join(10)
    assert result["resp"].status_code == 200 and result["resp"].json() == {"done": True}
    assert server.wait_stopped(10)
    with socket.socket() as s:  # no longer accepting
        assert s.connect_ex(("127.0.0.1", server.port)) != 0
