from datetime import UTC, datetime

from flask import Blueprint, Response, request

from scorm_api.endpoint import LazyValidator, endpoint, parse_json_body
from scorm_api.errors import validation_error
from scorm_api.packages import structure
from scorm_api.schemas import TIMESTAMP, UUID, extension_field, obj, page_query
from scorm_api.sessions import call_log, carried, moves, serialize, services, tracking
from scorm_api.sessions.launch_links import launch_link
from scorm_api.sessions.models import COMPLETION, SUCCESS
from scorm_api.state import current

bp = Blueprint("sessions", __name__, url_prefix="/api/v1")
TAG = "Sessions"

SCORE = {
    "type": ["object", "null"],
    "properties": {k: {"type": ["number", "null"]} for k in ("scaled", "raw", "min", "max")},
}
SESSION = obj(
    {
        "id": {"type": "string", "description": "A UUID, or the id the caller chose at launch"},
        "package_id": UUID,
        "package_version": {"type": "integer", "description": "The version of the package it runs"},
        "tenant_id": UUID,
        "user_id": {"type": "string"},
        "user_name": {"type": ["string", "null"]},
        "preview": extension_field({"type": "boolean", "description": "The dashboard's preview"}),
        "completion_status": {"enum": list(COMPLETION)},
        "success_status": {"enum": list(SUCCESS)},
        "score": SCORE,
        "attempts": {"type": "integer"},
        "time_spent_seconds": {"type": "integer"},
        "session_time": {"type": ["string", "null"]},
        "version": {"type": "integer"},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "package": obj({"title": {"type": "string"}, "version": {"type": "string"}}, additional=True),
    },
    ["id", "package_id", "user_id", "completion_status", "success_status", "attempts", "version"],
    additional=True,
)
LAUNCH = obj({"launch_url": {"type": "string"}, "expires_at": TIMESTAMP}, ["launch_url", "expires_at"])
USER_ID = {"type": "string", "minLength": 1, "maxLength": 255}


def _launch(session, options: dict | None = None) -> dict:
    options = options or {}
    state = current()
    url, expires = launch_link(
        state.signer,
        state.settings,
        session,
        options.get("item_id"),
        options.get("launch_mode"),
        bool(options.get("redirect")),
    )
    return {
        "launch_url": url,
        "expires_at": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z"),
    }


@endpoint(
    bp,
    "/sessions",
    "POST",
    tag=TAG,
    status=201,
    also=(200,),
    errors=(404, 409),
    summary="Create (or find) a learner's session on a package",
    description="Answers 201 with a new session, or 200 with the learner's current one. "
    "`new_attempt: true` starts a new attempt; earlier ones stay readable. The "
    "launch_url carries a short-lived signed token.",
    body=obj(
        {
            "package_id": UUID,
            "user_id": USER_ID,
            "user_name": {"type": "string", "maxLength": 255},
            "new_attempt": {"type": "boolean"},
        },
        ["package_id", "user_id"],
    ),
    response=obj({"session": SESSION, **LAUNCH["properties"]}, ["session", "launch_url"]),
)
def create_session(principal, body):
    session, created = services.create_session(
        principal.tenant_id,
        body["package_id"],
        body["user_id"],
        body.get("user_name"),
        bool(body.get("new_attempt")),
    )
    return {"session": serialize.summary(session), **_launch(session)}, 201 if created else 200


# The cloud's package content types, by our standards.
_CONTENT_TYPES = {"scorm_1_2": "scorm", "scorm_2004": "scorm", "xapi": "xapi", "cmi5": "cmi5"}


@endpoint(
    bp,
    "/packages/<package_id>/launch",
    "POST",
    tag=TAG,
    status=201,
    errors=(404, 409),
    summary="Launch a package for a learner (creates the session)",
    description="The cloud's way to start a learner: body `{user_id, session_id}`. With a "
    "session_id of your choice (up to 255 characters, unique in your tenant) a new session is "
    "made under that id (a new attempt if the learner has one); the same id again answers 409 "
    "'Session already exists'. Without one, the learner's current session is used (made if "
    "none). The launch_url carries a signed token: never build a player URL yourself.",
    body=obj(
        {
            "user_id": USER_ID,
            "session_id": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
        },
        ["user_id"],
    ),
    response=obj(
        {
            "package_id": UUID,
            "session_id": {"type": "string"},
            "learner_id": {"type": "string"},
            "content_type": {"enum": sorted(set(_CONTENT_TYPES.values()))},
            "storage_backend": {"type": "string"},
            "launch_url": {"type": "string"},
            "expires_in_seconds": {"type": "integer"},
        },
        ["package_id", "session_id", "learner_id", "launch_url", "expires_in_seconds"],
    ),
)
def launch_package(principal, package_id, body):
    session = services.launch_package(
        principal.tenant_id, package_id, body["user_id"], body.get("session_id")
    )
    launch = _launch(session)
    return {
        "package_id": session.package_id,
        "session_id": session.public_id,
        "learner_id": session.user_id,
        "content_type": _CONTENT_TYPES.get(session.package_version.standard, "scorm"),
        "storage_backend": "local",
        "launch_url": launch["launch_url"],
        "expires_in_seconds": current().settings.launch_link_ttl_seconds,
    }, 201


