"""Running the app under waitress, with a graceful stop.

On SIGINT/SIGTERM (or stop()): stop accepting connections, let in-flight requests finish and
their responses flush (up to a deadline), stop the worker threads, then checkpoint and close
the database. Nothing a client was told succeeded is lost.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
import time

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server

from scorm_api import connections, spool
from scorm_api.config import Settings
from scorm_api.db import database, is_sqlite

log = logging.getLogger(__name__)

DRAIN_SECONDS = 15.0
LOOP_TICK = 1.0


class AppServer:
    def __init__(self, app, settings: Settings, on_shutdown=(), sock: socket.socket | None = None):
        self.settings = settings
        spool.install(settings.tmp_dir)
        self._on_shutdown = list(on_shutdown)  # run after draining, before the database closes
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        listen = {"sockets": [sock]} if sock is not None else {"host": settings.host, "port": settings.port}
        self.server = create_server(
            app,
            **listen,
            threads=settings.threads,
            ident="scorm-api",
            # Body caps are enforced by the app (with the error envelope), not by waitress.
            max_request_body_size=64 * 1024**3,
            clear_untrusted_proxy_headers=True,
            connection_limit=connections.raise_open_files_limit(settings.max_connections),
            channel_timeout=settings.idle_timeout_seconds,
            cleanup_interval=1,  # the header deadline is checked then
            asyncore_use_poll=True,  # select() stops at 1,024 descriptors
            # waitress reads 8 KiB per recv by default: a gigabyte upload then costs ~130,000
            # trips round its I/O loop. 1 MiB reads triple upload throughput; only the one I/O
            # thread ever holds such a buffer.
            recv_bytes=1024 * 1024,
        )
        connections.install(self.server, settings)
        self.port = int(self.server.effective_port)

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    def install_signal_handlers(self) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda signum, frame: self.stop())

    def stop(self) -> None:
        """Ask the serving loop to stop; safe from any thread or a signal handler."""
        self._stopping.set()
        with contextlib.suppress(OSError):
            self.server.trigger.pull_trigger()

    def wait_stopped(self, timeout: float | None = None) -> bool:
        return self._stopped.wait(timeout)

    def serve_forever(self) -> None:
        smap = self.server._map
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=LOOP_TICK, map=smap, count=1, use_poll=True)
            log.info("shutting down: no new connections, draining in-flight requests")
            wasyncore.dispatcher.close(self.server)  # closes the listening socket only
            deadline = time.monotonic() + DRAIN_SECONDS
            while self._busy_channels() and time.monotonic() < deadline:
                wasyncore.loop(timeout=0.05, map=smap, count=1, use_poll=True)
        finally:
            self.server.task_dispatcher.shutdown(cancel_pending=False, timeout=DRAIN_SECONDS)
            for fn in self._on_shutdown:
                try:
                    fn()
                except Exception:
                    log.exception("shutdown step failed")
            for ch in list(smap.values()):
                with contextlib.suppress(OSError):
                    ch.close()
            close_database()
            self._stopped.set()
            log.info("stopped")

    def _busy_channels(self) -> int:
        return sum(
            1
            for ch in list(self.server._map.values())
            if isinstance(ch, HTTPChannel) and (ch.requests or ch.request is not None or ch.total_outbufs_len)
        )


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before the app is built, so that with port 0 the app knows the real port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def close_database() -> None:
    if database.obj is None:  # this process never opened one (a second desktop launch)
        return
    try:
        if is_sqlite() and not database.is_closed():
            # Fold the WAL back into the main file so the data dir is one tidy file at rest.
            database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
    except Exception:  # closing must not mask the reason we are stopping
        log.exception("closing the database failed")
