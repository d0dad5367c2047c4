"""The standard xAPI LRS interface at /xapi/, for xAPI tools and content: HTTP Basic auth with
LRS credentials, the X-Experience-API-Version rules, the statements resource (PUT/POST as JSON
or multipart/mixed with attachments; GET with HEAD, every filter and StatementResult paging by
`more`), the three document resources, agents, activities and about.
It shares the statement store with the seed's /api/v1/xapi endpoints."""

from __future__ import annotations

import json

from flask import Blueprint, Response, g, request
from werkzeug.http import http_date

from scorm_api import safejson
from scorm_api.endpoint import endpoint
from scorm_api.errors import bad_request, forbidden
from scorm_api.state import current
from scorm_api.xapi import (
    activities,
    alternate,
    attachments,
    client_versions,
    credentials,
    documents,
    multipart,
    store,
    validation,
)

bp = Blueprint("lrs", __name__, url_prefix="/xapi")
TAG = "xAPI LRS"
MAX_LIMIT = 100
MORE = "xapi-more"
# GET /statements parameters, by the specification (names are case-sensitive).
_QUERY_PARAMS = {
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "more",
}
_SINGLE_PARAMS = {"statementId", "voidedStatementId", "format", "attachments"}


def _enabled() -> tuple[str, ...]:
    return current().settings.xapi_version_list


def _asked(sent: str | None) -> str | None:
    """The enabled version a request's header names (same major.minor), or None."""
    if not sent:
        return None
    return next((v for v in _enabled() if sent.split(".")[:2] == v.split(".")[:2]), None)


def _version() -> str:
    """The request's xAPI version (required on every request but GET /about)."""
    sent = request.headers.get("X-Experience-API-Version")
    if sent is None:
        raise bad_request("The X-Experience-API-Version header is required")
    version = _asked(sent)
    if version is None:
        raise bad_request(
            f"Unsupported xAPI version {sent!r}; this LRS speaks "
            + " and ".join(v[:3] + ".x" for v in _enabled())
        )
    if request.environ.get(alternate.FLAG):
        if request.environ.get(alternate.ERROR):
            raise bad_request(request.environ[alternate.ERROR])
        if version == "2.0.0":
            raise bad_request("xAPI 2.0 has no alternate request syntax (?method=)")
    return version


# Content on another origin (a cmi5 AU hosted elsewhere, an xAPI tool in a browser) reaches
# the LRS with Basic credentials in a header, never cookies: any origin may call it.
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Experience-API-Version, "
    "If-Match, If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, X-Experience-API-Version, "
    "X-Experience-API-Consistent-Through",
    "Access-Control-Max-Age": "600",
}


@bp.before_request
def _preflight():
    if request.method == "OPTIONS":
        return Response(status=204, headers=CORS)
    return None


@bp.after_app_request
def _version_header(resp):
    # App-wide, so that a path under /xapi/ no route matches (a 404) is answered as the LRS.
    if request.path != "/xapi" and not request.path.startswith("/xapi/"):
        return resp
    for k, v in CORS.items():
        resp.headers.setdefault(k, v)
    # In the version the client asked for when it is enabled, even when the request failed
    # before its version was checked (a bad route, a refused credential); without the header,
    # in the version this client last spoke; else the newest.
    resp.headers["X-Experience-API-Version"] = (
        g.get("xapi_version")
        or _asked(request.headers.get("X-Experience-API-Version"))
        or _asked(client_versions.recall(request.headers.get("Authorization")))
        or _enabled()[-1]
    )
    # Every statements GET says how far the store is consistent, errors included: clients
    # (and the conformance suite) poll it to know when a write is visible.
    if request.path.rstrip("/").endswith("/statements") and request.method in ("GET", "HEAD"):
        resp.headers.setdefault("X-Experience-API-Consistent-Through", validation.now_iso())
    return resp


def _principal(write: bool) -> credentials.LrsPrincipal:
    g.xapi_version = _version()
    principal = credentials.authenticate(
        request.headers.get("Authorization"), current().hooks.all(credentials.LRS_CREDENTIALS)
    )
    client_versions.remember(request.headers.get("Authorization"), g.xapi_version)
    if write and "write" not in principal.scopes:
        raise forbidden("These LRS credentials may only read")
    return principal


def _authority(p: credentials.LrsPrincipal) -> dict:
    return {
        "objectType": "Agent",
        "name": "LRS credentials",
        "account": {"homePage": current().settings.base_url + "/xapi", "name": p.username},
    }


