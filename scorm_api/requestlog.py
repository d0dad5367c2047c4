"""Request ids and structured request log lines.

A client-sent X-Request-Id is kept when it is sane (printable, short); otherwise a fresh UUID
is used. One JSON log line per request: request id, tenant, route, status, duration. A person
watching the terminal gets a short line per request instead (the log file stays JSON).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
import time
import uuid

from flask import Flask, g, request

from scorm_api.config import Settings
from scorm_api.datadir import keep_private

log = logging.getLogger(__name__)
LOG_FILE_BYTES = 5 * 1024 * 1024

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"), default=str)


class TerminalFormatter(logging.Formatter):
    """One short line per event for a person at a terminal: `12:03:04 GET /api/health 200
    1.2 ms`; other events as `12:03:04 warning: message (field=value, ...)`."""

    def format(self, record: logging.LogRecord) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(record.created))
        fields = dict(getattr(record, "fields", None) or {})
        if record.name == __name__ and record.getMessage() == "request":
            took = fields.get("duration_ms")
            line = f"{when} {fields.get('method')} {fields.get('path')} {fields.get('status')}" + (
                f" {took:.1f} ms" if took is not None else ""
            )
        else:
            extra = ", ".join(f"{k}={v}" for k, v in fields.items())
            line = f"{when} {record.levelname.lower()}: {record.getMessage()}" + (
                f" ({extra})" if extra else ""
            )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(settings: Settings) -> None:
    """Log to stderr (JSON lines, or short lines when stderr is a terminal), and JSON lines to
    a file when one is configured. Idempotent."""
    keep_private()  # the log file may be the first thing this process writes
    # No formatter of ours shows where a record was logged from, nor its thread or process:
    # skipping those lookups (the stack walk for the caller, above all) took a fifth off a
    # request's log line, in process. The logging HOWTO's "Optimization" section names them.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger("scorm_api")
    root.setLevel(logging.INFO)
    root.propagate = False
    for h in list(root.handlers):
        if getattr(h, "_scorm_api", False):
            root.removeHandler(h)
            h.close()
    console = logging.StreamHandler(sys.stderr)
    # A terminal is a person reading: a JSON line per request floods it. Piped or redirected
    # (a service manager, a container, the tests), stderr stays JSON for machines.
    console.setFormatter(TerminalFormatter() if sys.stderr.isatty() else JsonLineFormatter())
    handlers: list[logging.Handler] = [console]
    if settings.log_file:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        # Rotated, so a laptop left running for months keeps at most 4 x LOG_FILE_BYTES.
        to_file = logging.handlers.RotatingFileHandler(
            settings.log_file, maxBytes=LOG_FILE_BYTES, backupCount=3, encoding="utf-8"
        )
        to_file.setFormatter(JsonLineFormatter())
        handlers.append(to_file)
    for h in handlers:
        h._scorm_api = True  # type: ignore[attr-defined]  # ours: replaced on the next call
        root.addHandler(h)


def quiet_console() -> None:
    """Warnings only on stderr (the log file, if any, keeps everything): for a CLI command
    that works through the app, whose requests are its own steps, not a person's."""
    for h in logging.getLogger("scorm_api").handlers:
        if getattr(h, "_scorm_api", False) and type(h) is logging.StreamHandler:
            h.setLevel(logging.WARNING)


def init_request_log(app: Flask, settings: Settings) -> None:
    @app.before_request
    def _start():
        g.started = time.perf_counter()
        rid = request.headers.get("X-Request-Id", "")
        g.request_id = rid if _REQUEST_ID_OK.match(rid) else str(uuid.uuid4())

    @app.after_request
    def _finish(resp):
        rid = getattr(g, "request_id", None)
        if rid:
            resp.headers["X-Request-Id"] = rid
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        if settings.log_requests:
            principal = getattr(g, "principal", None)
            started = getattr(g, "started", None)
            log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": rid,
                        "tenant_id": principal.tenant_id if principal else None,
                        "method": request.method,
                        "route": request.url_rule.rule if request.url_rule else None,
                        "path": request.path,
                        "status": resp.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                    }
                },
            )
        return resp
