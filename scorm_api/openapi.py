"""The OpenAPI 3.1 document, generated from the app's own routes, and the offline docs UI.

Every route carries an EndpointSpec (scorm_api.endpoint); `undocumented_routes` lists any that does
not, and a test keeps that list empty, so the document cannot drift from the app.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, send_from_directory

from scorm_api import contract
from scorm_api import state as app_state
from scorm_api.endpoint import EndpointSpec, endpoint
from scorm_api.schemas import ERROR
from scorm_api.version import __version__

bp = Blueprint("docs", __name__)


def init_app(app: Flask, state: app_state.State) -> None:
    app.register_blueprint(bp)


VENDOR_DIR = Path(__file__).parent / "static" / "vendor"
# Routes that are not part of the API surface (assets). Anything else must be documented.
# The dashboard's HTML pages and forms are for browsers; its one JSON endpoint is documented.
NOT_API_ENDPOINTS = {
    "static",
    "docs.vendor_asset",
    "player.static",
    "dispatch_pages.static",
    "dashboard.static",
    "dashboard.login_page",
    "dashboard.login_submit",
    "dashboard.logout",
    "dashboard.index",
    "dashboard.page",
    "dashboard.auto_login",
    "dashboard_root.home",
}

_ERROR_TEXT = {
    400: "Malformed request or failed validation (VALIDATION_ERROR carries details.fieldErrors)",
    401: "Missing, unknown or revoked API key",
    403: "The key lacks the scope, or the tenant_id is not the key's",
    404: "Not found (also for other tenants' objects)",
    409: "State conflict",
    413: "Request body too large",
    429: "Rate limit exceeded; see Retry-After and X-RateLimit-Reset",
    500: "Server error",
    503: "Service unhealthy",
    507: "The server's disk is full: nothing was written (INSUFFICIENT_STORAGE; our extension)",
}
_RATE_HEADERS = {
    "X-RateLimit-Limit": {"schema": {"type": "integer"}, "description": "Requests allowed per window"},
    "X-RateLimit-Remaining": {"schema": {"type": "integer"}, "description": "Requests left in the window"},
    "X-RateLimit-Reset": {"schema": {"type": "integer"}, "description": "Unix time the window resets"},
}


TAG_ORDER = [
    "Health",
    "Packages",
    "Sessions",
    "Learners",
    "Content",
    "Player",
    "xAPI",
    "xAPI LRS",
    "Webhooks",
    "Dispatches",
    "API keys",
    "Tenants",
    "Settings",
    "Sync to cloud",
    "Records",
    "Dashboard",
    "Docs",
]

INTRO = """\
Self-hosted edition of the cloud SCORM API: same paths, bodies, error envelope, auth headers
and rate-limit headers, so a client that works against one works against the other.

**Authentication.** Send an API key as `Authorization: Bearer ac_live_...` or
`X-API-Key: ac_live_...`; when both are present, Bearer wins. Scopes: `read` for GET,
`write` for POST/PUT, `admin` for everything including deletions, API keys and tenants.

**Rate limits** per tenant: read 1000/min, write 100/min, upload 10/min (configurable).
Every authenticated response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
`X-RateLimit-Reset` (unix time); a 429 also carries `Retry-After`.

**Errors** always look like
`{"error": {"code", "message", "details"}, "request_id"}`; validation errors list
`details.fieldErrors`. The request id is echoed in `X-Request-Id` (send your own to trace a call).
"""


def _operation(spec: EndpointSpec, path: str, endpoint_name: str) -> dict:
    op: dict = {"operationId": endpoint_name.replace(".", "_"), "summary": spec.summary, "tags": [spec.tag]}
    if contract.is_extension(spec.method, path):
        op["x-appliance-extension"] = True  # not in the cloud's documentation (contract.py)
    if spec.description:
        op["description"] = spec.description
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{([a-zA-Z_]+)}", path)
    ]
    for name, prop in (spec.query or {}).get("properties", {}).items():
        params.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": prop,
                **({"description": prop["description"]} if "description" in prop else {}),
            }
        )
    if params:
        op["parameters"] = params
    body = spec.body if spec.body is not None else spec.body_doc
    if body is not None:
        op["requestBody"] = {"required": True, "content": {spec.body_content_type: {"schema": body}}}
    ok: dict[str, Any] = {"description": "Success"}
    if spec.response is not None:
        ok["content"] = {spec.content_type: {"schema": spec.response}}
    elif spec.content_type != "application/json":
        ok["content"] = {spec.content_type: {"schema": {"type": "string"}}}
    statuses = set(spec.errors) | {500}
    if spec.body is not None or spec.query is not None:
        statuses.add(400)
    if spec.auth:
        statuses |= {401, 403, 429}
        ok["headers"] = _RATE_HEADERS
        op["security"] = [{"bearerAuth": []}, {"apiKeyHeader": []}]
        op["x-required-scope"] = spec.scope
        op["x-rate-limit-bucket"] = spec.bucket
    if body is not None:
        statuses.add(413)
    if spec.method != "GET":
        statuses.add(507)  # any write can meet a full disk
    op["responses"] = {str(s): ok for s in sorted({spec.status, *spec.also})}
    for status in sorted(statuses):
        op["responses"][str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return op


def iter_routes(app: Flask):
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        yield rule, getattr(view, "endpoint_spec", None)


def undocumented_routes(app: Flask) -> list[str]:
    return sorted(
        f"{sorted(r.methods - {'HEAD', 'OPTIONS'})} {r.rule}"
        for r, spec in iter_routes(app)
        if spec is None and r.endpoint not in NOT_API_ENDPOINTS
    )


def build_openapi(app: Flask) -> dict:
    paths: dict[str, dict] = {}
    for rule, spec in iter_routes(app):
        if spec is None:
            continue
        path = contract.openapi_path(rule.rule)
        paths.setdefault(path, {})[spec.method.lower()] = _operation(spec, path, rule.endpoint)
    settings = app_state.of(app).settings
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SCORM API appliance",
            "version": __version__,
            "description": INTRO,
        },
        "tags": [{"name": t} for t in TAG_ORDER],
        "servers": [{"url": settings.base_url}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Authorization: Bearer ac_live_...",
                },
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }


@endpoint(
    bp,
    "/api/docs/openapi",
    "GET",
    tag="Docs",
    auth_required=False,
    summary="OpenAPI 3.1 document",
    response={"type": "object"},
)
def openapi_document():
    state = app_state.current()
    if state.openapi_doc is None:  # routes are fixed once the app serves, so build once
        state.openapi_doc = build_openapi(current_app._get_current_object())
    return state.openapi_doc


@endpoint(
    bp,
    "/api/docs",
    "GET",
    tag="Docs",
    auth_required=False,
    content_type="text/html",
    summary="Interactive API reference (works offline)",
)
def docs_page():
    nonce = secrets.token_urlsafe(16)
    resp = Response(render_template("docs.html", nonce=nonce), mimetype="text/html")
    # As the dashboard's pages: never framed (clickjacking), scripts only from here. Scalar
    # sets inline styles, so styles may be inline; its one inline script carries the nonce.
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


@bp.route("/api/docs/assets/<path:filename>")
def vendor_asset(filename):
    return send_from_directory(VENDOR_DIR, filename, max_age=86400)
