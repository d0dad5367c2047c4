"""JSON Schemas shared by several features (OpenAPI 3.1 uses JSON Schema 2020-12 as is)."""

from __future__ import annotations

import math

UUID = {"type": "string", "format": "uuid"}
TIMESTAMP = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}

MAX_PAGE_LIMIT = 100

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
