"""What the socket layer allows each client, so that slow or hostile clients cannot take the
server away from the others (a classroom puts it on a LAN).

waitress holds a connection slot for as long as a client keeps sending *something*: sockets
that trickle one header line every few seconds never reach its idle timeout, and a hundred of
them (its default limit) stopped the server answering anyone. Here:

- a larger total (settings.max_connections; the open-files limit is raised to fit),
- a cap per client address (settings.max_connections_per_client): past it a new connection is
  answered 429 at once and closed,
- a header deadline (settings.header_timeout_seconds): a request whose headers are not all in
  by then is closed, however slowly its bytes arrive,
- an idle timeout (settings.idle_timeout_seconds) for kept-alive connections with nothing
  pending, checked every second instead of waitress's 30.

Errors waitress answers itself, before the app runs (a malformed request line or chunk, a bad
Content-Length, a NUL in a header), get the API's error envelope instead of plain text, and
header names go out spelled as the contract spells them (waitress capitalises every part:
X-Ratelimit-Limit for the seed's X-RateLimit-Limit).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import Counter
from typing import Any

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask, WSGITask

from scorm_api import disk
from scorm_api.config import Settings

log = logging.getLogger(__name__)

# Descriptors the process needs besides client sockets: the database, logs, uploads, the
# listening socket and the job threads' files.
_SPARE_FILES = 128

# waitress's own error statuses, as the seed's codes.
_CODES = {
    400: "BAD_REQUEST",
    413: "PAYLOAD_TOO_LARGE",
    431: "BAD_REQUEST",
    501: "BAD_REQUEST",
}


def _error_body(code: str, message: str) -> tuple[str, bytes]:
    """A fresh request id and the seed's error envelope carrying it."""
    request_id = str(uuid.uuid4())
    body = {"error": {"code": code, "message": message, "details": {}}, "request_id": request_id}
    return request_id, json.dumps(body).encode()


def refusal(
    message: str,
    retry_after: int | None = None,
    status: str = "429 Too Many Requests",
    code: str = "RATE_LIMIT_EXCEEDED",
) -> bytes:
    """A whole error response, written by the socket layer itself (no request reached the app)."""
    request_id, body = _error_body(code, message)
    head = [
        f"HTTP/1.1 {status}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        f"X-Request-Id: {request_id}",
    ]
    if retry_after is not None:
        head.append(f"Retry-After: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class EnvelopeErrorTask(ErrorTask):
    """waitress's error response (a request it could not parse), as the error envelope."""

    def execute(self) -> None:
        e = self.request.error
        status = int(e.code)
        code = _CODES.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_ERROR")
        request_id, body = _error_body(code, f"{e.reason}: {e.body}" if e.body else e.reason)
        self.status = f"{status} {e.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), ("X-Request-Id", request_id)])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


# Header names as the seed and the xAPI specification spell them, by waitress's spelling.
_SPELLING = {
    b"X-Ratelimit-": b"X-RateLimit-",
    b"X-Experience-Api-Version:": b"X-Experience-API-Version:",
    b"Etag:": b"ETag:",
    b"Www-Authenticate:": b"WWW-Authenticate:",
}


class SpelledTask(WSGITask):
    """The app's response, its header names spelled as the contract has them."""

    def build_response_header(self) -> bytes:
        head: bytes = super().build_response_header()
        for waitress_name, ours in _SPELLING.items():
            head = head.replace(b"\r\n" + waitress_name, b"\r\n" + ours)
        return head


class GuardedChannel(HTTPChannel):
    """An HTTP connection that counts against its client's cap and its header deadline."""

    task_class = SpelledTask
    error_task_class = EnvelopeErrorTask
    request: Any  # waitress's parser of the request being read (None between requests)
    settings: Settings  # set by install()
    clients: Counter[str]  # open connections per client address, shared by all channels

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
        super().__init__(server, sock, addr, adj, map)
        self.request_started = time.monotonic()
        self.client = str(addr[0]) if isinstance(addr, tuple) else str(addr)
        self._counted = True
        self.clients[self.client] += 1
        if self.clients[self.client] > self.settings.max_connections_per_client:
            log.warning(
                "connection refused: too many from one client",
                extra={"fields": {"client": self.client, "open": self.clients[self.client] - 1}},
            )
            self.write_soon(refusal("Too many open connections from this address", retry_after=5))
            self.close_when_flushed = True

    # waitress reads recv_bytes (1 MiB, for uploads) at a time, and asking the socket for that
    # much allocates it: ~15 µs per read of a small request. A connection reads this much
    # until a read comes back full (a large body is arriving), then waitress's size.
    small_read = 64 * 1024
    _read_size = small_read

    def recv(self, buffer_size: int) -> bytes:
        size = min(self._read_size, buffer_size)
        data: bytes = super().recv(size)
        self._read_size = buffer_size if len(data) >= size else self.small_read
        return data

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.monotonic()  # a new request's first bytes
        try:
            return bool(super().received(data))
        except OSError as e:
            if not disk.is_full(e):
                raise
            # waitress spools a large body to disk before the app runs: on a full disk that
            # write fails here, and waitress would drop the connection without a word.
            log.warning(
                "request body not spooled: the disk is full", extra={"fields": {"client": self.client}}
            )
            self.request = None
            self.write_soon(
                refusal(disk.FULL_MESSAGE, status="507 Insufficient Storage", code="INSUFFICIENT_STORAGE")
            )
            self.close_when_flushed = True
            return False

    def headers_overdue(self, now: float) -> bool:
        request = self.request
        return (
            request is not None
            and not request.headers_finished
            and now - self.request_started > self.settings.header_timeout_seconds
        )

    def del_channel(self, map: Any = None) -> None:
        # Every way a channel closes ends here (waitress's handle_close bypasses close()).
        if self._counted:
            self._counted = False
            self.clients[self.client] -= 1
            if self.clients[self.client] <= 0:
                del self.clients[self.client]
        super().del_channel(map)


def install(server: Any, settings: Settings) -> None:
    """Guard a waitress server (made with create_server) with the settings' limits."""
    channel = type("Channel", (GuardedChannel,), {"settings": settings, "clients": Counter()})
    server.channel_class = channel
    inner = server.maintenance

    def maintenance(now: float) -> None:
        inner(now)  # waitress's idle timeout (adj.channel_timeout)
        mono = time.monotonic()
        for ch in list(server.active_channels.values()):
            if isinstance(ch, GuardedChannel) and ch.headers_overdue(mono):
                ch.will_close = True

    server.maintenance = maintenance


def raise_open_files_limit(wanted: int) -> int:
    """Raise the soft open-files limit towards `wanted` client sockets plus spares; return
    how many client connections fit."""
    try:
        import resource  # not on Windows, where select() is used and holds 512 sockets
    except ImportError:
        return min(wanted, 500)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + _SPARE_FILES
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    fits = wanted if soft == resource.RLIM_INFINITY else max(16, min(wanted, soft - _SPARE_FILES))
    if fits < wanted:
        log.warning(
            "open-files limit allows fewer connections than configured",
            extra={"fields": {"max_connections": wanted, "allowed": fits}},
        )
    return fits
