"""Player routes, served on the content origin. The page holds only a runtime token for its
own launch; commits and the call log are authorised by that token alone."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request

from scorm_api.endpoint import endpoint
from scorm_api.launches import service as launches
from scorm_api.player.runtime import Page, Runtime
from scorm_api.schemas import obj
from scorm_api.state import current

bp = Blueprint(
    "player",
    __name__,
    url_prefix="/player",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
TAG = "Player"
MAX_COMMIT_BYTES = 8 * 1024 * 1024

RESULT = obj(
    {"result": {"type": "boolean"}, "errorCode": {"type": "integer"}},
    ["result", "errorCode"],
    additional=True,
)


def runtime() -> Runtime:
    state = current()
    return Runtime(state.signer, state.settings)


@endpoint(
    bp,
    "/launch/<token>",
    "GET",
    tag=TAG,
    auth_required=False,
    content_type="text/html",
    errors=(401, 404, 409),
    summary="The player page for a launch link",
    description="Opens the learner's session: resumes where they stopped. `?item=` opens "
    "another item of a multi-SCO package.",
)
def launch(token):
    return page_response(runtime().open_launch(token, request.args.get("item")))


def page_response(page: Page, frame_ancestors: str | None = None):
    """The player page of an opened launch (or the redirect to its content). `frame_ancestors`:
    the pages allowed to frame it (a dispatch's allowed domains), as a CSP directive."""
    if page.redirect:
        resp = redirect(page.redirect, code=303)
    else:
        html = render_template("player.html", config=page.config, title=page.config["title"])
        resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"  # each load is a new launch with its own token
    resp.headers["Referrer-Policy"] = "no-referrer"  # the token never leaks to other sites
    if frame_ancestors:
        resp.headers["Content-Security-Policy"] = frame_ancestors
    return resp


DELIVERY = obj(
    {
        "item_id": {"type": "string"},
        "title": {"type": "string"},
        "contentUrl": {"type": "string"},
        "commitUrl": {"type": "string"},
        "logUrl": {"type": "string"},
        "cmi": {"type": "object"},
    },
    ["item_id", "contentUrl", "commitUrl", "logUrl", "cmi"],
)


@endpoint(
    bp,
    "/runtime/<token>/deliver",
    "POST",
    tag=TAG,
    auth_required=False,
    body_content_type="application/json",
    body_doc=obj({"item_id": {"type": "string"}}, ["item_id"]),
    errors=(400, 401, 404, 409, 413),
    response=DELIVERY,
    summary="Start one item (SCO) on the player page",
    description="Mints the item's runtime token and returns the CMI it resumes from.",
)
def deliver(token):
    return runtime().deliver(token, _raw_body())


@endpoint(
    bp,
    "/runtime/<token>/new-attempt",
    "POST",
    tag=TAG,
    auth_required=False,
    errors=(401, 404, 409),
    response=obj({"launch_url": {"type": "string"}}, ["launch_url"]),
    summary="The learner starts a new attempt of the course",
    description="From the player page of a finished course: a new session (attempt) for the "
    "same learner and package; the earlier attempt stays readable and its launches end. "
    "Answers the new attempt's launch URL. Not offered in a dispatch.",
)
def new_attempt(token):
    return {"launch_url": runtime().new_attempt(token)}


@endpoint(
    bp,
    "/runtime/<token>/sequencing",
    "POST",
    tag=TAG,
    auth_required=False,
    body_content_type="application/json",
    body_doc=obj(
        {"state": {"type": "string"}, "seq": {"type": "integer"}, "rollup": {"type": "object"}}, ["state"]
    ),
    errors=(400, 401, 404, 409, 413),
    response=RESULT,
    summary="Save the SCORM 2004 sequencing state and the course's rollup",
    description="Sent by the player after each delivery and attempt end (also as a "
    "text/plain beacon when the page closes). Stale saves are ignored.",
)
def save_sequencing(token):
    return runtime().save_sequencing(token, _raw_body())


def _raw_body() -> bytes:
    request.max_content_length = MAX_COMMIT_BYTES
    return request.get_data(cache=False)


@endpoint(
    bp,
    "/runtime/<token>/commit",
    "POST",
    tag=TAG,
    auth_required=False,
    body_content_type="application/json",
    body_doc={"type": "object"},
    errors=(400, 401, 403, 404, 409, 413),
    response=RESULT,
    summary="Runtime commit (flattened CMI + commitSequence)",
    description="Sent by the player's runtime; also accepts the final sendBeacon commit "
    "as text/plain. Stale commits are acknowledged and ignored. 403 QUOTA_EXCEEDED: the "
    "merged data would go over the session's limits (README, Limits); 409: the launch was "
    "ended by a progress reset or a new attempt.",
)
def commit(token):
    return runtime().commit(token, _raw_body(), request.args.get("terminate") == "true")


@endpoint(
    bp,
    "/runtime/<token>/log",
    "POST",
    tag=TAG,
    auth_required=False,
    body_content_type="application/json",
    body_doc={"type": "array", "items": {"type": "object"}},
    errors=(400, 401, 404, 413),
    response=obj({"accepted": {"type": "integer"}}, ["accepted"]),
    summary="Append runtime API calls to the session's call log",
)
def append_log(token):
    return {"accepted": runtime().append_log(token, _raw_body())}


@endpoint(
    bp,
    "/fetch/<token>",
    "POST",
    tag=TAG,
    auth_required=False,
    response=obj(
        {
            "auth-token": {"type": "string"},
            "error-code": {"enum": ["1", "2", "3"]},
            "error-text": {"type": "string"},
        }
    ),
    summary="cmi5 fetch URL: the AU's authorization token, once",
    description="Answers 200 with `auth-token` the first time; afterwards (or for an ended "
    "AU session) 200 with `error-code` 1, and 2 for a URL that is not valid.",
)
def fetch(token):
    state = current()
    resp = current_app.json.response(launches.fetch_token(state.signer, state.settings, token))
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Access-Control-Allow-Origin"] = "*"  # AUs hosted elsewhere call it too
    return resp


@endpoint(
    bp,
    "/returned/<token>",
    "GET",
    tag=TAG,
    auth_required=False,
    content_type="text/html",
    errors=(401, 404),
    summary="Where xAPI and cmi5 content returns when it exits",
    description="cmi5's returnURL. In the player's frame it hands control back to the "
    "player page; in a window of its own it opens the player again.",
)
def returned(token):
    html = render_template("returned.html", player_url=runtime().returned_to(token))
    resp = Response(html, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


@endpoint(
    bp,
    "/runtime/<token>/status",
    "GET",
    tag=TAG,
    auth_required=False,
    errors=(401, 404),
    response=obj({"status": {"type": "object"}, "session": {"type": "object"}}, ["status", "session"]),
    summary="Each item's status and the session's, for the player's contents",
)
def status(token):
    return runtime().statuses(token)
