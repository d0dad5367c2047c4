"""The dispatches API: the seed's routes and shapes (create, list, revoke, generate), and ours
beside them (one dispatch with its figures, the zip, changes, the registration count reset,
the learners who came through)."""

from flask import Blueprint

from scorm_api.dispatches import services, shell
from scorm_api.endpoint import endpoint
from scorm_api.errors import ApiError
from scorm_api.principals import require_own_tenant
from scorm_api.schemas import MAX_INTEGER, TIMESTAMP, extension_field, list_of, obj, page_query
from scorm_api.state import current
from scorm_api.storage.responses import send_object

bp = Blueprint("dispatches", __name__, url_prefix="/api/v1")
TAG = "Dispatches"

NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
DISPATCH = obj(
    {
        "id": {"type": "string", "examples": ["dispatch-456"]},
        "tenant_id": {"type": "string"},
        "package_id": {"type": "string"},
        "dispatch_name": {"type": "string"},
        "registration_limit": {"type": ["integer", "null"]},
        "registration_count": {"type": "integer"},
        "expires_at": NULLABLE_TIMESTAMP,
        "status": {"enum": ["active", "disabled", "expired", "revoked"]},
        "token": {"type": "string", "description": "HS256 JWT naming the dispatch record"},
        "launch_url": {"type": "string"},
        "created_at": TIMESTAMP,
        "client_name": {"type": ["string", "null"]},
        "license_limit": {"type": ["integer", "null"]},
        "track_licenses": {"type": "boolean"},
        "license_count": {"type": "integer"},
        "allowed_domains": {"type": "array", "items": {"type": "string"}},
        "password_protected": {"type": "boolean"},
        "enabled": {"type": "boolean"},
        "zip": {"type": "object"},
        "figures": {"type": "object", "description": "launches, unique_learners, completions, pass_rate"},
    },
    ["id", "package_id", "dispatch_name", "registration_count", "status", "created_at"],
    additional=True,
)
LIMIT = {"type": ["integer", "null"], "minimum": 1, "maximum": 1_000_000}
NAME = {"type": "string", "minLength": 1, "maxLength": 200}
STANDARD = extension_field({"enum": list(services.STANDARDS)})
SETTINGS = {
    "dispatch_name": NAME,
    "registration_limit": LIMIT,
    "expires_in_hours": {"type": ["integer", "null"], "minimum": 1, "maximum": services.MAX_HOURS},
    "allowed_domains": {
        "type": ["array", "null"],
        "maxItems": 100,
        "items": {"type": "string", "minLength": 1, "maxLength": 260},
    },
    "client_name": extension_field({"type": ["string", "null"], "maxLength": 200}),
    "license_limit": extension_field(LIMIT),
    "track_licenses": extension_field({"type": "boolean"}),
    "password": extension_field({"type": ["string", "null"], "minLength": 4, "maxLength": 200}),
    "standard": STANDARD,
}
LEARNER_SCOPE = extension_field(
    {
        "type": "string",
        "pattern": "^[A-Za-z0-9_-]{1,48}$",
        "description": "Whose learners these are (a dispatch id): a sync between appliances "
        "sends the original's, so its learners resume the sessions carried with them",
    }
)


def _one(d, with_figures: bool = False) -> dict:
    out = services.to_api(current(), d)
    if with_figures:
        out["figures"] = services.figures(d)
    return out


@endpoint(
    bp,
    "/dispatches",
    "POST",
    tag=TAG,
    status=201,
    errors=(403, 404),
    summary="Create a dispatch",
    description="Shares a package with another LMS: `launch_url` (and the zip, after "
    "`generate`) carries the token. `registration_limit` caps new learners, `license_limit` "
    "(our extension) unique learners ever; `expires_in_hours` from now (none: no expiry); "
    "`allowed_domains` the hosts that may launch it (`*.` for subdomains, none: anywhere); "
    "`password` (extension) an access password; `standard` (extension) the zip's SCORM "
    "version, `scorm12` unless asked.",
    body=obj(
        {
            "tenant_id": {"type": "string", "maxLength": 36},
            "package_id": {"type": "string", "maxLength": 64},
            **SETTINGS,
            "learner_scope": LEARNER_SCOPE,
        },
        ["package_id"],
    ),
    response=obj({"dispatch": DISPATCH}, ["dispatch"]),
)
def create_dispatch(principal, body):
    tenant_id = require_own_tenant(principal, body.get("tenant_id"))
    return {"dispatch": _one(services.create(current(), tenant_id, body))}, 201


@endpoint(
    bp,
    "/dispatches",
    "GET",
    tag=TAG,
    summary="List dispatches",
    query=page_query(package_id=extension_field({"type": "string", "maxLength": 64})),
    response=list_of("dispatches", DISPATCH),
)
def list_dispatches(principal, query):
    rows, page = services.page(principal.tenant_id, query["page"], query["limit"], query.get("package_id"))
    return {"dispatches": [_one(d) for d in rows], "pagination": page}


