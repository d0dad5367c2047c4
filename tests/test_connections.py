"""Slow and hostile clients at the socket layer, against a real server process: sockets that
trickle headers, too many connections from one address, idle keep-alives, and requests
waitress refuses before the app runs (answered with the error envelope).

Loopback is 127.0.0.0/8 on Linux, so "other clients" are sockets bound to 127.0.0.2 and up.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time

import pytest
import requests

from tests.support import wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="binds client sockets across 127.0.0.0/8")


def port_of(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def connect(server, source: str) -> socket.socket:
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", port_of(server)))
    return s


def read_all(s: socket.socket, timeout: float = 10.0) -> bytes:
    """What the server sends until it closes the connection (b"" if it closes silently)."""
    s.settimeout(timeout)
    out = b""
    try:
        while chunk := s.recv(65536):
            out += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return out


def closed_by_server(s: socket.socket) -> bool:
    s.settimeout(0.05)
    try:
        return s.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def envelope_of(raw: bytes) -> tuple[int, dict, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    headers = dict(line.split(b": ", 1) for line in lines[1:])
    assert headers[b"Content-Type"] == b"application/json", raw[:300]
    parsed = json.loads(body)
    assert set(parsed) == {"error", "request_id"} and set(parsed["error"]) == {"code", "message", "details"}
    return int(lines[0].split()[1]), parsed, headers.get(b"Retry-After", b"")


def test_health_answers_while_200_sockets_trickle_headers(live_server_factory):
    server = live_server_factory(env={"SCORM_API_HEADER_TIMEOUT_SECONDS": "30"})
    sockets = []
    for n in range(200):  # 20 from each of ten other addresses, under the per-client cap
        s = connect(server, f"127.0.0.{2 + n % 10}")
        s.sendall(b"GET /api/health HTTP/1.1\r\n")
        sockets.append(s)
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            for s in sockets:
                try:
                    s.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    pass
            stop.wait(1.0)

    threading.Thread(target=trickle, daemon=True).start()
    try:
        took = []
        for _ in range(100):
            t0 = time.perf_counter()
            resp = requests.get(server.url + "/api/health", timeout=30)
            took.append(time.perf_counter() - t0)
            assert resp.status_code == 200
        took.sort()
        print(
            f"health with 200 trickling sockets: p50 {took[50] * 1000:.1f} ms, p99 {took[98] * 1000:.1f} ms"
        )
        # The failure this guards against is no answer at all (20 s and more); the p99 target
        # (< 100 ms) is measured by bench/slow_clients.py, not asserted on a busy machine.
        assert took[98] < 5.0
        assert not any(closed_by_server(s) for s in sockets[:20])  # within their header deadline
    finally:
        stop.set()
        for s in sockets:
            s.close()


def test_headers_that_do_not_arrive_in_time_are_cut_off(live_server_factory):
    server = live_server_factory(env={"SCORM_API_HEADER_TIMEOUT_SECONDS": "2"})
    trickler, silent, bare_lf = (connect(server, "127.0.0.2") for _ in range(3))
    trickler.sendall(b"GET /api/health HTTP/1.1\r\n")
    silent.sendall(b"GET /api/health HTTP/1.1\r\nHost: x")  # never finishes its headers
    bare_lf.sendall(b"GET /api/health HTTP/1.1\nHost: x\n\n")  # waitress waits for CRLF
    t0 = time.monotonic()
    while time.monotonic() - t0 < 8 and not closed_by_server(trickler):
        trickler.sendall(b"X-Slow: 1\r\n")  # activity every half second does not save it
        time.sleep(0.5)
    assert closed_by_server(trickler), "the trickling request was not cut off"
    assert wait_until(lambda: closed_by_server(silent) and closed_by_server(bare_lf), timeout=10)
    # A request whose headers come in time is served, body and all, however long it then takes.
    ok = connect(server, "127.0.0.2")
    ok.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert read_all(ok).startswith(b"HTTP/1.1 200")


def test_one_address_cannot_take_every_connection(live_server_factory):
    server = live_server_factory(env={"SCORM_API_MAX_CONNECTIONS_PER_CLIENT": "5"})
    held = [connect(server, "127.0.0.3") for _ in range(5)]
    extra = connect(server, "127.0.0.3")
    status, body, retry = envelope_of(read_all(extra))
    assert status == 429 and body["error"]["code"] == "RATE_LIMIT_EXCEEDED" and retry == b"5"
    assert "connections" in body["error"]["message"]
    # Others are not affected, and the address gets its slots back as it closes connections.
    assert requests.get(server.url + "/api/health", timeout=30).status_code == 200
    for s in held:
        s.close()

    def serves_again():
        s = connect(server, "127.0.0.3")
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return read_all(s).startswith(b"HTTP/1.1 200")

    assert wait_until(serves_again, timeout=10)
    assert any("too many from one client" in line for line in server.log_lines()), (
        "the refusal is not in the log"
    )


def test_idle_keep_alive_connections_are_closed(live_server_factory):
    server = live_server_factory(env={"SCORM_API_IDLE_TIMEOUT_SECONDS": "2"})
    s = connect(server, "127.0.0.4")
    s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(10)
    assert s.recv(65536).startswith(b"HTTP/1.1 200")
    assert wait_until(lambda: closed_by_server(s), timeout=15)


# What waitress answers itself, before the app: each must be the envelope, never plain text.
REFUSED = {
    "bad request line": (b"GARBAGE\r\n\r\n", 400),
    "bad chunk size": (
        b"POST /api/v1/packages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n",
        400,
    ),
    "negative content-length": (
        b"POST /api/v1/packages HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        400,
    ),
    "non-numeric content-length": (
        b"POST /api/v1/packages HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n",
        400,
    ),
    "huge content-length": (
        b"POST /api/v1/packages HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        413,
    ),
    "NUL in a header": (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
    "space before the colon": (b"GET /api/health HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    "oversize headers": (b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 300_000 + b"\r\n\r\n", 431),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_requests_waitress_refuses_get_the_error_envelope(live_server, name):
    raw, expected = REFUSED[name]
    s = connect(live_server, "127.0.0.5")
    s.sendall(raw)
    status, body, _ = envelope_of(read_all(s))
    assert status == expected
    assert body["error"]["code"] in ("BAD_REQUEST", "PAYLOAD_TOO_LARGE")
    assert requests.get(live_server.url + "/api/health", timeout=30).status_code == 200


def test_header_names_go_out_as_the_contract_spells_them(live_server):
    """waitress capitalises each part of a header name (X-Ratelimit-Limit); the seed says
    X-RateLimit-Limit and the xAPI specification X-Experience-API-Version. Case-sensitive
    clients exist, so the wire carries the contract's spelling."""
    s = connect(live_server, "127.0.0.6")
    s.sendall(
        b"GET /api/v1/packages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"Authorization: Bearer {live_server.admin_key}\r\n\r\n".encode()
    )
    head = read_all(s).split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    names = {line.split(b":", 1)[0] for line in head[1:]}
    assert {b"X-RateLimit-Limit", b"X-RateLimit-Remaining", b"X-RateLimit-Reset"} <= names, names
    assert not any(n.startswith(b"X-Ratelimit") for n in names)
    s = connect(live_server, "127.0.0.6")
    s.sendall(b"GET /xapi/about HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head = read_all(s).split(b"\r\n\r\n", 1)[0]
    assert b"\r\nX-Experience-API-Version: " in head