def _statements_body() -> tuple[object, list[multipart.Part]]:
    """(the JSON sent, the attachment parts sent with it)."""
    if request.mimetype == "multipart/mixed":
        request.max_content_length = current().settings.max_xapi_attachments_bytes
        document, parts = multipart.parse(request.get_data(cache=False), request.headers["Content-Type"])
    elif request.mimetype == "application/json":
        document, parts = request.get_data(cache=False), []
    else:
        raise bad_request("Statements are sent as application/json, or multipart/mixed with attachments")
    return safejson.loads(document, "The statements are not valid JSON"), parts


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), status=status, mimetype="application/json")


@endpoint(
    bp,
    "/about",
    "GET",
    tag=TAG,
    auth_required=False,
    summary="The LRS's xAPI versions",
    response={"type": "object"},
)
def about():
    return {"version": list(_enabled())}


@endpoint(
    bp,
    "/statements",
    "PUT",
    tag=TAG,
    auth_required=False,
    status=204,
    errors=(400, 401, 403, 409),
    body_content_type="application/json",
    body_doc={"type": "object"},
    summary="Store a statement with the id given in ?statementId",
)
def put_statement():
    p = _principal(write=True)
    sid = request.args.get("statementId")
    if not sid:
        raise bad_request("PUT needs the statementId parameter")
    validation.validate(
        {"actor": {"mbox": "mailto:x@x.x"}, "verb": {"id": "x:x"}, "object": {"id": "x:x"}, "id": sid},
        g.xapi_version,
    )  # the id's form
    body, parts = _statements_body()
    if not isinstance(body, dict):
        raise bad_request("PUT takes one statement")
    if "id" in body and str(body["id"]).lower() != sid.lower():
        raise bad_request("The statement's id differs from statementId")
    _store(p, [{**body, "id": sid}], parts)
    return Response(status=204)


@endpoint(
    bp,
    "/statements",
    "POST",
    tag=TAG,
    auth_required=False,
    errors=(400, 401, 403, 409),
    body_content_type="application/json",
    body_doc={"type": ["object", "array"]},
    summary="Store one or more statements; answers the array of ids",
)
def post_statements():
    p = _principal(write=True)
    body, parts = _statements_body()
    batch = body if isinstance(body, list) else [body]
    if not all(isinstance(st, dict) for st in batch):
        raise bad_request("Each statement must be a JSON object")
    return _json(_store(p, batch, parts))


def _store(p: credentials.LrsPrincipal, batch: list[dict], parts: list[multipart.Part]) -> list[str]:
    if p.guard:
        return p.guard.store_statements(p.tenant_id, batch, _authority(p), g.xapi_version, parts)
    return store.store(p.tenant_id, batch, _authority(p), g.xapi_version, parts=parts)


def _bool_param(name: str) -> bool:
    value = request.args.get(name, "false")
    if value not in ("true", "false"):
        raise bad_request(f"{name} must be true or false")
    return value == "true"


def _shape(statement: dict, fmt: str) -> dict:
    if fmt == "ids":
        return _ids_only(statement)
    if fmt == "canonical":
        return _canonical(statement, request.accept_languages)
    return statement