@endpoint(
    bp,
    "/dispatches/<dispatch_id>",
    "GET",
    tag=TAG,
    errors=(404,),
    summary="Get a dispatch, with its figures",
    description="`figures`: launches, unique learners, completions, passed, failed, pass rate.",
    response=DISPATCH,
)
def get_dispatch(principal, dispatch_id):
    return _one(services.get(principal.tenant_id, dispatch_id), with_figures=True)


@endpoint(
    bp,
    "/dispatches/<dispatch_id>",
    "PATCH",
    tag=TAG,
    errors=(404, 409),
    summary="Change a dispatch: enable or disable it, its limits, domains, expiry, password",
    description="`enabled: false` stops every launch until it is enabled again; a revoked "
    "dispatch cannot be changed (409 DISPATCH_REVOKED).",
    body=obj({**SETTINGS, "enabled": {"type": "boolean"}}),
    response=DISPATCH,
)
def change_dispatch(principal, dispatch_id, body):
    return _one(services.change(principal.tenant_id, dispatch_id, body), with_figures=True)


@endpoint(
    bp,
    "/dispatches/<dispatch_id>",
    "DELETE",
    tag=TAG,
    errors=(404,),
    summary="Revoke a dispatch and prevent further access",
    response=obj(
        {"status": {"const": "revoked"}, "dispatch_id": {"type": "string"}}, ["status", "dispatch_id"]
    ),
)
def revoke_dispatch(principal, dispatch_id):
    d = services.revoke(principal.tenant_id, dispatch_id)
    return {"status": "revoked", "dispatch_id": d.id}


@endpoint(
    bp,
    "/dispatches/<dispatch_id>/generate",
    "POST",
    tag=TAG,
    errors=(404, 409),
    summary="Trigger background generation of the dispatch ZIP file",
    description="A job builds the shell package; `GET /dispatches/{id}/zip` downloads it. "
    "`standard` (extension): `scorm12` or `scorm2004`, the dispatch's own when not given.",
    body=obj({"standard": STANDARD}),
    response=obj(
        {"success": {"type": "boolean"}, "message": {"type": "string"}, "dispatch_id": {"type": "string"}},
        ["success", "message", "dispatch_id"],
    ),
)
def generate_dispatch(principal, dispatch_id, body):
    d = shell.request_zip(principal.tenant_id, dispatch_id, body.get("standard"))
    current().jobs.wake()
    return {"success": True, "message": "Dispatch generation queued.", "dispatch_id": d.id}


@endpoint(
    bp,
    "/dispatches/<dispatch_id>/zip",
    "GET",
    tag=TAG,
    content_type="application/zip",
    errors=(404, 409),
    summary="Download the dispatch ZIP (after generate)",
    description="409 DISPATCH_ZIP_NOT_READY until the generation has run.",
)
def download_zip(principal, dispatch_id):
    d = services.get(principal.tenant_id, dispatch_id)
    if d.revoked_at:
        raise services.revoked_error()
    stored = current().storage.open(shell.zip_key(d.id)) if d.zip_status == "ready" else None
    if stored is None:
        raise ApiError(
            409,
            "DISPATCH_ZIP_NOT_READY",
            "The zip has not been generated yet: POST /api/v1/dispatches/{id}/generate, then try again",
            {"zip_status": d.zip_status or "not_generated"},
        )
    return send_object(stored, "application/zip", download_name=shell.file_name(d))


@endpoint(
    bp,
    "/dispatches/<dispatch_id>/reset-registrations",
    "POST",
    tag=TAG,
    errors=(404, 409),
    summary="Reset the registration count to 0",
    description="The learners keep their registrations and progress; new learners may come "
    "up to `registration_limit` again. The license count (unique learners ever) stays.",
    response=DISPATCH,
)
def reset_registrations(principal, dispatch_id):
    return _one(services.reset_registrations(principal.tenant_id, dispatch_id), with_figures=True)


REGISTRATION = obj(
    {
        "learner_id": {"type": "string"},
        "learner_name": {"type": ["string", "null"]},
        "session_id": {"type": ["string", "null"]},
        "launch_count": {"type": "integer", "maximum": MAX_INTEGER},
    },
    ["learner_id", "launch_count"],
    additional=True,
)


@endpoint(
    bp,
    "/dispatches/<dispatch_id>/registrations",
    "GET",
    tag=TAG,
    errors=(404,),
    summary="The learners who came through a dispatch, with their session here",
    query=page_query(),
    response=list_of("registrations", REGISTRATION),
)
def list_registrations(principal, dispatch_id, query):
    rows, page = services.registrations(principal.tenant_id, dispatch_id, query["page"], query["limit"])
    return {"registrations": rows, "pagination": page}
