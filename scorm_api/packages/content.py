"""Serving course content at /content/<package id>/<path>.

The path is percent-decoded once (by the router) and checked with werkzeug's safe_join, so
nothing outside the package's content can be reached; directories are never listed. The file
comes from storage (storage.open), whichever backend holds it.
Responses are conditional (ETag, Last-Modified, 304) and support byte ranges (video seeking).
MIME types come from a fixed table, not the machine's /etc/mime.types, so every install
serves the same types.
"""

from __future__ import annotations

import mimetypes
import re

from flask import Blueprint
from werkzeug.security import safe_join

from scorm_api.endpoint import endpoint
from scorm_api.errors import not_found
from scorm_api.packages.processing import CONTENT_DIR, content_key
from scorm_api.state import current
from scorm_api.storage.responses import send_object

bp = Blueprint("content", __name__)

_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TYPES = mimetypes.MimeTypes(filenames=())
for _ext, _type in {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".txt": "text/plain",
    ".vtt": "text/vtt",
    ".srt": "text/plain",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".bmp": "image/bmp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".pdf": "application/pdf",
    ".swf": "application/x-shockwave-flash",
    ".zip": "application/zip",
    ".wasm": "application/wasm",
}.items():
    _TYPES.add_type(_type, _ext)


def content_type(path: str) -> str:
    return _TYPES.guess_type(path, strict=False)[0] or "application/octet-stream"


@endpoint(
    bp,
    "/content/<package_id>/<path:path>",
    "GET",
    tag="Content",
    auth_required=False,
    content_type="application/octet-stream",
    also=(206, 304),
    errors=(404, 416),
    summary="A file of a package's content (launch_url and manifest_url point here)",
    description="No API key: browsers fetch course content directly. Supports Range, "
    "ETag/If-None-Match and Last-Modified/If-Modified-Since.",
)
def serve_content(package_id, path):
    # The path is checked on its own: joined to the package's prefix first, a "../" could
    # normalise into another package's objects.
    if not _ID.match(package_id) or safe_join(CONTENT_DIR, path) is None:
        raise not_found(message="File not found")
    stored = current().storage.open(content_key(package_id, path))
    if stored is None:
        raise not_found(message="File not found")
    return send_object(stored, content_type(path), max_age=3600)
