"""Which operations are the cloud's contract and which are ours.

The cloud's documented surface (the seed `api-overview.txt`, the migration guide, and the
cloud's public pages as `../shared/research/wave2-anchors.md` quotes them) is listed here, in
OpenAPI path form. Everything else the appliance serves under /api/ is our extension: the
OpenAPI document marks it `x-appliance-extension: true`, and in **cloud-contract mode**
(`SCORM_API_CONTRACT=cloud`) it answers exactly as an unknown route does (404 NOT_FOUND), so a
server in that mode is a stand-in for the cloud: a client that works against it uses only
what the cloud documents.

Not API operations, and so served in both modes: what the documented flows hand out URLs to
(the presigned upload target, the player and its runtime, course content), the standard xAPI
LRS at /xapi/ (the cloud runs a conformant one), the API docs, and the dashboard.
"""

from __future__ import annotations

import re

from flask import Flask, request
from werkzeug.exceptions import NotFound

CLOUD_OPERATIONS = frozenset(
    {
        ("GET", "/api/health"),
        ("GET", "/api/docs"),
        ("GET", "/api/docs/openapi"),
        # packages
        ("GET", "/api/v1/packages"),
        ("GET", "/api/v1/packages/{package_id}"),
        ("DELETE", "/api/v1/packages/{package_id}"),
        ("GET", "/api/v1/packages/{package_id}/download"),  # the migration guide's export step
        ("POST", "/api/v1/packages/upload-url"),
        ("POST", "/api/v1/packages/upload-sessions"),  # the seed's alias of upload-url
        ("POST", "/api/v1/packages/process"),
        ("POST", "/api/v1/packages/upload"),
        ("POST", "/api/v1/packages"),  # the legacy multipart upload (its package_id: a new version)
        ("POST", "/api/v1/packages/{package_id}/launch"),
        ("POST", "/api/v1/packages/multipart/init"),  # its part and complete calls are not shown
        # sessions
        ("GET", "/api/v1/sessions"),
        ("GET", "/api/v1/sessions/{session_id}"),
        ("PUT", "/api/v1/sessions/{session_id}"),
        # dispatches and webhooks
        ("POST", "/api/v1/dispatches"),
        ("GET", "/api/v1/dispatches"),
        ("DELETE", "/api/v1/dispatches/{dispatch_id}"),
        ("POST", "/api/v1/dispatches/{dispatch_id}/generate"),
        ("POST", "/api/v1/webhooks"),
        # xAPI through the REST API
        ("POST", "/api/v1/xapi/statements"),
        ("GET", "/api/v1/xapi/statements"),
        ("GET", "/api/v1/xapi/statements/{statement_id}"),
        ("GET", "/api/v1/xapi/analytics/actors"),
        ("GET", "/api/v1/xapi/analytics/activities"),
    }
)

# Paths under these prefixes are flow targets or the LRS (see above), never extensions.
NOT_OPERATIONS = ("/storage/", "/player/", "/content/", "/xapi/", "/dashboard/")


def openapi_path(rule: str) -> str:
    """A Flask rule (/packages/<package_id>) in OpenAPI form (/packages/{package_id})."""
    return re.sub(r"<(?:[a-z]+:)?([a-zA-Z_]+)>", r"{\1}", rule)


def is_extension(method: str, path: str) -> bool:
    """Whether (method, OpenAPI path) is ours rather than the cloud's."""
    if path.startswith(NOT_OPERATIONS):
        return False
    return (method.upper(), path) not in CLOUD_OPERATIONS


def install(app: Flask) -> None:
    """Cloud-contract mode: our extensions answer as a route that does not exist."""

    @app.before_request
    def _cloud_only() -> None:
        rule = request.url_rule
        view = app.view_functions.get(request.endpoint or "")
        if rule is None or getattr(view, "endpoint_spec", None) is None:
            return  # not an API operation (or no route at all: 404 as ever)
        if is_extension(request.method, openapi_path(rule.rule)):
            raise NotFound()
