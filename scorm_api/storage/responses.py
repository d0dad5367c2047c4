"""An HTTP response streaming a stored object, conditional (ETag, Last-Modified, 304) and with
byte ranges (video seeking), as werkzeug's send_file builds one for a path; the backend
gives the size, so ranges work whatever the object's stream is."""

from __future__ import annotations

import time
import unicodedata
from urllib.parse import quote

from flask import current_app, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from scorm_api.storage.interface import StoredObject


def send_object(
    obj: StoredObject,
    mimetype: str,
    *,
    max_age: int | None = None,
    download_name: str | None = None,
    etag: str | None = None,
) -> Response:
    """`download_name`: sent as an attachment with that file name; `etag`: one the caller
    knows better than the backend (a checksum)."""
    environ = request.environ
    rv = current_app.response_class(
        wrap_file(environ, obj.stream), mimetype=mimetype, direct_passthrough=True
    )
    if download_name is not None:
        rv.headers.set("Content-Disposition", "attachment", **disposition_names(download_name))
    rv.content_length = obj.size
    rv.last_modified = obj.modified  # type: ignore[assignment]
    rv.cache_control.no_cache = True
    if max_age is not None:
        if max_age > 0:
            rv.cache_control.no_cache = None
            rv.cache_control.public = True
        rv.cache_control.max_age = max_age
        rv.expires = int(time.time() + max_age)  # type: ignore[assignment]
    rv.set_etag(etag or obj.etag)
    try:
        return rv.make_conditional(environ, accept_ranges=True, complete_length=obj.size)
    except RequestedRangeNotSatisfiable:
        obj.stream.close()
        raise


def disposition_names(name: str) -> dict[str, str]:
    """Content-Disposition's filename, with an RFC 5987 filename* for names beyond ASCII."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")}
    return {"filename": name}
