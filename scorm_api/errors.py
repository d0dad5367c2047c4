"""The one error type and the seed's error envelope.

Services raise ApiError; the handlers registered here are the only place an error response is
built, so every failure (routing, HTTP, unexpected exceptions) answers the same envelope:
{"error": {"code", "message", "details"}, "request_id"}.

ApiError is raised everywhere, the CLI included; Flask is imported only where a response is
built, so that a command which never answers a request (`--help`, `keys list`) does not load
it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scorm_api import disk

if TYPE_CHECKING:
    from flask import Flask, Response
    from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def validation_error(field_errors: dict[str, list[str]], message: str = "Validation failed") -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", message, {"fieldErrors": field_errors})


def bad_request(message: str, details: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, "BAD_REQUEST", message, details)


def not_found(code: str = "NOT_FOUND", message: str = "Resource not found") -> ApiError:
    return ApiError(404, code, message)


def forbidden(message: str = "Insufficient permissions", details: dict[str, Any] | None = None) -> ApiError:
    return ApiError(403, "FORBIDDEN", message, details)


# HTTP errors raised by Flask/Werkzeug itself, mapped onto the seed's codes (plus a few where
# the seed has none that fits).
_HTTP_CODES = {
    400: ("BAD_REQUEST", "Invalid request format"),
    401: ("UNAUTHORIZED", "Missing or invalid API key"),
    403: ("FORBIDDEN", "Insufficient permissions"),
    404: ("NOT_FOUND", "Resource not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed for this resource"),
    409: ("CONFLICT", "State conflict"),
    411: ("BAD_REQUEST", "A Content-Length header is required"),
    413: ("PAYLOAD_TOO_LARGE", "Request body is too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported content type"),
    429: ("RATE_LIMIT_EXCEEDED", "Rate limit exceeded"),
    507: ("INSUFFICIENT_STORAGE", disk.FULL_MESSAGE),
}


def disk_full() -> ApiError:
    """507: the disk is full (the seed has no code for it; ours is INSUFFICIENT_STORAGE)."""
    return ApiError(507, "INSUFFICIENT_STORAGE", disk.FULL_MESSAGE)


def error_response(err: ApiError) -> Response:
    from flask import g, jsonify  # loaded by the app long before any request (see the top)

    body = {
        "error": {"code": err.code, "message": err.message, "details": err.details},
        "request_id": getattr(g, "request_id", None),
    }
    resp = jsonify(body)
    resp.status_code = err.status
    for k, v in err.headers.items():
        resp.headers[k] = v
    return resp


def _from_http_exception(exc: HTTPException) -> ApiError:
    status = exc.code or 500
    code, message = _HTTP_CODES.get(status, ("INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST", exc.name))
    details: dict[str, Any] = {}
    headers: dict[str, str] = {}
    allowed = getattr(exc, "valid_methods", None)  # a MethodNotAllowed's
    if status == 405 and allowed:
        details["allowed_methods"] = sorted(allowed)
        headers["Allow"] = ", ".join(sorted(allowed))
    if status == 413 and exc.description and "limit" in exc.description:
        message = exc.description
    return ApiError(status, code, message, details, headers)


def register_error_handlers(app: Flask) -> None:
    import peewee
    from werkzeug.exceptions import HTTPException

    app.register_error_handler(ApiError, error_response)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return error_response(_from_http_exception(exc))

    @app.errorhandler(peewee.DatabaseError)
    def _database(exc: peewee.DatabaseError) -> Response:
        if disk.is_full(exc):
            log.warning("write refused: the disk is full", extra={"fields": {"error": str(exc)}})
            return error_response(disk_full())
        log.exception("database error")
        return error_response(ApiError(500, "DATABASE_ERROR", "Database operation failed"))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        if disk.is_full(exc):  # a file written directly (an upload, the object store)
            log.warning("write refused: the disk is full", extra={"fields": {"error": str(exc)}})
            return error_response(disk_full())
        log.exception("unhandled exception")
        return error_response(ApiError(500, "INTERNAL_ERROR", "Internal server error"))
