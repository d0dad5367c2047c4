"""Cross-origin calls from a partner's web app (the seed's quick start uploads "browser or
server"; its runbook sets CORS on the bucket, and the migration guide has an "Update CORS"
step): the origins the operator lists (settings.cors_origins, none by default) may call the
REST API and PUT to a presigned upload URL from a browser.

API keys travel in headers, never cookies, so credentials are not allowed cross-origin (the
dashboard's cookie is SameSite=Strict anyway). A preflight from an origin not listed is
refused (403, no Access-Control headers), and so is everything it would have allowed. The
LRS at /xapi/ keeps its own rule: any origin, as the xAPI specification expects.
"""

from __future__ import annotations

from flask import Flask, Response, request

from scorm_api.config import Settings
from scorm_api.errors import ApiError, error_response

PREFIXES = ("/api/v1/", "/storage/")
ALLOW_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, X-API-Key, X-Request-Id"
EXPOSE_HEADERS = "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, X-Request-Id"
MAX_AGE = "600"


def allowed_origins(settings: Settings) -> frozenset[str]:
    return frozenset(o.strip().rstrip("/") for o in settings.cors_origins.split(",") if o.strip())


def install(app: Flask, settings: Settings) -> None:
    origins = allowed_origins(settings)

    def covered() -> bool:
        return request.path.startswith(PREFIXES) and "Origin" in request.headers

    @app.before_request
    def _preflight() -> Response | None:
        if request.method != "OPTIONS" or not covered():
            return None
        if request.headers["Origin"] not in origins:
            return error_response(
                ApiError(403, "FORBIDDEN", "This origin may not call the API from a browser (CORS)")
            )
        return Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": request.headers["Origin"],
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": ALLOW_HEADERS,
                "Access-Control-Max-Age": MAX_AGE,
                "Vary": "Origin",
            },
        )

    @app.after_request
    def _allow(resp: Response) -> Response:
        if covered() and request.headers["Origin"] in origins:
            resp.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
            resp.headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
            resp.headers.add("Vary", "Origin")
        return resp
