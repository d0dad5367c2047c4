"""The dispatch's launch URL (`/player/dispatch/<token>`, on the content origin): what the shell
opens in its frame inside the host LMS, and what a learner opens from a sent link.

Every refusal is a page the learner can read inside the host (and the seed's error envelope,
with its code, for a client that asks for JSON). When the learner or the access password is
missing, a form asks for them; it posts back here with a signed note of who and where the
visit came from, so nothing is kept in a cookie (third-party cookies are blocked in frames)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from scorm_api.dispatches import admission, domains
from scorm_api.dispatches.admission import Visitor
from scorm_api.dispatches.models import Dispatch
from scorm_api.endpoint import endpoint
from scorm_api.errors import ApiError
from scorm_api.player.routes import page_response, runtime
from scorm_api.schemas import obj
from scorm_api.state import State, current

bp = Blueprint(
    "dispatch_pages",
    __name__,
    url_prefix="/player/dispatch",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
TAG = "Dispatches"
VISIT = "dispatch-visit"
VISIT_TTL_SECONDS = 3600
ERRORS = (400, 401, 403, 404, 409, 410, 429)
FORM_FIELDS = ("learner_id", "learner_name", "password", "visit")


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _headers(resp: Response, d: Dispatch | None) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; "
        + domains.frame_ancestors(d.allowed_domains if d else [])
    )
    return resp


def _refused(e: ApiError) -> Response:
    """A refusal shows wherever it was opened (any frame: it holds nothing of the course), so
    a learner in a page the dispatch does not allow reads why."""
    if _wants_json():
        raise e
    html = render_template("dispatch_refused.html", error=e)
    return _headers(Response(html, status=e.status, mimetype="text/html"), None)


def _form(state: State, d: Dispatch, visitor: Visitor, e: ApiError, token: str) -> Response:
    visit = state.signer.dumps(
        VISIT,
        {"d": d.id, "h": visitor.host_origin, "l": visitor.learner_id, "n": visitor.learner_name},
    )
    html = render_template(
        "dispatch_form.html",
        dispatch=d,
        error=e,
        token=token,
        visit=visit,
        ask_learner=not (visitor.learner_id or "").strip(),
        ask_password=d.password_hash is not None,
    )
    status = 401 if e.code == "DISPATCH_PASSWORD_WRONG" else 200
    return _headers(Response(html, status=status, mimetype="text/html"), d)


def _launch(state: State, token: str, visitor_of) -> Response:
    try:
        d = admission.open_dispatch(state, token)
        visitor = visitor_of(state, d)
        try:
            _, session = admission.admit(state, d, visitor)
        except ApiError as e:
            if e.code in ASKED and not _wants_json():
                return _form(state, d, visitor, e, token)
            raise
        page = runtime().open_session(session, None, new_attempts=False)
    except ApiError as e:
        return _refused(e)
    page.config["bridge"] = {"origin": visitor.host_origin, "timeAtStart": session.time_spent_seconds}
    page.config["dispatch"] = {"id": d.id, "name": d.dispatch_name}
    return page_response(page, domains.frame_ancestors(d.allowed_domains))


# What a form can supply: the learner (a sent link) and the access password.
ASKED = {"DISPATCH_LEARNER_REQUIRED", "DISPATCH_PASSWORD_REQUIRED", "DISPATCH_PASSWORD_WRONG"}


def _from_query(state: State, d: Dispatch) -> Visitor:
    """The shell's frame: the learner in the query, the launching page from the Referer (its
    policy is `origin`). The shell's own `host` only stands in when no Referer came and the
    dispatch allows any domain."""
    origin = domains.origin_of(request.referrer)
    if origin is None and not d.allowed_domains:
        origin = domains.origin_of(request.args.get("host"))
    return Visitor(request.args.get("learner_id"), request.args.get("learner_name"), origin, None, _client())


def _from_form(state: State, d: Dispatch) -> Visitor:
    """The form's post: who and where come from the signed note of the visit it was shown in."""
    form = request.form
    note = state.signer.loads(VISIT, form.get("visit", ""), VISIT_TTL_SECONDS)
    if note.get("d") != d.id:
        raise ApiError(401, "UNAUTHORIZED", "This form is not for this course; open it again")
    learner_id = note.get("l") or form.get("learner_id")
    learner_name = note.get("n") or form.get("learner_name")
    return Visitor(learner_id, learner_name, note.get("h"), form.get("password") or None, _client())


def _client() -> str:
    return request.remote_addr or ""


@endpoint(
    bp,
    "/<token>",
    "GET",
    tag=TAG,
    auth_required=False,
    content_type="text/html",
    errors=ERRORS,
    summary="A dispatch's launch: the course for the host LMS's learner",
    description="The dispatch shell opens it in a frame with `learner_id` and `learner_name` "
    "(read from the host LMS) in the query. Checks the dispatch on every launch (revoked "
    "DISPATCH_REVOKED, disabled DISPATCH_DISABLED, expired DISPATCH_EXPIRED 410, caps "
    "DISPATCH_REGISTRATION_LIMIT and DISPATCH_LICENSE_LIMIT, the launching page's domain "
    "DISPATCH_DOMAIN_NOT_ALLOWED, the access password DISPATCH_PASSWORD_REQUIRED), then "
    "resumes the learner's registration. A refusal is a page for the learner; with "
    "`Accept: application/json`, the error envelope.",
)
def launch(token):
    return _launch(current(), token, _from_query)


@endpoint(
    bp,
    "/<token>",
    "POST",
    tag=TAG,
    auth_required=False,
    content_type="text/html",
    body_content_type="application/x-www-form-urlencoded",
    body_doc=obj({f: {"type": "string"} for f in FORM_FIELDS}, ["visit"]),
    errors=ERRORS,
    name="launch_form",
    summary="A dispatch's launch, from its form (the learner, the access password)",
)
def launch_form(token):
    return _launch(current(), token, _from_form)
