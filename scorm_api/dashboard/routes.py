"""The dashboard's pages: sign-in (and the first-run password), sign-out, the password change,
and the page shells. Every page's data comes from the REST API, called by the page's script
with the sign-in cookie and its CSRF token (see guard.py): the dashboard has no back door."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import time
from typing import Protocol
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from scorm_api import disk, throttle
from scorm_api.dashboard import guard, logins, page_data, passwords
from scorm_api.endpoint import endpoint
from scorm_api.errors import ApiError
from scorm_api.hooks import Hook
from scorm_api.schemas import obj
from scorm_api.state import current

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
root_bp = Blueprint("dashboard_root", __name__)

FORM = "dashboard-form"
SHELL_COOKIE = "scorm_api_shell"


class CourseWindows(Protocol):
    def open_course(self, url: str, title: str | None = None) -> None:
        """Open one of this appliance's launch links in a window (ValueError: not one)."""


# Where "Open now" and "Preview" open a course: added only by `scorm-api desktop`.
COURSE_WINDOWS: Hook[CourseWindows] = Hook("dashboard: course windows of the desktop app")
FORM_TTL_S = 3600
# The pages, by URL part: their titles. Each is a shell its script fills.
PAGES = {
    "packages": "Packages",
    "sessions": "Sessions",  # the page's own heading: "Learners and sessions"
    "learners": "Learners",
    "analytics": "Analytics",
    "dispatches": "Dispatches",
    "keys": "API keys",
    "tenants": "Tenants",
    "settings": "Settings",
    "sync": "Sync to cloud",
    "records": "Records",
    "webhooks": "Webhooks",
    "logs": "Logs",
    "account": "Account",
}
# The top menu's names where the title is longer: the menu must stay one line on a laptop's
# screen (1280 px, with a scrollbar), whatever its fonts (tests/dashboard/test_dashboard_menu.py).
MENU = {**PAGES, "sync": "Sync", "keys": "Keys"}


@root_bp.route("/")
def home():
    refused = _elsewhere()
    return refused or redirect(url_for("dashboard.page", name="packages"))


@bp.before_request
def _host_check():
    return _elsewhere()


def _elsewhere() -> Response | None:
    """None on the dashboard's own address. Elsewhere (the content origin, another name of
    this computer) the refusal: for a browser a page that says what this address is and where
    the dashboard is, with the refusal's status; for an API client its error envelope."""
    try:
        guard.require_dashboard_host()
    except ApiError as refused:
        if request.accept_mimetypes.best_match(["application/json", "text/html"]) != "text/html":
            raise
        settings = current().settings
        dashboard = refused.details.get("dashboard")
        body = render_template(
            "elsewhere.html",
            style=ELSEWHERE_STYLE,
            dashboard=dashboard,
            on_this_computer=dashboard is not None and _is_loopback(settings.base_url),
            message=refused.message,
            api=settings.base_url + "/api/v1",
            docs=settings.base_url + "/api/docs",
        )
        return _html(body, refused.status, policy=ELSEWHERE_POLICY)
    return None


# The page elsewhere has one small inline style, allowed by its hash, and nothing else: this
# address is not the dashboard's, so not even the dashboard's stylesheet is served on it.
ELSEWHERE_STYLE = (
    "body{font-family:system-ui,sans-serif;color:#1c2333;max-width:40rem;margin:3rem auto;"
    "padding:0 1.5rem;line-height:1.5}h1{font-size:1.5rem}a{color:#2f5bd3}"
)
ELSEWHERE_POLICY = (
    "default-src 'none'; img-src data:; frame-ancestors 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(ELSEWHERE_STYLE.encode()).digest()).decode()
    + "'"
)


def _is_loopback(url: str) -> bool:
    """A URL that only the computer it names can open (the dashboard's, when it listens on
    127.0.0.1: a learner reading the page on another computer must not try the link there)."""
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _signer():
    return current().signer


PAGE_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"


