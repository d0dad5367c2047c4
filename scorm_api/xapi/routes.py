"""The seed's xAPI endpoints (/api/v1/xapi/...), authenticated with API keys, in the seed's
shapes. The standard LRS interface (/xapi/) shares the same store."""

from __future__ import annotations

from flask import Blueprint

from scorm_api.endpoint import endpoint
from scorm_api.errors import ApiError
from scorm_api.schemas import UUID, extension_field, list_of, obj, page_query, pagination
from scorm_api.state import current
from scorm_api.xapi import analytics, credentials, store, validation

bp = Blueprint("xapi", __name__, url_prefix="/api/v1/xapi")
TAG = "xAPI"
IRI = {"type": "string", "minLength": 1, "maxLength": 2048}
STATEMENT = {"type": "object", "description": "An xAPI statement (1.0.3 / 2.0.0)"}


def authority_for(principal) -> dict:
    """Who vouches for statements sent with an API key: the key, as an account Agent."""
    return {
        "objectType": "Agent",
        "name": "API key",
        "account": {"homePage": current().settings.base_url + "/api-keys", "name": principal.key_id},
    }


@endpoint(
    bp,
    "/statements",
    "POST",
    tag=TAG,
    errors=(400, 409),
    summary="Store one or more statements",
    description="One statement answers its id; an array answers the list of ids, in order. "
    "All or nothing. An id already stored with the same statement is accepted "
    "again (replays are harmless); with a different statement it is a 409.",
    body={"oneOf": [STATEMENT, {"type": "array", "items": STATEMENT, "minItems": 1, "maxItems": 1000}]},
    response={"oneOf": [UUID, {"type": "array", "items": UUID}]},
)
def post_statements(principal, body):
    many = isinstance(body, list)
    ids = store.store(principal.tenant_id, body if many else [body], authority_for(principal))
    return ids if many else ids[0]


@endpoint(
    bp,
    "/statements",
    "GET",
    tag=TAG,
    summary="Query statements",
    query=page_query(
        statementId=UUID,
        verb=IRI,
        activity=IRI,
        registration=UUID,
        since={"type": "string", "maxLength": 64, "description": "Stored after (ISO 8601)"},
        until={"type": "string", "maxLength": 64, "description": "Stored at or before (ISO 8601)"},
    ),
    response=obj(
        {"statements": {"type": "array", "items": STATEMENT}, "pagination": {"type": "object"}},
        ["statements", "pagination"],
    ),
)
def query_statements(principal, query):
    page, limit = query["page"], query["limit"]
    if query.get("statementId"):
        try:
            rows = [store.get(principal.tenant_id, query["statementId"])]
        except ApiError:  # not found (or voided): an empty page, as any filter would give
            rows = []
        total = len(rows)
        rows = rows if page == 1 else []
    else:
        rows, total = store.query(
            principal.tenant_id,
            verb=query.get("verb"),
            activity=query.get("activity"),
            registration=query.get("registration"),
            since=validation.utc_iso(query["since"], "since") if query.get("since") else None,
            until=validation.utc_iso(query["until"], "until") if query.get("until") else None,
            offset=(page - 1) * limit,
            limit=limit,
        )
    return {"statements": rows, "pagination": pagination(page, limit, total)}


@endpoint(
    bp,
    "/statements/<statement_id>",
    "GET",
    tag=TAG,
    errors=(404,),
    summary="Get a statement",
    response=STATEMENT,
)
def get_statement(principal, statement_id):
    return store.get(principal.tenant_id, statement_id)


# ---- analytics ------------------------------------------------------------------------------

FIGURES = {
    "total_statements": {"type": "integer"},
    "completed_count": {"type": "integer"},
    "passed_count": {"type": "integer"},
    "failed_count": {"type": "integer"},
    "avg_score_scaled": {"type": ["number", "null"]},
    "scored_count": extension_field(
        {"type": "integer", "description": "How many statements avg_score_scaled averages"}
    ),
    "first_activity": {"type": ["string", "null"]},
    "last_activity": {"type": ["string", "null"]},
}
ORDER = {"enum": ["asc", "desc"], "default": "desc"}
COUNT = {"type": "integer", "minimum": 0}
FIGURES_NOTE = (
    "Counts every statement stored (voided ones leave); completed/passed/failed count "
    "the ADL verbs of those names; avg_score_scaled averages result.score.scaled where given "
    "(scored_count of them: an unscored statement is not a 0); first/last activity are "
    "statement timestamps (UTC). SCORM sessions count too; the dashboard's previews do not."
)


