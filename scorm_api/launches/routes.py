"""REST: a session's xAPI/cmi5 AU sessions, abandoning one, waiving a cmi5 AU."""

from flask import Blueprint

from scorm_api.endpoint import endpoint
from scorm_api.launches import service
from scorm_api.schemas import TIMESTAMP, UUID, obj
from scorm_api.sessions import serialize

bp = Blueprint("launches", __name__, url_prefix="/api/v1")
TAG = "Sessions"

AU_SESSION = obj(
    {
        "id": UUID,
        "session_id": UUID,
        "item_id": {"type": "string"},
        "kind": {"enum": ["cmi5", "xapi"]},
        "activity_id": {"type": "string"},
        "launch_mode": {"enum": list(service.LAUNCH_MODES)},
        "status": {"enum": ["launched", "initialized", "terminated", "abandoned"]},
        "launched_at": TIMESTAMP,
        "initialized_at": {"type": ["string", "null"]},
        "last_statement_at": {"type": ["string", "null"]},
        "terminated_at": {"type": ["string", "null"]},
        "abandoned_at": {"type": ["string", "null"]},
    },
    ["id", "session_id", "item_id", "kind", "status"],
)


@endpoint(
    bp,
    "/sessions/<session_id>/au-sessions",
    "GET",
    tag=TAG,
    errors=(404,),
    response=obj({"au_sessions": {"type": "array", "items": AU_SESSION}}, ["au_sessions"]),
    summary="The launches of an xAPI or cmi5 session's activities (cmi5 AU sessions)",
)
def list_au_sessions(principal, session_id):
    launches = service.launches_of(principal.tenant_id, session_id)
    shown = launches[0].session.public_id if launches else session_id
    return {"au_sessions": [a.to_api(shown) for a in launches]}


@endpoint(
    bp,
    "/au-sessions/<au_session_id>/abandon",
    "POST",
    tag=TAG,
    errors=(404, 409),
    response=AU_SESSION,
    summary="Abandon a cmi5 AU session",
    description="Records the cmi5 Abandoned statement (with the session's duration so far) "
    "and ends the AU's credentials. 409 when it already ended.",
)
def abandon_au_session(principal, au_session_id):
    return service.abandon(principal.tenant_id, au_session_id).to_api()


@endpoint(
    bp,
    "/sessions/<session_id>/cmi5/waive",
    "POST",
    tag=TAG,
    errors=(400, 404, 409),
    body=obj(
        {
            "item_id": {"type": "string", "minLength": 1, "maxLength": 255},
            "reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "Tested Out, Equivalent AU, Equivalent Outside Activity or Administrative",
            },
        },
        ["item_id", "reason"],
    ),
    response=obj({"session": {"type": "object"}}, ["session"]),
    summary="Waive a cmi5 AU for this registration",
    description="Records the cmi5 Waived statement with the reason; the AU then counts as "
    "having met its moveOn criteria (blocks and the course may become "
    "satisfied). 409 when it is already waived or met them.",
)
def waive_au(principal, session_id, body):
    session = service.waive(principal.tenant_id, session_id, body["item_id"], body["reason"])
    return {"session": serialize.summary(session)}
