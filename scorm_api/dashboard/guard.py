"""Who may use the dashboard, and from where.

- Host: the dashboard answers only on the API's own address (the base URL, or the public URL).
  Any other Host is refused: that stops DNS rebinding (a hostile site whose name resolves to
  127.0.0.1 sends its own Host) and keeps the dashboard off the content origin, where course
  code runs.
- Cross-site requests: a state-changing request must not come from another site (Origin and
  Sec-Fetch-Site are checked when the browser sends them), and must carry the sign-in's CSRF
  token, in the X-CSRF-Token header or the form's csrf_token field.
- The cookie is host-only, HttpOnly and SameSite=Strict.

A signed-in dashboard acts as the operator (the system tenant's admin) through the same REST
endpoints, validation and tenant checks as an API key.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import request

from scorm_api.dashboard import logins
from scorm_api.errors import ApiError, forbidden
from scorm_api.principals import DASHBOARD_KEY_PREFIX, Principal
from scorm_api.state import current
from scorm_api.tenants.services import system_tenant

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def dashboard_hosts(settings) -> set[str]:
    hosts = {urlsplit(settings.base_url).netloc.lower()}
    return hosts - {urlsplit(settings.content_base_url).netloc.lower()}


def require_dashboard_host() -> None:
    settings = current().settings
    allowed = dashboard_hosts(settings)
    if not allowed:
        raise forbidden(
            "The dashboard needs its own origin: set SCORM_API_CONTENT_URL to an "
            "address other than the public URL"
        )
    if (request.host or "").lower() not in allowed:
        raise forbidden(
            "The dashboard is not served at this address",
            {"host": request.host, "dashboard": settings.base_url + "/dashboard/"},
        )


def require_same_site() -> None:
    if request.method in SAFE_METHODS:
        return
    settings = current().settings
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc.lower() not in dashboard_hosts(settings):
        raise forbidden("Cross-site request refused", {"origin": origin})
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise forbidden("Cross-site request refused")


def require_csrf(login: logins.Login) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token") or (
        request.form.get("csrf_token") if request.mimetype in FORM_TYPES else None
    )
    if not sent or not hmac.compare_digest(sent, login.csrf_token):
        raise forbidden("Missing or wrong CSRF token: reload the dashboard page")


def require_signed_in() -> logins.Login:
    """A state-changing request of a signed-in dashboard: same site, signed in, CSRF token."""
    require_same_site()
    login = current_login()
    if login is None:
        raise ApiError(401, "UNAUTHORIZED", "Sign in to the dashboard first")
    require_csrf(login)
    return login


def current_login() -> logins.Login | None:
    return logins.find(request.cookies.get(logins.COOKIE))


def cookie_principal() -> Principal | None:
    """The operator principal for a request carrying a dashboard sign-in cookie (and no API
    key), after the Host, cross-site and CSRF checks; None when there is no such cookie."""
    if logins.COOKIE not in request.cookies:
        return None
    require_dashboard_host()
    require_same_site()
    login = current_login()
    if login is None:
        raise ApiError(401, "UNAUTHORIZED", "Your dashboard sign-in has expired: sign in again")
    require_csrf(login)
    operator = system_tenant()
    assert operator is not None  # made with the database
    return Principal(DASHBOARD_KEY_PREFIX + login.id, operator.id, frozenset({"admin"}), True)