@endpoint(
    bp,
    "/analytics/actors",
    "GET",
    tag=TAG,
    summary="Performance by learner",
    description=FIGURES_NOTE,
    query=page_query(
        actor_mbox={"type": "string", "maxLength": 320, "description": "Learner email"},
        min_activities=COUNT,
        sort={"enum": list(analytics.ACTOR_SORTS), "default": "total_statements"},
        order=ORDER,
    ),
    response=list_of(
        "actors",
        obj(
            {
                "actor_mbox": {"type": ["string", "null"]},
                "actor_name": {"type": ["string", "null"]},
                "actor": {"type": "object", "description": "The identifying Agent or Group"},
                "unique_activities": {"type": "integer"},
                **FIGURES,
            },
            additional=True,
        ),
    ),
)
def analytics_actors(principal, query):
    rows, total = analytics.actors(
        principal.tenant_id,
        actor_mbox=query.get("actor_mbox"),
        min_activities=query.get("min_activities"),
        sort=query["sort"],
        order=query["order"],
        page=query["page"],
        limit=query["limit"],
    )
    return {"actors": rows, "pagination": pagination(query["page"], query["limit"], total)}


@endpoint(
    bp,
    "/analytics/activities",
    "GET",
    tag=TAG,
    summary="Performance by activity",
    description=FIGURES_NOTE,
    query=page_query(
        activity_id=IRI,
        activity_type=IRI,
        package_id=UUID,
        min_learners=COUNT,
        sort={"enum": list(analytics.ACTIVITY_SORTS), "default": "total_statements"},
        order=ORDER,
    ),
    response=list_of(
        "activities",
        obj(
            {
                "activity_id": {"type": "string"},
                "activity_type": {"type": ["string", "null"]},
                "package_id": {"type": ["string", "null"]},
                "unique_learners": {"type": "integer"},
                **FIGURES,
            },
            additional=True,
        ),
    ),
)
def analytics_activities(principal, query):
    rows, total = analytics.activities(
        principal.tenant_id,
        activity_id=query.get("activity_id"),
        activity_type=query.get("activity_type"),
        package_id=query.get("package_id"),
        min_learners=query.get("min_learners"),
        sort=query["sort"],
        order=query["order"],
        page=query["page"],
        limit=query["limit"],
    )
    return {"activities": rows, "pagination": pagination(query["page"], query["limit"], total)}


# ---- LRS credentials (for /xapi/) -----------------------------------------------------------

CREDENTIAL = obj(
    {
        "id": UUID,
        "tenant_id": UUID,
        "name": {"type": "string"},
        "username": {"type": "string"},
        "scopes": {"type": "array", "items": {"type": "string"}},
        "status": {"enum": ["active", "revoked"]},
        "created_at": {"type": "string"},
        "revoked_at": {"type": ["string", "null"]},
    },
    ["id", "username", "scopes", "status"],
    additional=True,
)


@endpoint(
    bp,
    "/credentials",
    "GET",
    tag=TAG,
    scope="admin",
    response=obj({"credentials": {"type": "array", "items": CREDENTIAL}}, ["credentials"]),
    summary="List the tenant's LRS credentials (for the standard LRS at /xapi/)",
)
def list_credentials(principal):
    return {"credentials": [c.to_api() for c in credentials.list_for(principal.tenant_id)]}


@endpoint(
    bp,
    "/credentials",
    "POST",
    tag=TAG,
    scope="admin",
    status=201,
    body=obj(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "scopes": {
                "type": "array",
                "items": {"enum": list(credentials.SCOPES)},
                "minItems": 1,
                "uniqueItems": True,
            },
        }
    ),
    response={
        **CREDENTIAL,
        "properties": {
            **CREDENTIAL["properties"],
            "password": {"type": "string"},
            "endpoint": {"type": "string"},
        },
    },
    summary="Create LRS credentials; the password is in this answer only",
)
def create_credentials(principal, body):
    row, password = credentials.create(
        principal.tenant_id, body.get("name"), body.get("scopes") or ("read", "write")
    )
    return {**row.to_api(), "password": password, "endpoint": current().settings.base_url + "/xapi/"}


@endpoint(
    bp,
    "/credentials/<credential_id>",
    "DELETE",
    tag=TAG,
    scope="admin",
    errors=(404,),
    response=CREDENTIAL,
    summary="Revoke LRS credentials",
)
def revoke_credentials(principal, credential_id):
    return credentials.revoke(principal.tenant_id, credential_id).to_api()
