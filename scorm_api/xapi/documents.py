"""xAPI documents: activity state, activity profiles and agent profiles.

A document is bytes with a content type, keyed by (kind, activity, agent, registration, id).
Writes follow the specification's concurrency rules: an ETag (quoted SHA-1 of the content) on
every read; If-Match / If-None-Match checked (412 when they fail); a PUT that would overwrite an
existing document without either header is a 409 where the version requires it (and, for
xAPI 1.0.3 profiles, a PUT creating one without either header is a 400). POST merges
JSON objects one level deep (both sides must be JSON objects, else 400).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from scorm_api import safejson
from scorm_api.db import new_id, write_transaction
from scorm_api.errors import ApiError, bad_request, not_found
from scorm_api.xapi.models import Document
from scorm_api.xapi.validation import now_iso

KINDS = ("state", "activity_profile", "agent_profile")


@dataclass(frozen=True)
class Key:
    tenant_id: str
    kind: str
    activity_id: str = ""
    agent_key: str = ""
    registration: str = ""

    def where(self):
        return (
            (Document.tenant == self.tenant_id)
            & (Document.kind == self.kind)
            & (Document.activity_id == self.activity_id)
            & (Document.agent_key == self.agent_key)
            & (Document.registration == self.registration)
        )


def etag_of(content: bytes) -> str:
    return '"' + hashlib.sha1(content).hexdigest() + '"'


def _check_preconditions(
    existing: Document | None,
    if_match: str | None,
    if_none_match: str | None,
    overwrite_needs_precondition: bool,
    create_needs_precondition: bool = False,
) -> None:
    if if_match is not None:
        tags = {t.strip() for t in if_match.split(",")}
        if existing is None or ("*" not in tags and existing.etag not in tags):
            raise ApiError(412, "PRECONDITION_FAILED", "If-Match does not match the document's ETag")
    if if_none_match is not None and existing is not None:
        tags = {t.strip() for t in if_none_match.split(",")}
        if "*" in tags or existing.etag in tags:
            raise ApiError(412, "PRECONDITION_FAILED", "The document exists (If-None-Match)")
    if if_match is None and if_none_match is None:
        if overwrite_needs_precondition and existing is not None:
            raise ApiError(
                409,
                "CONFLICT",
                "The document exists: send If-Match with its ETag to "
                "overwrite it, or If-None-Match: * to create it only if absent",
            )
        if create_needs_precondition and existing is None:
            raise bad_request("Send If-None-Match: * to create this document (or If-Match to replace one)")


def _find(key: Key, doc_id: str) -> Document | None:
    return Document.get_or_none(key.where() & (Document.doc_id == doc_id))


def put(
    key: Key,
    doc_id: str,
    content: bytes,
    content_type: str,
    *,
    merge: bool,
    if_match: str | None = None,
    if_none_match: str | None = None,
    overwrite_needs_precondition: bool = False,
    create_needs_precondition: bool = False,
) -> None:
    """PUT (replace) or POST (merge JSON objects; create when absent)."""
    incoming = _json_request_object(content, content_type) if merge else None
    with write_transaction():
        existing = _find(key, doc_id)
        _check_preconditions(
            existing,
            if_match,
            if_none_match,
            overwrite_needs_precondition and not merge,
            create_needs_precondition and not merge,
        )
        if incoming is not None and existing is not None:
            content, content_type = _merged(existing, incoming), "application/json"
        now = now_iso()
        if existing is None:
            Document.create(
                pk=new_id(),
                tenant=key.tenant_id,
                kind=key.kind,
                activity_id=key.activity_id,
                agent_key=key.agent_key,
                registration=key.registration,
                doc_id=doc_id,
                content_type=content_type,
                content=content,
                etag=etag_of(content),
                updated=now,
            )
        else:
            Document.update(
                content=content, content_type=content_type, etag=etag_of(content), updated=now
            ).where(Document.pk == existing.pk).execute()


def _json_object(content: bytes, what: str) -> dict:
    try:
        value = safejson.loads(content, f"The {what}")
    except ApiError:
        value = None
    if not isinstance(value, dict):
        raise bad_request(f"POST merges JSON objects, and the {what} is not one")
    return value


def _json_request_object(content: bytes, content_type: str) -> dict:
    if not content_type.startswith("application/json"):
        raise bad_request("POST merges JSON documents: send application/json (PUT replaces any type)")
    return _json_object(content, "request body")


def _merged(existing: Document, incoming: dict) -> bytes:
    if not existing.content_type.startswith("application/json"):
        raise bad_request("POST merges JSON documents; send PUT to replace a non-JSON one")
    merged = {**_json_object(bytes(existing.content), "stored document"), **incoming}
    return json.dumps(merged, separators=(",", ":")).encode("utf-8")


def get(key: Key, doc_id: str) -> Document:
    doc = _find(key, doc_id)
    if doc is None:
        raise not_found("NOT_FOUND", "Document not found")
    return doc


def ids(key: Key, since: str | None = None) -> list[str]:
    q = Document.select(Document.doc_id).where(key.where())
    if since:
        q = q.where(Document.updated > since)
    return [d.doc_id for d in q.order_by(Document.updated)]


def delete(
    key: Key, doc_id: str | None, if_match: str | None = None, if_none_match: str | None = None
) -> None:
    """One document, or (doc_id None, state only) every document under the key."""
    with write_transaction():
        if doc_id is None:
            Document.delete().where(key.where()).execute()
            return
        existing = _find(key, doc_id)
        _check_preconditions(existing, if_match, if_none_match, False)
        if existing is not None:
            Document.delete().where(Document.pk == existing.pk).execute()