@endpoint(
    bp,
    "/packages/<package_id>/move-sessions",
    "POST",
    tag=TAG,
    errors=(404, 409),
    summary="Move sessions to another version of their package",
    description="As SCORM Cloud's 'update registrations to the newest version': the package's "
    "sessions (or only those on `from_version`) now run `to_version` (default: the newest ready "
    "version). They keep their statuses, score, time, dates and each item's CMI data; sessions on "
    "a version of another standard stay where they are; a SCORM 2004 session's sequencing state "
    "is reset when the activity tree differs; open launches end.",
    body=obj(
        {
            "to_version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
            "from_version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        },
        [],
    ),
    response=obj(
        {
            "package_id": UUID,
            "to_version": {"type": "integer"},
            "moved": {"type": "integer"},
            "skipped_other_standard": {"type": "integer"},
            "sequencing_reset": {"type": "integer"},
        },
        ["package_id", "to_version", "moved", "skipped_other_standard", "sequencing_reset"],
    ),
)
def move_sessions(principal, package_id, body):
    return moves.move_sessions(
        principal.tenant_id, package_id, body.get("to_version"), body.get("from_version")
    )


LAUNCH_OPTIONS = obj(
    {
        "item_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "description": "Open this item (SCO, xAPI activity or cmi5 AU)",
        },
        "launch_mode": {"enum": ["Normal", "Browse", "Review"], "description": "cmi5 launch mode"},
        "redirect": {
            "type": "boolean",
            "description": "xAPI/cmi5 with item_id: the URL goes straight "
            "to the content, without the player page",
        },
    }
)
_LAUNCH_OPTIONS = LazyValidator(LAUNCH_OPTIONS)


@endpoint(
    bp,
    "/sessions/<session_id>/launch",
    "POST",
    tag=TAG,
    errors=(400, 404),
    response=LAUNCH,
    body_doc=LAUNCH_OPTIONS,
    summary="Mint a fresh launch URL for a session",
    description="The body is optional: `item_id` opens that item; for cmi5 packages "
    "`launch_mode` chooses Normal, Browse or Review; `redirect` (with "
    "`item_id`, xAPI and cmi5 only) sends the learner straight to the content.",
)
def launch_session(principal, session_id):
    options = parse_json_body(_LAUNCH_OPTIONS) if request.content_length else {}
    session = services.get_session(principal.tenant_id, session_id)
    if options.get("item_id") and not any(
        s.item_id == options["item_id"] for s in structure.scos_for(session.package_version_id)
    ):
        raise validation_error({"item_id": ["This package has no launchable item with that id"]})
    if options.get("redirect") and (
        not options.get("item_id") or session.package_version.standard not in structure.XAPI_STANDARDS
    ):
        raise validation_error({"redirect": ["Only for an item_id of an xAPI or cmi5 package"]})
    return _launch(session, options)


FILTERS = {
    "package_id": {"type": "string"},
    "user_id": {"type": "string"},
    "completion_status": {"enum": list(COMPLETION)},
    "success_status": {"enum": list(SUCCESS)},
    "search": {
        "type": "string",
        "maxLength": 200,
        "description": "Learners whose id or name contains this text",
    },
    "all_attempts": {"type": "boolean", "default": False, "description": "Include earlier attempts"},
    "previews": extension_field(
        {
            "type": "boolean",
            "default": False,
            "description": "Include the dashboard's previews (marked `preview`)",
        }
    ),
    "sort": {"enum": list(services.SORTS), "default": "updated_at"},
    "order": {"enum": ["asc", "desc"], "default": "desc"},
}


@endpoint(
    bp,
    "/sessions",
    "GET",
    tag=TAG,
    summary="List sessions",
    query=page_query(**FILTERS),
    response=obj(
        {"sessions": {"type": "array", "items": SESSION}, "pagination": {"type": "object"}},
        ["sessions", "pagination"],
    ),
)
def list_sessions(principal, query):
    rows, pagination = services.list_sessions(principal.tenant_id, query, query["page"], query["limit"])
    return {
        "sessions": [serialize.summary(s, s.package_version.title, s.package_version.version) for s in rows],
        "pagination": pagination,
    }


