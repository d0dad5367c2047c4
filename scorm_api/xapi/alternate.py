"""xAPI 1.0.3's Alternate Request Syntax (Communication 1.3), for clients that can only POST
(old browsers, cross-origin forms): `POST /xapi/...?method=PUT` with a form body whose
`content` is the real body and whose Authorization, X-Experience-API-Version, Content-Type,
If-Match and If-None-Match fields are the real headers. Rewritten here into the plain request,
before Flask sees it; xAPI 2.0 dropped the syntax, and lrs.py refuses it there."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlencode

FLAG, ERROR = "xapi.alternate", "xapi.alternate_error"
MAX_BODY = 8 * 1024 * 1024
_HEADERS = {
    "authorization": "HTTP_AUTHORIZATION",
    "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
    "content-type": "CONTENT_TYPE",
    "if-match": "HTTP_IF_MATCH",
    "if-none-match": "HTTP_IF_NONE_MATCH",
    "content-length": None,
}
_METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}


class AlternateRequestSyntax:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/xapi/") and "method=" in environ.get("QUERY_STRING", ""):
            query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            if "method" in query:
                _rewrite(environ, query)
        return self.app(environ, start_response)


def _rewrite(environ, query: dict) -> None:
    environ[FLAG] = True
    method = query["method"][0].upper()
    if environ.get("REQUEST_METHOD") != "POST":
        environ[ERROR] = "The alternate request syntax is sent as a POST"
        return
    if set(query) != {"method"} or method not in _METHODS:
        environ[ERROR] = "The alternate request syntax takes only ?method=GET|PUT|POST|DELETE"
        return
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        environ[ERROR] = "The alternate request syntax needs an application/x-www-form-urlencoded body"
        return
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    try:
        form = parse_qs(environ["wsgi.input"].read(length).decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        environ[ERROR] = "The form body is not UTF-8"
        return
    params, content, content_type = {}, None, None
    for name, values in form.items():
        key = name.lower()
        if key == "content":
            content = values[0]
        elif key == "content-type":
            content_type = values[0]
        elif key in _HEADERS:
            if _HEADERS[key]:
                environ[_HEADERS[key]] = values[0]
        else:
            params[name] = values[0]
    body = (content or "").encode("utf-8")
    environ["REQUEST_METHOD"] = method
    environ["QUERY_STRING"] = urlencode(params)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["CONTENT_TYPE"] = content_type or ("application/json" if content is not None else "")
