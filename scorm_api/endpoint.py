"""Declaring an API route: one decorator carries auth, scope, rate bucket, body and query
schemas and the OpenAPI description, so the running route and its documentation are built
from the same object and cannot drift.

Handlers stay thin: they receive the validated `body` / `query`, the `principal` and path
arguments, call a service function and return data (serialised to JSON) or a Response.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, g, request
from flask.typing import ResponseReturnValue

from scorm_api import safejson
from scorm_api import state as app_state
from scorm_api.errors import ApiError, bad_request, validation_error
from scorm_api.principals import INTERNAL_ENVIRON, PRINCIPAL_SOURCES, Principal, require_scope
from scorm_api.ratelimit import bucket_for_method
from scorm_api.schemas import bounded, without_extension_fields

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

Schema = dict[str, Any]  # a JSON Schema (2020-12), as OpenAPI 3.1 uses it
Handler = Callable[..., Any]

DEFAULT_SCOPES = {
    "GET": "read",
    "HEAD": "read",
    "POST": "write",
    "PUT": "write",
    "PATCH": "write",
    "DELETE": "admin",
}


class LazyValidator:
    """A JSON Schema (2020-12) validator of `schema`, made at its first use.

    Importing jsonschema and making the validators of every route took ~100 ms of each server
    start; a route's validators are made when it is first called instead, and jsonschema is
    imported then. Two threads may both make one: either will do."""

    def __init__(self, schema: Schema, *, formats: bool = False) -> None:
        self.schema = schema
        self._formats = formats
        self._made: Draft202012Validator | None = None

    @property
    def validator(self) -> Draft202012Validator:
        if self._made is None:
            from jsonschema import Draft202012Validator, FormatChecker

            checker = FormatChecker() if self._formats else None
            self._made = Draft202012Validator(self.schema, format_checker=checker)
        return self._made

    def iter_errors(self, data: Any) -> Iterator[ValidationError]:
        return self.validator.iter_errors(data)  # type: ignore[no-any-return]


@dataclass
class EndpointSpec:
    rule: str
    method: str
    summary: str
    tag: str
    auth: bool
    scope: str | None
    bucket: str | None
    body: Schema | None
    query: Schema | None
    response: Schema | None
    status: int
    description: str | None
    errors: tuple[int, ...]
    content_type: str = "application/json"
    also: tuple[int, ...] = ()  # other success statuses, answered with the same body
    body_content_type: str = "application/json"
    body_doc: Schema | None = None  # documented body the handler reads itself (multipart, raw)
    validators: dict[str, LazyValidator] = field(default_factory=dict, repr=False)
    parse_query: Callable[[], dict[str, Any]] | None = field(default=None, repr=False)


def endpoint(
    bp: Blueprint,
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    tag: str,
    auth_required: bool = True,
    scope: str | None = None,
    bucket: str | None = None,
    body: Schema | None = None,
    query: Schema | None = None,
    response: Schema | None = None,
    status: int = 200,
    description: str | None = None,
    errors: tuple[int, ...] = (),
    also: tuple[int, ...] = (),
    content_type: str = "application/json",
    body_content_type: str = "application/json",
    body_doc: Schema | None = None,
    name: str | None = None,
) -> Callable[[Handler], Handler]:
    body, query = bounded(body), bounded(query)
    spec = EndpointSpec(
        rule=bp.url_prefix.rstrip("/") + rule if bp.url_prefix else rule,
        method=method,
        summary=summary,
        tag=tag,
        auth=auth_required,
        scope=(scope or DEFAULT_SCOPES[method]) if auth_required else None,
        bucket=(bucket or bucket_for_method(method)) if auth_required else None,
        body=body,
        query=query,
        response=response,
        status=status,
        description=description,
        errors=errors,
        also=also,
        content_type=content_type,
        body_content_type=body_content_type,
        body_doc=body_doc,
    )
    # The schemas themselves are checked by tests/test_openapi.py, not at every start: that
    # check was a quarter of the app's start-up time.
    # "cloud_body": the body as the cloud documents it, for cloud-contract mode.
    for part, schema in (("body", body), ("query", query), ("cloud_body", without_extension_fields(body))):
        if schema is not None:
            spec.validators[part] = LazyValidator(schema, formats=True)
    if query is not None:
        spec.parse_query = query_parser(query, spec.validators["query"])

    def decorate(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def view(**path_args: Any) -> Any:
            kwargs: dict[str, Any] = dict(path_args)
            if spec.auth:
                kwargs["principal"] = authorize(spec)
            if spec.parse_query is not None:
                kwargs["query"] = spec.parse_query()
            if "body" in spec.validators:
                kwargs["body"] = parse_json_body(_body_validator(spec))
            return to_response(fn(**kwargs), spec.status)

        view.endpoint_spec = spec  # type: ignore[attr-defined]  # read by openapi.py
        bp.add_url_rule(
            rule, endpoint=name or f"{fn.__name__}_{method.lower()}", view_func=view, methods=[method]
        )
        return fn

    return decorate


def _body_validator(spec: EndpointSpec) -> LazyValidator:
    cloud = spec.validators.get("cloud_body")
    if cloud is not None and app_state.current().settings.contract == "cloud":
        return cloud  # our extension fields are unknown fields there, as on the cloud
    return spec.validators["body"]


def authenticate(state: app_state.State) -> Principal:
    internal = request.environ.get(INTERNAL_ENVIRON)
    if isinstance(internal, Principal) and internal.is_internal:
        return internal
    for source in state.hooks.all(PRINCIPAL_SOURCES):
        principal = source()
        if principal is not None:
            return principal
    raise ApiError(
        401, "UNAUTHORIZED", "Missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
    )


def authorize(spec: EndpointSpec) -> Principal:
    assert spec.scope is not None and spec.bucket is not None  # set for every authenticated route
    state = app_state.current()
    principal = authenticate(state)
    g.principal = principal
    decision = None if principal.is_internal else state.rate_limits.check(principal.tenant_id, spec.bucket)
    if decision is not None:
        g.rate_decision = decision
        if not decision.allowed:
            raise ApiError(
                429,
                "RATE_LIMIT_EXCEEDED",
                "Rate limit exceeded",
                {"bucket": spec.bucket, "limit": decision.limit, "reset": decision.reset_epoch},
                headers=decision.headers(),
            )
    require_scope(principal, spec.scope)
    return principal


def to_response(result: Any, status: int) -> ResponseReturnValue:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    return current_app.json.response(result), status


# ---- bodies --------------------------------------------------------------------------


def parse_json_body(validator: LazyValidator) -> Any:
    if not request.mimetype and not request.content_length and not validator.schema.get("required"):
        # No body at all where every field is optional: the cloud's bodiless calls
        # (POST /dispatches/{id}/generate).
        return {}
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise bad_request("Content-Type must be application/json", {"content_type": request.content_type})
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise bad_request("JSON bodies must be UTF-8 encoded", {"charset": charset})
    raw = request.get_data(cache=False)  # enforces max_content_length (413)
    if not raw.strip():
        raise bad_request("Request body is empty; a JSON document is expected")
    data = safejson.loads(raw)
    field_errors = schema_errors(validator, data)
    if field_errors:
        raise validation_error(field_errors)
    return data


def _field_path(path: Iterable[str | int], leaf: str | None = None) -> str:
    parts = [str(p) for p in path] + ([leaf] if leaf is not None else [])
    return ".".join(parts) if parts else "body"


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def _type_message(kinds: str | list[str]) -> str:
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return "Must be " + " or ".join(_TYPE_NAMES.get(k, k) for k in kinds)


# A person-readable message per JSON Schema keyword, from the keyword's value.
_MESSAGES: dict[str, Callable[[Any], str]] = {
    "type": _type_message,
    "enum": lambda v: "Must be one of: " + ", ".join(str(x) for x in v),
    "minLength": lambda v: "Must not be empty" if v == 1 else f"Must be at least {v} characters",
    "maxLength": lambda v: f"Must be at most {v} characters",
    "minimum": lambda v: f"Must be at least {v}",
    "maximum": lambda v: f"Must be at most {v}",
    "minItems": lambda v: "Must not be empty" if v == 1 else f"Must have at least {v} items",
    "maxItems": lambda v: f"Must have at most {v} items",
    "uniqueItems": lambda v: "Must not repeat items",
    "format": lambda v: f"Must be a valid {v}",
    "pattern": lambda v: "Has an invalid format",
}


def _message(err: ValidationError) -> str:
    template = _MESSAGES.get(err.validator)
    return template(err.validator_value) if template else err.message


def schema_errors(validator: LazyValidator, data: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for err in validator.iter_errors(data):
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = err.schema.get("properties", {})
            for name in sorted(k for k in err.instance if k not in known):
                out.setdefault(_field_path(err.absolute_path, name), []).append("Unknown field")
        elif err.validator == "required" and isinstance(err.instance, dict):
            for name in err.validator_value:
                if name not in err.instance:
                    out.setdefault(_field_path(err.absolute_path, name), []).append("Required")
        else:
            out.setdefault(_field_path(err.absolute_path), []).append(_message(err))
    return out


# ---- query strings -------------------------------------------------------------------


def _coerce_query_value(raw: str, kind: str) -> bool | int | float | str:
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        low = raw.lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0"):
            return False
        raise ValueError
    return raw


def query_parser(schema: Schema, validator: LazyValidator) -> Callable[[], dict[str, Any]]:
    """Build the parser of one endpoint's query string.

    Query strings are text: each declared parameter is coerced to its schema type, defaults
    are applied, then the result is validated. Undeclared parameters are ignored (cache
    busters, tracking). Validation is a pure function of the declared values and the same few
    query strings recur on every poll, so results are memoised (a bounded LRU; errors are
    raised, and so never cached)."""
    props = schema.get("properties", {})
    names = tuple(props)

    @functools.lru_cache(maxsize=1024)
    def parse(values: tuple[str | None, ...]) -> tuple[tuple[str, Any], ...]:
        out: dict[str, Any] = {}
        field_errors: dict[str, list[str]] = {}
        for name, raw in zip(names, values, strict=True):
            prop = props[name]
            if raw is None:
                if "default" in prop:
                    out[name] = prop["default"]
                continue
            kind = prop.get("type", "string")
            try:
                out[name] = _coerce_query_value(raw, kind)
            except ValueError:
                field_errors[name] = [_type_message(kind)]
        field_errors.update({k: v for k, v in schema_errors(validator, out).items() if k not in field_errors})
        if field_errors:
            raise validation_error(field_errors)
        return tuple(out.items())

    return lambda: dict(parse(tuple(request.args.get(n) for n in names)))
