"""JSON Schemas shared by several features (OpenAPI 3.1 uses JSON Schema 2020-12 as is)."""

from __future__ import annotations

import math

UUID = {"type": "string", "format": "uuid"}
TIMESTAMP = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}

MAX_PAGE_LIMIT = 100
# What a request's integers may be when their schema says no more: the largest integer every
# part of the chain holds exactly (JavaScript clients, SQLite and PostgreSQL BIGINT, and an
# OFFSET of page x limit). Integers below zero mean nothing in this API.
MAX_INTEGER = 2**53 - 1


def bounded(schema: dict | None) -> dict | None:
    """`schema` with every integer given a minimum (0) and a maximum (MAX_INTEGER) where it
    has none, so that no request integer reaches a query unbounded. A copy; recursive over
    properties, items and combinators."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    kinds = out.get("type")
    if kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds):
        out.setdefault("minimum", 0)
        out.setdefault("maximum", MAX_INTEGER)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: bounded(v) for k, v in out["properties"].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = bounded(out[key])
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if isinstance(out.get(key), list):
            out[key] = [bounded(s) for s in out[key]]
    return out


PAGE_PROPERTIES = {
    "page": {"type": "integer", "minimum": 1, "default": 1, "description": "Page number"},
    "limit": {
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_PAGE_LIMIT,
        "default": 20,
        "description": "Results per page (max 100)",
    },
}


def page_query(**extra_properties) -> dict:
    return {"type": "object", "properties": {**PAGE_PROPERTIES, **extra_properties}}


PAGINATION = {
    "type": "object",
    "required": ["page", "limit", "total", "total_pages"],
    "properties": {
        "page": {"type": "integer"},
        "limit": {"type": "integer"},
        "total": {"type": "integer"},
        "total_pages": {"type": "integer"},
    },
}

ERROR = {
    "type": "object",
    "required": ["error", "request_id"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "examples": ["VALIDATION_ERROR"]},
                "message": {"type": "string"},
                "details": {
                    "type": "object",
                    "description": "Validation errors carry details.fieldErrors: {field: [messages]}",
                },
            },
        },
        "request_id": {"type": ["string", "null"]},
    },
}


EXTENSION = "x-appliance-extension"


def extension_field(schema: dict) -> dict:
    """A body field of a cloud operation that the cloud does not document: marked so in the
    OpenAPI document, and an unknown field in cloud-contract mode."""
    return {**schema, EXTENSION: True}


def without_extension_fields(schema: dict | None) -> dict | None:
    """The body as the cloud documents it, or None when it has no extension fields."""
    props = (schema or {}).get("properties") or {}
    if not any(v.get(EXTENSION) for v in props.values()):
        return None
    assert schema is not None
    return {**schema, "properties": {k: v for k, v in props.items() if not v.get(EXTENSION)}}


def obj(properties: dict, required: list[str] | None = None, additional: bool = False) -> dict:
    """An object schema; request bodies reject unknown fields by default."""
    return {
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": additional,
    }


def list_of(key: str, item: dict) -> dict:
    return obj(
        {key: {"type": "array", "items": item}, "pagination": PAGINATION},
        [key, "pagination"],
        additional=True,
    )


def pagination(page: int, limit: int, total: int) -> dict:
    return {
        "page": page,
        "limit": limit,
        "total": total,
        "total_pages": math.ceil(total / limit) if total else 0,
    }


def paginate(query, page: int, limit: int):
    """Run a peewee select for one page; return (rows, pagination dict)."""
    total = query.count()
    return list(query.paginate(page, limit)), pagination(page, limit, total)
