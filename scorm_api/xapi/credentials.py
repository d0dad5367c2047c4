"""LRS credentials: a username and password for HTTP Basic auth on /xapi/, belonging to one
tenant, scoped read or read,write. Passwords are 256-bit random, so a SHA-256 at rest is enough
(as for API keys); the password is shown once, at creation."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import has_request_context, request

from scorm_api.db import Prepared, new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError, not_found, validation_error
from scorm_api.tenants.models import Tenant
from scorm_api.xapi.models import Credential

SCOPES = ("read", "write")
LAUNCH_PREFIX = "au-"  # usernames of one launch's credentials (scorm_api.launches), never of a Credential row
# Every LRS request looks its credentials up: SQL compiled once.
_ACTIVE = Prepared(lambda: Credential.select().where((Credential.username == "") & Credential.revoked_at.is_null()))


@dataclass(frozen=True)
class LrsPrincipal:
    credential_id: str
    tenant_id: str
    username: str
    scopes: frozenset[str]
    launch_id: str | None = None  # credentials of one xAPI/cmi5 launch (scorm_api.launches)


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
        row = Credential.create(id=new_id(), tenant=tenant_id, name=(name or "LRS credentials")[:200],
                                username="lrs-" + secrets.token_hex(8), secret_hash=_hash(password),
                                scopes=",".join(scopes), created_at=utcnow_iso())
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
    return list(Credential.select().where(Credential.tenant == tenant_id)
                .order_by(Credential.created_at.desc()))


def refused(message: str) -> ApiError:
    """401. A Basic challenge makes a browser stop a script's request to ask the user for a
    password (headless, it waits forever): content calling the LRS with credentials that ended
    must get its 401 instead, so script requests (Sec-Fetch-Mode other than navigate) get none."""
    mode = request.headers.get("Sec-Fetch-Mode") if has_request_context() else None
    headers = {} if mode and mode != "navigate" else {"WWW-Authenticate": 'Basic realm="xAPI LRS"'}
    return ApiError(401, "UNAUTHORIZED", message, headers=headers)


def authenticate(header: str | None) -> LrsPrincipal:
    """HTTP Basic credentials -> the LRS principal, or 401."""
    if not header or not header.lower().startswith("basic "):
        raise refused("LRS credentials are required (HTTP Basic)")
    try:
        username, _, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise refused("Malformed Basic credentials") from None
    if username.startswith(LAUNCH_PREFIX):
        from scorm_api.launches.service import authenticate as launch_of  # the launches build on the LRS
        launch = launch_of(username, password)
        if launch is None:
            raise refused("Unknown or expired launch credentials")
        return LrsPrincipal(launch.id, launch.tenant_id, username, frozenset(SCOPES), launch.id)
    found = _ACTIVE.models(Credential, username)
    row = found[0] if found else None
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(password)):
        raise refused("Unknown or revoked LRS credentials")
    return LrsPrincipal(row.id, row.tenant_id, row.username, frozenset(row.scopes.split(",")))
