"""PUT /storage/<key>: where presigned upload URLs point."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from scorm_api.endpoint import endpoint
from scorm_api.schemas import obj
from scorm_api.state import current
from scorm_api.storage import puts

bp = Blueprint("storage", __name__)


@endpoint(
    bp,
    "/storage/<path:key>",
    "PUT",
    tag="Packages",
    auth_required=False,
    errors=(403, 404, 409, 411),
    body_content_type="application/zip",
    body_doc={"type": "string", "format": "binary"},
    summary="Presigned upload target (the URL from upload-url)",
    description="Authorised by the URL's signature, not an API key. Accepts exactly one "
    "PUT of exactly the minted size, before the URL expires.",
    response=obj({"storage_path": {"type": "string"}, "size": {"type": "integer"}}, ["storage_path", "size"]),
)
def storage_put(key: str) -> dict[str, Any]:
    # The raw body: its Content-Length is checked to equal the minted size, and waitress
    # hands it over as a spooled file that storage can link or copy in the kernel.
    return puts.receive(
        current(), key, request.args, request.mimetype, request.content_length, request.environ["wsgi.input"]
    )