def _html(body: str, status: int = 200, policy: str = PAGE_POLICY) -> Response:
    resp = Response(body, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"  # no clickjacking from course content or elsewhere
    resp.headers["Content-Security-Policy"] = policy
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


# ---- signing in ------------------------------------------------------------------------


attempts = throttle.SignInThrottle()


def _client() -> str:
    return request.remote_addr or ""


def _login_page(error: str | None = None, status: int = 200) -> Response:
    setup = not passwords.is_set()
    return _html(
        render_template(
            "login.html",
            setup=setup,
            error=error,
            min_length=passwords.MIN_LENGTH,
            form_token=_signer().dumps(FORM, {"t": int(time.time())}),
        ),
        status,
    )


@bp.get("/login")
def login_page():
    if passwords.is_set() and guard.current_login() is not None:
        return redirect(url_for("dashboard.page", name="packages"))
    return _login_page()


def _signed_in(token: str, shell: str | None = None) -> WerkzeugResponse:
    resp = redirect(url_for("dashboard.page", name="packages"), code=303)
    secure = current().settings.base_url.startswith("https:")
    resp.set_cookie(
        logins.COOKIE,
        token,
        max_age=int(logins.TTL.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=secure,
    )
    if shell == "desktop":  # this browser is a window of the desktop app (lives as long as it)
        resp.set_cookie(
            SHELL_COOKIE, "desktop", path="/dashboard", httponly=True, samesite="Strict", secure=secure
        )
    return resp


@bp.post("/login")
def login_submit():
    guard.require_same_site()
    _signer().loads(FORM, request.form.get("form_token", ""), FORM_TTL_S)
    password = request.form.get("password", "")
    if not passwords.is_set():  # first run: choose the password
        if password != request.form.get("confirm", ""):
            return _login_page("The two passwords differ.", 400)
        try:
            passwords.set_password(password)
        except ApiError as e:
            return _login_page(e.details["fieldErrors"]["password"][0] + ".", 400)
    else:
        attempts.check(_client())
        if not passwords.check(password):
            attempts.failed(_client())
            return _login_page("Wrong password.", 401)
    token, _ = logins.start()
    return _signed_in(token)


@bp.get("/auto-login")
def auto_login():
    token = logins.redeem(request.args.get("token"))
    if token is None:  # used, expired or forged: the normal sign-in page instead
        return redirect(url_for("dashboard.login_page"), code=303)
    return _signed_in(token, request.args.get("shell"))


@bp.post("/logout")
def logout():
    guard.require_same_site()
    login = guard.current_login()
    if login is not None:
        guard.require_csrf(login)
        logins.end(request.cookies.get(logins.COOKIE))
    resp = redirect(url_for("dashboard.login_page"), code=303)
    resp.delete_cookie(logins.COOKIE, path="/")
    return resp


@endpoint(
    bp,
    "/password",
    "POST",
    tag="Dashboard",
    auth_required=False,
    body=obj(
        {
            "current_password": {"type": "string", "maxLength": passwords.MAX_LENGTH},
            "new_password": {"type": "string", "maxLength": passwords.MAX_LENGTH},
        },
        ["current_password", "new_password"],
    ),
    response=obj({"changed": {"type": "boolean"}}, ["changed"]),
    errors=(400, 401, 403, 429),
    summary="Change the dashboard password (signed-in dashboard only)",
    description="Needs the dashboard's sign-in cookie and X-CSRF-Token. Every other "
    "signed-in browser is signed out.",
)
def change_password(body):
    login = guard.require_signed_in()
    attempts.check(_client())
    if passwords.is_set() and not passwords.check(body["current_password"]):
        attempts.failed(_client())
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "Validation failed",
            {"fieldErrors": {"current_password": ["Wrong password"]}},
        )
    passwords.set_password(body["new_password"])
    logins.end_all_except(login.id)
    return {"changed": True}


# ---- pages ----------------------------------------------------------------------------


@bp.get("/")
def index():
    return redirect(url_for("dashboard.page", name="packages"))


@bp.get("/<name>")
@bp.get("/<name>/<item_id>")
def page(name, item_id=None):
    if name not in PAGES:
        raise ApiError(404, "NOT_FOUND", "No such dashboard page")
    # Without a password, only a one-time sign-in link (the desktop app's, or the CLI's) can
    # have made a login: the operator's own.
    login = guard.current_login()
    if login is None:
        return redirect(url_for("dashboard.login_page"))
    settings = current().settings
    return _html(
        render_template(
            "page.html",
            page=name,
            item_id=item_id,
            menu=MENU,
            title=PAGES[name],
            csrf_token=login.csrf_token,
            content_origin=settings.content_base_url,
            shell=_shell(),
            password_set=passwords.is_set(),
            data=page_data.page_data(),
            disk_free=_low_disk_free(settings),
        )
    )


def _low_disk_free(settings) -> str | None:
    """The free space, said for people, when the data dir's disk is running out (else None):
    a trainer should learn it before a class, not when learners' progress stops saving."""
    space = disk.usage(settings.data_dir)
    if space is None or space.free_bytes >= settings.disk_low_bytes:
        return None
    mib = space.free_bytes / (1024 * 1024)
    return f"{mib / 1024:.1f} GB" if mib >= 1024 else f"{mib:.0f} MB"


def _shell() -> str:
    """'desktop' in a window of the desktop app: course windows then open in the app."""
    if request.cookies.get(SHELL_COOKIE) == "desktop" and current().hooks.one(COURSE_WINDOWS) is not None:
        return "desktop"
    return ""


@endpoint(
    bp,
    "/desktop/course-windows",
    "POST",
    tag="Dashboard",
    auth_required=False,
    body=obj(
        {"url": {"type": "string", "maxLength": 4096}, "title": {"type": "string", "maxLength": 200}}, ["url"]
    ),
    response=obj({"opened": {"type": "boolean"}}, ["opened"]),
    errors=(400, 401, 403, 404),
    summary="Open a launch link in a window of the desktop app (its dashboard only)",
    description="Needs the dashboard's sign-in cookie and X-CSRF-Token, in the desktop "
    "app (`scorm-api desktop`); elsewhere 404. The URL must be this "
    "appliance's own launch link.",
)
def open_course_window(body):
    opener = current().hooks.one(COURSE_WINDOWS)
    if opener is None:
        raise ApiError(404, "NOT_FOUND", "Course windows open only in the desktop app")
    guard.require_signed_in()
    try:
        opener.open_course(body["url"], body.get("title"))
    except ValueError as e:
        raise ApiError(
            400, "VALIDATION_ERROR", "Validation failed", {"fieldErrors": {"url": [str(e)]}}
        ) from None
    return {"opened": True}
