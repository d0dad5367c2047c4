"""LRS credentials: a username and password for HTTP Basic auth on /xapi/, belonging to one
tenant, scoped read or read,write. Passwords are 256-bit random, so a SHA-256 at rest is enough
(as for API keys); the password is shown once, at creation."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from flask import has_request_context, request

from scorm_api.db import PreparedText, new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError, not_found, validation_error
from scorm_api.hooks import Hook
from scorm_api.tenants.models import Tenant
from scorm_api.xapi.models import Credential
from scorm_api.xapi.multipart import Part

SCOPES = ("read", "write")
CREDENTIAL_PREFIX = "lrs-"  # the usernames of Credential rows
# Every LRS request looks its credentials up: the columns it needs, read as a plain row.
_ACTIVE = PreparedText(
    lambda p: (
        "SELECT id, tenant_id, secret_hash, scopes FROM xapi_credential "
        f"WHERE username = {p} AND revoked_at IS NULL"
    )
)


class LrsGuard(Protocol):
    """What the LRS asks, on every request, of credentials that reach one learner's data only
    (a launch's): they may refuse (403), and storing goes through them."""

    def store_statements(
        self, tenant_id: str, batch: list[dict], authority: dict, version: str, parts: list[Part]
    ) -> list[str]: ...

    def check_query(self, filters: dict) -> None: ...

    def check_statement(self, statement: dict) -> None: ...

    def check_document(self, kind: str, method: str, agent_key: str, doc_id: str | None) -> None: ...


@dataclass(frozen=True)
class LrsPrincipal:
    credential_id: str
    tenant_id: str
    username: str
    scopes: frozenset[str]
    guard: LrsGuard | None = None  # set by the source of narrower credentials


# Credentials other than the tenants' own (a launch's): each source answers a principal for
# (username, password), None when they are not its kind, or raises refused() (401).
CredentialSource = Callable[[str, str], "LrsPrincipal | None"]
LRS_CREDENTIALS: Hook[CredentialSource] = Hook("xapi: LRS credentials of other kinds")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create(tenant_id: str, name: str | None = None, scopes=("read", "write")) -> tuple[Credential, str]:
    scopes = tuple(s for s in SCOPES if s in set(scopes))
    if not scopes:
        raise validation_error({"scopes": ["Choose read, or read and write"]})
    if "write" in scopes and "read" not in scopes:
        scopes = ("read", "write")
    password = secrets.token_urlsafe(32)
    with write_transaction():
        if not Tenant.select().where(Tenant.id == tenant_id).exists():
            raise not_found(message="Tenant not found")
        row = Credential.create(
            id=new_id(),
            tenant=tenant_id,
            name=(name or "LRS credentials")[:200],
            username=CREDENTIAL_PREFIX + secrets.token_hex(8),
            secret_hash=_hash(password),
            scopes=",".join(scopes),
            created_at=utcnow_iso(),
        )
    return row, password


def revoke(tenant_id: str, credential_id: str) -> Credential:
    with write_transaction():
        row = Credential.get_or_none((Credential.id == credential_id) & (Credential.tenant == tenant_id))
        if row is None:
            raise not_found("NOT_FOUND", "LRS credentials not found")
        if row.revoked_at is None:
            row.revoked_at = utcnow_iso()
            row.save()
    return row


def list_for(tenant_id: str) -> list[Credential]:
    return list(
        Credential.select().where(Credential.tenant == tenant_id).order_by(Credential.created_at.desc())
    )


def refused(message: str) -> ApiError:
    """401. A Basic challenge makes a browser stop a script's request to ask the user for a
    password (headless, it waits forever): content calling the LRS with credentials that ended
    must get its 401 instead, so script requests (Sec-Fetch-Mode other than navigate) get none."""
    mode = request.headers.get("Sec-Fetch-Mode") if has_request_context() else None
    headers = {} if mode and mode != "navigate" else {"WWW-Authenticate": 'Basic realm="xAPI LRS"'}
    return ApiError(401, "UNAUTHORIZED", message, headers=headers)


def authenticate(header: str | None, sources: Iterable[CredentialSource] = ()) -> LrsPrincipal:
    """HTTP Basic credentials -> the LRS principal, or 401."""
    if not header or not header.lower().startswith("basic "):
        raise refused("LRS credentials are required (HTTP Basic)")
    try:
        username, _, password = (
            base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        raise refused("Malformed Basic credentials") from None
    for source in sources:
        principal = source(username, password)
        if principal is not None:
            return principal
    row = _ACTIVE.execute(username).fetchone()
    if row is None or not hmac.compare_digest(row[2], _hash(password)):
        raise refused("Unknown or revoked LRS credentials")
    return LrsPrincipal(row[0], row[1], username, frozenset(row[3].split(",")))
