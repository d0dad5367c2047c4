"""API keys: generation, hashing, header extraction, and the principal a request's key gives
(the principal source this domain plugs into principals.PRINCIPAL_SOURCES).

Keys are 256-bit random tokens, so a single SHA-256 is a safe hash at rest and costs
microseconds per request (a password hash such as bcrypt would cost milliseconds per request
and buys nothing against a key that cannot be guessed).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time

import peewee
from flask import request

from scorm_api.db import Prepared, utcnow_iso
from scorm_api.errors import ApiError, validation_error
from scorm_api.principals import SCOPES, Principal
from scorm_api.tenants.models import ApiKey, Tenant

log = logging.getLogger(__name__)

KEY_PREFIX = "ac_live_"
MAX_EXPIRY_DAYS = 3650
# How often last_used_at may be written for one key: a read must not cost a write each time.
LAST_USED_RESOLUTION_S = 60.0


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def display_prefix(key: str) -> str:
    """What may be shown again later so a person can tell keys apart."""
    return key[: len(KEY_PREFIX) + 6]


def parse_scopes(value) -> tuple[str, ...]:
    """Accept "read,write" or ["read", "write"]; reject unknown or empty scope lists."""
    items = [s for s in value.split(",") if s.strip()] if isinstance(value, str) else list(value or [])
    scopes = []
    for s in items:
        s = s.strip().lower() if isinstance(s, str) else s
        if s not in SCOPES:
            raise validation_error({"scopes": [f"Unknown scope {s!r}; allowed: {', '.join(SCOPES)}"]})
        if s not in scopes:
            scopes.append(s)
    if not scopes:
        raise validation_error({"scopes": ["At least one scope is required"]})
    return tuple(sorted(scopes, key=SCOPES.index))


def key_from_headers(headers) -> str | None:
    """Bearer wins over X-API-Key whenever a Bearer credential is present, valid or not."""
    auth = headers.get("Authorization")
    if auth:
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() == "bearer":
            return token.strip() or ""
    key = headers.get("X-API-Key")
    return key.strip() if key is not None else None


_last_used_lock = threading.Lock()
_last_used_written: dict[str, float] = {}


def _touch_last_used(key_id: str) -> None:
    now = time.monotonic()
    with _last_used_lock:
        last = _last_used_written.get(key_id)
        if last is not None and now - last < LAST_USED_RESOLUTION_S:
            return
        _last_used_written[key_id] = now
    try:
        ApiKey.update(last_used_at=utcnow_iso()).where(ApiKey.id == key_id).execute()
    except peewee.OperationalError as e:
        # A bookkeeping write must never fail the read it rides on (a full disk, a busy
        # writer): the time is written next minute instead.
        log.warning("last_used_at not written", extra={"fields": {"key_id": key_id, "error": str(e)}})


_KEY_LOOKUP = Prepared(
    lambda: (
        ApiKey.select(ApiKey.id, ApiKey.tenant, ApiKey.scopes, Tenant.is_system, ApiKey.expires_at)
        .join(Tenant)
        .where((ApiKey.key_hash == "") & ApiKey.revoked_at.is_null())
        .limit(1)
    )
)


def authenticate(key: str) -> Principal:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        raise ApiError(401, "UNAUTHORIZED", "Invalid API key")
    row = _KEY_LOOKUP.execute(hash_api_key(key), 1).fetchone()
    if row is None:
        raise ApiError(401, "UNAUTHORIZED", "Invalid or revoked API key")
    key_id, tenant_id, scopes, is_system, expires_at = row
    if expires_at is not None and expires_at <= utcnow_iso():
        raise ApiError(401, "UNAUTHORIZED", "This API key has expired: create a new one")
    _touch_last_used(key_id)
    return Principal(key_id, tenant_id, frozenset(scopes.split(",")), bool(is_system))


def key_principal() -> Principal | None:
    """The principal source of API keys: None when the request carries no key (another source
    may know it), 401 for a key that is not valid."""
    key = key_from_headers(request.headers)
    return None if key is None else authenticate(key)