@endpoint(
    bp,
    "/sessions/export",
    "GET",
    tag=TAG,
    content_type="text/csv",
    query={"type": "object", "properties": FILTERS},
    summary="Export the matching sessions as CSV",
    description="The same filters and order as the list, every matching row (no paging): "
    "learner, package, statuses, score, time, attempts and dates.",
)
def export_sessions(principal, query):
    resp = Response(
        serialize.csv_rows(services.iter_sessions(principal.tenant_id, query)), mimetype="text/csv"
    )
    resp.headers["Content-Disposition"] = 'attachment; filename="sessions.csv"'
    return resp


@endpoint(
    bp,
    "/sessions/<session_id>",
    "GET",
    tag=TAG,
    errors=(404,),
    summary="Get a session with its full CMI data",
    description="cmi_data is the first SCO's data; activities lists every SCO with its "
    "own CMI data, interactions and objectives.",
    response=obj({"session": SESSION}, ["session"]),
)
def get_session(principal, session_id):
    return {"session": serialize.detail(services.get_session(principal.tenant_id, session_id))}


@endpoint(
    bp,
    "/sessions/<session_id>",
    "PUT",
    tag=TAG,
    errors=(404, 409),
    summary="Update a session's CMI data (learner progress)",
    description="Send `version` (from GET) for optimistic locking: a stale version answers "
    "409 CONFLICT and changes nothing. Statuses, score and suspend_data are "
    "written as the package standard's CMI elements and normalised exactly as "
    "the player's commits are; each accepted session_time counts once. 403 "
    "QUOTA_EXCEEDED: the merged data would go over the session's limits "
    "(elements and characters per item, characters per session).",
    body=obj(
        {
            "cmi_data": {"type": "object"},
            "completion_status": {"enum": list(COMPLETION)},
            "success_status": {"enum": list(SUCCESS)},
            "score": obj({k: {"type": "number"} for k in ("scaled", "raw", "min", "max")}),
            "session_time": {"type": "string", "maxLength": 64},
            "suspend_data": {"type": "string", "maxLength": tracking.MAX_VALUE_CHARS},
            "version": extension_field({"type": "integer", "minimum": 1}),
            "activities": extension_field(
                {
                    "type": "array",
                    "maxItems": 1000,
                    "description": "Per-item CMI data and time for packages with several "
                    "SCOs (as GET returns it); cmi_data and session_time are the first "
                    "item's",
                    "items": obj(
                        {
                            "item_id": {"type": "string", "minLength": 1, "maxLength": 255},
                            "cmi_data": {"type": "object"},
                            "session_time": {"type": "string", "maxLength": 64},
                        },
                        ["item_id", "cmi_data"],
                    ),
                }
            ),
            "appliance": extension_field(carried.SCHEMA),
        }
    ),
    response=obj(
        {
            "success": {"type": "boolean"},
            "session_id": UUID,
            "updated_at": TIMESTAMP,
            "version": {"type": "integer"},
        },
        ["success", "session_id", "updated_at"],
    ),
)
def update_session(principal, session_id, body):
    s = tracking.update_session(current().settings, principal.tenant_id, session_id, body)
    return {"success": True, "session_id": s.public_id, "updated_at": s.updated_at, "version": s.version}


@endpoint(
    bp,
    "/sessions/<session_id>/progress",
    "DELETE",
    tag=TAG,
    errors=(404,),
    summary="Reset progress (keeps the session, clears the attempt's data)",
    response=obj(
        {"success": {"type": "boolean"}, "session_id": UUID, "version": {"type": "integer"}},
        ["success", "session_id"],
    ),
)
def reset_progress(principal, session_id):
    s = services.reset_progress(principal.tenant_id, session_id)
    return {"success": True, "session_id": s.public_id, "version": s.version}


@endpoint(
    bp,
    "/sessions/<session_id>/log",
    "GET",
    tag=TAG,
    errors=(404,),
    summary='The runtime call log ("why didn\'t it track?")',
    description="Every API call the content made, with its arguments, result and error code, per launch; "
    "each entry names its item's title (`item_title`) and, for an error code, what it means "
    "(`error_meaning`) and whether it is an expected answer rather than a fault (`expected`: "
    "a SCORM 2004 read of a value not set yet is).",
    response=obj(
        {"session_id": UUID, "entries": {"type": "array", "items": {"type": "object"}}},
        ["session_id", "entries"],
    ),
)
def session_log(principal, session_id):
    return {"session_id": session_id, "entries": call_log.read(principal.tenant_id, session_id)}