def _ids_only(value):
    """format=ids: Agents, Groups, Activities and Verbs reduced to what identifies them."""
    if isinstance(value, list):
        return [_ids_only(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _ids_only(v) for k, v in value.items() if k not in ("definition", "display", "name")}
    if "member" in out and any(k in value for k in ("mbox", "mbox_sha1sum", "openid", "account")):
        out.pop("member")
    if out.get("objectType") == "Activity":  # an Activity is identified by its id alone
        out.pop("objectType")
    return out


def _canonical(value, accept):
    """format=canonical: each language map reduced to the one language the client prefers."""
    if isinstance(value, list):
        return [_canonical(v, accept) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        if (
            key in ("display", "name", "description")
            and isinstance(v, dict)
            and v
            and all(isinstance(x, str) for x in v.values())
        ):
            best = accept.best_match(list(v)) or next(iter(v))
            out[key] = {best: v[best]}
        elif key == "extensions":
            out[key] = v
        else:
            out[key] = _canonical(v, accept)
    return out


@endpoint(
    bp,
    "/statements",
    "GET",
    tag=TAG,
    auth_required=False,
    errors=(400, 401, 404),
    summary="Get one statement, or a StatementResult of matching statements",
    description="statementId or voidedStatementId, or the filters agent, verb, activity, "
    "registration, since, until, limit, ascending, format; `more` pages on.",
    response={"type": "object"},
)
def get_statements():
    p = _principal(write=False)
    args = request.args
    unknown = set(args) - _QUERY_PARAMS
    if unknown:
        raise bad_request(f"Unknown parameter(s): {', '.join(sorted(unknown))}")
    fmt = args.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise bad_request("format must be exact, ids or canonical")
    with_attachments = _bool_param("attachments")
    consistent = validation.now_iso()
    for single, voided in (("statementId", False), ("voidedStatementId", True)):
        if single in args:
            if set(args) - _SINGLE_PARAMS or ("statementId" in args and "voidedStatementId" in args):
                raise bad_request(f"{single} cannot be combined with other filters")
            st = store.get(p.tenant_id, args[single], voided=voided)
            if p.guard:
                p.guard.check_statement(st)
            resp = _result(p, _shape(st, fmt), [st], with_attachments)
            resp.headers["Last-Modified"] = st["stored"]
            resp.headers["X-Experience-API-Consistent-Through"] = consistent
            return resp
    if "more" in args:
        state = current().signer.loads(MORE, args["more"], 3600)
        if state.get("t") != p.tenant_id:
            raise forbidden("This more link belongs to other credentials")
        filters, offset = state["f"], state["o"]
    else:
        filters = _filters(args)
        offset = 0
    if p.guard:
        p.guard.check_query(filters)
    limit = filters.pop("limit")
    rows, has_more = store.page(p.tenant_id, offset=offset, limit=limit, **filters)
    more = ""
    if has_more:
        token = current().signer.dumps(
            MORE, {"t": p.tenant_id, "o": offset + limit, "f": {**filters, "limit": limit}}
        )
        more = f"/xapi/statements?more={token}"
    resp = _result(p, {"statements": [_shape(st, fmt) for st in rows], "more": more}, rows, with_attachments)
    resp.headers["X-Experience-API-Consistent-Through"] = consistent
    return resp


def _result(
    p: credentials.LrsPrincipal, document, statements: list[dict], with_attachments: bool
) -> Response:
    """JSON, or (attachments=true) multipart/mixed: the JSON, then the attachments' bytes."""
    if not with_attachments:
        return _json(document)
    body, content_type = multipart.render(
        json.dumps(document, separators=(",", ":")).encode(),
        attachments.for_statements(p.tenant_id, statements),
    )
    return Response(body, content_type=content_type)


def _filters(args) -> dict:
    out: dict = {
        "ascending": _bool_param("ascending"),
        "related_activities": _bool_param("related_activities"),
        "related_agents": _bool_param("related_agents"),
    }
    if "agent" in args:
        out["agent_key"] = store.actor_key(_agent_param(args))
    if "verb" in args:
        out["verb"] = validation._iri(args["verb"], "verb")
    if "activity" in args:
        out["activity"] = validation._iri(args["activity"], "activity")
    if "registration" in args:
        out["registration"] = validation._uuid(args["registration"], "registration")
    for name in ("since", "until"):
        if name in args:
            out[name] = validation.utc_iso(args[name], name)
    try:
        limit = int(args.get("limit", "0"))
    except ValueError:
        raise bad_request("limit must be a whole number") from None
    if limit < 0:
        raise bad_request("limit must not be negative")
    out["limit"] = MAX_LIMIT if limit == 0 else min(limit, MAX_LIMIT)
    return out


# ---- documents: activity state, activity profile, agent profile -------------------------------

# kind -> (path, the document id's parameter, required parameters, optional parameters)
_DOCUMENTS = {
    "state": ("/activities/state", "stateId", ("activityId", "agent"), ("registration", "since")),
    "activity_profile": ("/activities/profile", "profileId", ("activityId",), ("since",)),
    "agent_profile": ("/agents/profile", "profileId", ("agent",), ("since",)),
}


def _agent_param(args) -> dict:
    agent = safejson.loads(args["agent"], "agent must be a JSON Agent or Group")
    return validation.actor(agent, "agent")


def _document(kind: str):
    _path, id_name, required, optional = _DOCUMENTS[kind]
    method = request.method
    p = _principal(write=method in ("PUT", "POST", "DELETE"))
    args = request.args
    unknown = set(args) - {id_name, *required, *optional}
    if unknown:
        raise bad_request(f"Unknown parameter(s): {', '.join(sorted(unknown))}")
    missing = [name for name in required if name not in args]
    if missing:
        raise bad_request(f"Missing parameter(s): {', '.join(missing)}")
    activity_id = validation._iri(args["activityId"], "activityId") if "activityId" in args else ""
    agent_key = store.actor_key(_agent_param(args)) or "" if "agent" in args else ""
    registration = (
        validation._uuid(args["registration"], "registration").lower() if "registration" in args else ""
    )
    key = documents.Key(p.tenant_id, kind, activity_id, agent_key, registration)
    doc_id = args.get(id_name)
    if p.guard:
        p.guard.check_document(kind, method, agent_key, doc_id)
    if method in ("GET", "HEAD"):
        if doc_id is None:
            since = validation.utc_iso(args["since"], "since") if "since" in args else None
            return _json(documents.ids(key, since))
        if "since" in args:
            raise bad_request(f"since lists documents; it cannot be combined with {id_name}")
        doc = documents.get(key, doc_id)
        resp = Response(bytes(doc.content), mimetype=None, content_type=doc.content_type)
        resp.headers["ETag"] = doc.etag
        resp.headers["Last-Modified"] = http_date(validation.timestamp(doc.updated, "updated"))
        return resp
    if_match, if_none_match = request.headers.get("If-Match"), request.headers.get("If-None-Match")
    if method == "DELETE":
        if doc_id is None and kind != "state":
            raise bad_request(f"DELETE needs {id_name}")
        documents.delete(key, doc_id, if_match, if_none_match)
        return Response(status=204)
    if doc_id is None:
        raise bad_request(f"{method} needs {id_name}")
    if "since" in args:
        raise bad_request("since is for listing documents")
    content_type = request.content_type or "application/octet-stream"
    body = request.get_data(cache=False)
    # xAPI 2.0 asks for a precondition before overwriting any document; 1.0.3 for profiles,
    # whose PUTs it requires to carry one at all (Communication 2.6/2.7, XAPI-00273).
    strict = g.xapi_version.startswith("2") or kind != "state"
    documents.put(
        key,
        doc_id,
        body,
        content_type,
        merge=method == "POST",
        if_match=if_match,
        if_none_match=if_none_match,
        overwrite_needs_precondition=strict,
        create_needs_precondition=g.xapi_version == "1.0.3" and kind != "state",
    )
    return Response(status=204)


for _kind, (_path, _id_name, _required, _optional) in _DOCUMENTS.items():
    for _method in ("GET", "PUT", "POST", "DELETE"):
        endpoint(
            bp,
            _path,
            _method,
            tag=TAG,
            auth_required=False,
            name=f"{_kind}_{_method.lower()}",
            errors=(400, 401, 403, 404, 409, 412),
            status=200 if _method == "GET" else 204,
            body_content_type="application/octet-stream"
            if _method in ("PUT", "POST")
            else "application/json",
            body_doc={"description": "The document (any content type; POST merges JSON objects)"}
            if _method in ("PUT", "POST")
            else None,
            summary=f"{_method} {_path.strip('/').replace('/', ' ')} "
            f"({_id_name} for one document; without it, GET lists ids"
            f"{' and DELETE removes all' if _kind == 'state' else ''})",
        )(lambda _k=_kind: _document(_k))


# ---- agents and activities ----------------------------------------------------------------


@endpoint(
    bp,
    "/agents",
    "GET",
    tag=TAG,
    auth_required=False,
    errors=(400, 401),
    summary="The Person object for an agent",
    response={"type": "object"},
)
def agents():
    _principal(write=False)
    if set(request.args) - {"agent"} or "agent" not in request.args:
        raise bad_request("GET /agents takes exactly the agent parameter")
    agent = _agent_param(request.args)
    person: dict = {"objectType": "Person"}
    for key in ("name", "mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            person[key] = [agent[key]]
    return _json(person)


@endpoint(
    bp,
    "/activities",
    "GET",
    tag=TAG,
    auth_required=False,
    errors=(400, 401),
    name="activities",
    summary="The full Activity object, its definition merged from every statement that gave one",
    response={"type": "object"},
)
def activity_object():
    p = _principal(write=False)
    if set(request.args) - {"activityId"} or "activityId" not in request.args:
        raise bad_request("GET /activities takes exactly the activityId parameter")
    activity_id = validation._iri(request.args["activityId"], "activityId")
    return _json(activities.get(p.tenant_id, activity_id))
