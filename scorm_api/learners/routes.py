"""The learners' API (our extension): list and search, make, rename, merge and erase learners;
delete a session; lasting launch links and the page their URL opens."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from scorm_api.endpoint import endpoint
from scorm_api.errors import ApiError
from scorm_api.learners import directory, erasure, links
from scorm_api.player.routes import page_response, runtime
from scorm_api.schemas import PAGINATION, TIMESTAMP, UUID, obj, page_query
from scorm_api.state import current

bp = Blueprint("learners", __name__, url_prefix="/api/v1", template_folder="templates")
pages_bp = Blueprint("learner_links", __name__, url_prefix=links.PATH.rstrip("/"))
TAG = "Learners"

LEARNER_ID = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\x00-\\x1f]+$"}
NAME = {"type": ["string", "null"], "maxLength": 255}
LEARNER = obj(
    {
        "learner_id": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "sessions": {"type": "integer", "description": "Sessions (every attempt) of theirs"},
        "last_activity_at": {"type": ["string", "null"]},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
    ["learner_id", "name", "sessions"],
)
ONE = obj({"learner": LEARNER}, ["learner"])
REMOVED = {
    "sessions": {"type": "integer"},
    "statements": {"type": "integer"},
    "documents": {"type": "integer"},
}


@endpoint(
    bp,
    "/learners",
    "GET",
    tag=TAG,
    summary="List or search the tenant's learners",
    description="Every learner who has a session, or was made with POST /learners; `search` "
    "finds an id or name containing the text (any case), for a picker that searches as you type.",
    query=page_query(
        search={"type": "string", "maxLength": 200},
        sort={"enum": list(directory.SORTS), "default": "name"},
    ),
    response=obj(
        {"learners": {"type": "array", "items": LEARNER}, "pagination": PAGINATION},
        ["learners", "pagination"],
    ),
)
def list_learners(principal, query):
    rows, pagination = directory.list_learners(
        principal.tenant_id, query.get("search"), query["sort"], query["page"], query["limit"]
    )
    return {"learners": rows, "pagination": pagination}


@endpoint(
    bp,
    "/learners",
    "POST",
    tag=TAG,
    status=201,
    errors=(409,),
    summary="Make a learner before their first launch",
    body=obj({"learner_id": LEARNER_ID, "name": NAME}, ["learner_id"]),
    response=ONE,
)
def create_learner(principal, body):
    name = (body.get("name") or "").strip() or None
    return {"learner": directory.create_learner(principal.tenant_id, body["learner_id"], name)}, 201


@endpoint(
    bp,
    "/learners/merge",
    "POST",
    tag=TAG,
    errors=(400, 404, 409),
    summary="Merge one learner into another",
    description="Every session of `learner_id` moves to `into`, and `learner_id` is removed. "
    "Where both have sessions of the same course, both are kept as attempts of `into`, "
    "numbered in the order of their last activity (the last is current); `renumbered` lists "
    "those courses. A learner who came through a dispatch cannot be merged (409).",
    body=obj({"learner_id": LEARNER_ID, "into": LEARNER_ID}, ["learner_id", "into"]),
    response=obj(
        {
            "learner": LEARNER,
            "merged": {"type": "string"},
            "moved_sessions": {"type": "integer"},
            "renumbered": {
                "type": "array",
                "items": obj({"package_id": UUID, "title": {"type": ["string", "null"]}}),
            },
        },
        ["learner", "merged", "moved_sessions", "renumbered"],
    ),
)
def merge_learners(principal, body):
    return directory.merge(principal.tenant_id, body["learner_id"], body["into"])


@endpoint(
    bp,
    "/learners/<path:learner_id>",
    "GET",
    tag=TAG,
    errors=(404,),
    summary="Get a learner",
    response=ONE,
)
def get_learner(principal, learner_id):
    return {"learner": directory.one(principal.tenant_id, learner_id)}


@endpoint(
    bp,
    "/learners/<path:learner_id>",
    "PATCH",
    tag=TAG,
    errors=(404,),
    summary="Rename a learner (their display name)",
    description="The name shows on the learner and on every session of theirs; null clears it.",
    body=obj({"name": NAME}, ["name"]),
    response=ONE,
)
def rename_learner(principal, learner_id, body):
    name = (body["name"] or "").strip() or None
    return {"learner": directory.rename(principal.tenant_id, learner_id, name)}


@endpoint(
    bp,
    "/learners/<path:learner_id>",
    "DELETE",
    tag=TAG,
    errors=(404,),
    summary="Erase a learner and everything recorded of them (GDPR)",
    description="In one transaction: every session of theirs in this tenant (CMI, call log, "
    "launches), every statement whose actor is them or whose registration is one of their "
    "sessions, their xAPI documents, analytics rows, dispatch registrations and lasting links. "
    "Needs the admin scope. A sync carries the erasure to its targets (with --propagate-deletes).",
    response=obj(
        {
            "learner_id": {"type": "string"},
            "deleted": {"type": "boolean"},
            **REMOVED,
            "dispatch_registrations": {"type": "integer"},
            "links": {"type": "integer"},
        },
        ["learner_id", "deleted", "sessions", "statements"],
    ),
)
def erase_learner(principal, learner_id):
    return erasure.erase_learner(principal.tenant_id, learner_id)


@endpoint(
    bp,
    "/sessions/<session_id>",
    "DELETE",
    tag="Sessions",
    errors=(404,),
    summary="Delete a session (one attempt) with its data",
    description="Its CMI data, call log, launches, and the statements and documents of its "
    "registration go with it, in one transaction. The learner's other attempts stay (the "
    "newest becomes current). Needs the admin scope.",
    response=obj(
        {"session_id": {"type": "string"}, "deleted": {"type": "boolean"}, **REMOVED},
        ["session_id", "deleted", "sessions", "statements"],
    ),
)
def delete_session(principal, session_id):
    return erasure.delete_session(principal.tenant_id, session_id)


LINK = obj(
    {
        "id": {"type": "string"},
        "learner_id": {"type": "string"},
        "learner_name": {"type": ["string", "null"]},
        "package_id": UUID,
        "package_title": {"type": ["string", "null"]},
        "launch_url": {"type": "string"},
        "status": {"enum": ["active", "revoked", "expired"]},
        "expires_at": {"type": ["string", "null"]},
        "revoked_at": {"type": ["string", "null"]},
        "use_count": {"type": "integer"},
        "last_used_at": {"type": ["string", "null"]},
        "created_at": TIMESTAMP,
    },
    ["id", "learner_id", "package_id", "launch_url", "status"],
)


def _shown(link) -> dict:
    return links.to_api(current().settings.content_base_url, link)


@endpoint(
    bp,
    "/learner-links",
    "POST",
    tag=TAG,
    status=201,
    errors=(404, 409),
    summary="Make a lasting launch link for a learner and a course",
    description="Valid until revoked, or for `valid_hours`. Each opening resumes the "
    "learner's current session of the course (made if none).",
    body=obj(
        {
            "learner_id": LEARNER_ID,
            "package_id": UUID,
            "valid_hours": {"type": ["integer", "null"], "minimum": 1, "maximum": links.MAX_VALID_HOURS},
        },
        ["learner_id", "package_id"],
    ),
    response=obj({"link": LINK}, ["link"]),
)
def create_link(principal, body):
    link = links.create(principal.tenant_id, body["learner_id"], body["package_id"], body.get("valid_hours"))
    return {"link": _shown(link)}, 201


@endpoint(
    bp,
    "/learner-links",
    "GET",
    tag=TAG,
    summary="List lasting launch links (by course, then learner: the printable list)",
    query=page_query(
        learner_id={"type": "string", "maxLength": 255},
        package_id={"type": "string", "maxLength": 36},
        include_inactive={"type": "boolean", "default": False, "description": "Revoked and expired ones too"},
    ),
    response=obj(
        {"links": {"type": "array", "items": LINK}, "pagination": PAGINATION}, ["links", "pagination"]
    ),
)
def list_links(principal, query):
    rows, pagination = links.list_links(principal.tenant_id, query, query["page"], query["limit"])
    return {"links": [_shown(r) for r in rows], "pagination": pagination}


@endpoint(
    bp,
    "/learner-links/<link_id>",
    "DELETE",
    tag=TAG,
    scope="write",
    errors=(404,),
    summary="Revoke a lasting launch link",
    description="It answers a page saying it was withdrawn from now on (410 LINK_REVOKED).",
    response=obj({"link": LINK}, ["link"]),
)
def revoke_link(principal, link_id):
    return {"link": _shown(links.revoke(principal.tenant_id, link_id))}


@endpoint(
    pages_bp,
    "/<link_id>",
    "GET",
    tag=TAG,
    auth_required=False,
    content_type="text/html",
    errors=(404, 409, 410),
    summary="A lasting launch link: the learner's course",
    description="Resumes the learner's session. A revoked (LINK_REVOKED) or expired "
    "(LINK_EXPIRED) link answers 410, an unknown one 404: a page for the learner, or the "
    "error envelope with `Accept: application/json`.",
)
def open_link(link_id):
    try:
        session = links.open_link(link_id)
        return page_response(runtime().open_session(session, None))
    except ApiError as e:
        if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
            raise
        resp = Response(
            render_template("learner_link_refused.html", error=e), status=e.status, mimetype="text/html"
        )
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["Referrer-Policy"] = "no-referrer"  # the link is its own secret
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'"
        )
        return resp
