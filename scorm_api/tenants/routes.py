from flask import Blueprint

from scorm_api.endpoint import endpoint
from scorm_api.principals import SCOPES, require_own_tenant
from scorm_api.schemas import NULLABLE_TIMESTAMP, TIMESTAMP, UUID, list_of, obj, page_query
from scorm_api.tenants import services

bp = Blueprint("tenants", __name__, url_prefix="/api/v1")

TENANT = obj(
    {
        "id": UUID,
        "name": {"type": "string"},
        "is_system": {"type": "boolean"},
        "quotas": obj({"max_packages": {"type": ["integer", "null"]}}, additional=True),
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
    ["id", "name", "created_at"],
    additional=True,
)

SCOPE_LIST = {"type": "array", "items": {"enum": list(SCOPES)}, "minItems": 1, "uniqueItems": True}

API_KEY = obj(
    {
        "id": UUID,
        "tenant_id": UUID,
        "name": {"type": "string"},
        "prefix": {"type": "string"},
        "scopes": SCOPE_LIST,
        "created_at": TIMESTAMP,
        "last_used_at": NULLABLE_TIMESTAMP,
        "revoked_at": NULLABLE_TIMESTAMP,
        "expires_at": NULLABLE_TIMESTAMP,
        "status": {"enum": ["active", "revoked", "expired"]},
    },
    ["id", "tenant_id", "scopes", "created_at"],
    additional=True,
)

ISSUED_KEY = {
    **API_KEY,
    "required": API_KEY["required"] + ["api_key"],
    "properties": {**API_KEY["properties"], "api_key": {"type": "string", "description": "Shown once"}},
}

NAME = {"type": "string", "minLength": 1, "maxLength": 200}
MAX_PACKAGES = {"type": ["integer", "null"], "minimum": 0, "description": "Package quota; null for none"}

# ---- tenants -------------------------------------------------------------------------

TAG_T = "Tenants"


@endpoint(
    bp,
    "/tenants",
    "GET",
    tag=TAG_T,
    scope="admin",
    query=page_query(),
    response=list_of("tenants", TENANT),
    summary="List tenants",
    description="The system tenant's admin keys see every tenant; other admin keys see "
    "their own tenant only.",
)
def list_tenants(principal, query):
    rows, pagination = services.list_tenants(principal, query["page"], query["limit"])
    return {"tenants": [t.to_api() for t in rows], "pagination": pagination}


@endpoint(
    bp,
    "/tenants",
    "POST",
    tag=TAG_T,
    scope="admin",
    status=201,
    errors=(403,),
    summary="Create a tenant",
    description="System tenant admin keys only. With `initial_api_key`, the response "
    "also carries the new tenant's first key (shown once).",
    body=obj(
        {
            "name": NAME,
            "max_packages": MAX_PACKAGES,
            "initial_api_key": obj({"scopes": SCOPE_LIST, "name": NAME}, ["scopes"]),
        },
        ["name"],
    ),
    response={**TENANT, "properties": {**TENANT["properties"], "api_key": ISSUED_KEY}},
)
def create_tenant(principal, body):
    services.require_operator(principal, "create tenants")
    tenant = services.create_tenant(body["name"], max_packages=body.get("max_packages"))
    out = tenant.to_api()
    if "initial_api_key" in body:
        spec = body["initial_api_key"]
        out["api_key"] = services.create_api_key(tenant.id, spec["scopes"], spec.get("name")).to_api()
    return out


@endpoint(
    bp,
    "/tenants/<tenant_id>",
    "GET",
    tag=TAG_T,
    scope="admin",
    response=TENANT,
    errors=(404,),
    summary="Get a tenant",
)
def get_tenant(principal, tenant_id):
    return services.visible_tenant(principal, tenant_id).to_api()


@endpoint(
    bp,
    "/tenants/<tenant_id>",
    "PUT",
    tag=TAG_T,
    scope="admin",
    response=TENANT,
    errors=(403, 404),
    summary="Update a tenant's name or quotas",
    description="Quotas can be changed only by the system tenant's admin keys.",
    body=obj({"name": NAME, "max_packages": MAX_PACKAGES}),
)
def update_tenant(principal, tenant_id, body):
    changes = {k: body[k] for k in ("name", "max_packages") if k in body}
    return services.update_tenant(principal, tenant_id, **changes).to_api()


# ---- API keys ------------------------------------------------------------------------

TAG_K = "API keys"


@endpoint(
    bp,
    "/api-keys",
    "GET",
    tag=TAG_K,
    scope="admin",
    query=page_query(include_revoked={"type": "boolean", "default": True}),
    response=list_of("api_keys", API_KEY),
    summary="List the tenant's API keys",
)
def list_api_keys(principal, query):
    rows, pagination = services.list_api_keys(
        principal.tenant_id, query["page"], query["limit"], query["include_revoked"]
    )
    return {"api_keys": [k.to_api() for k in rows], "pagination": pagination}


@endpoint(
    bp,
    "/api-keys",
    "POST",
    tag=TAG_K,
    scope="admin",
    status=201,
    errors=(403,),
    summary="Create an API key",
    response=ISSUED_KEY,
    description="The plaintext key is in the response once; only its hash is stored. "
    "expires_in_days (optional, as the cloud's keys): the key answers 401 after that.",
    body=obj(
        {
            "scopes": SCOPE_LIST,
            "name": NAME,
            "tenant_id": UUID,
            "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 3650},
        },
        ["scopes"],
    ),
)
def create_api_key(principal, body):
    tenant_id = require_own_tenant(principal, body.get("tenant_id"))
    return services.create_api_key(
        tenant_id, body["scopes"], body.get("name"), body.get("expires_in_days")
    ).to_api()


@endpoint(
    bp,
    "/api-keys/<key_id>",
    "DELETE",
    tag=TAG_K,
    scope="admin",
    errors=(404,),
    summary="Revoke an API key",
    response=obj(
        {"success": {"type": "boolean"}, "api_key_id": UUID, "revoked_at": TIMESTAMP},
        ["success", "api_key_id"],
    ),
)
def revoke_api_key(principal, key_id):
    key = services.revoke_api_key(key_id, principal.tenant_id)
    return {"success": True, "api_key_id": key.id, "revoked_at": key.revoked_at}
