"""Signed, expiring tokens (launch links, runtime sessions) and the data dir's secret.

The secret is 32 random bytes made on first use and kept in the data dir (mode 0600), so
tokens survive restarts and a copied data dir keeps working; nothing else knows it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from scorm_api.errors import ApiError

SECRET_FILE = "signing.key"
# The data dir's identity (health's instance_id), kept apart from the secret: a restored
# backup keeps the secret (its sealed values must open) and is given a new identity.
INSTANCE_ID_FILE = "instance-id"


def load_or_create_secret(data_dir: Path) -> bytes:
    path = data_dir / SECRET_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as f:
        f.write(secret)
    return secret


def load_or_create_instance_id(data_dir: Path, secret: bytes) -> str:
    """The id in INSTANCE_ID_FILE. A data dir without one (made before the file existed) gets
    the id it always had, derived from its secret, so its sync targets still know it."""
    path = data_dir / INSTANCE_ID_FILE
    try:
        return path.read_text("ascii").strip()
    except FileNotFoundError:
        pass
    derived = hmac.new(secret, b"scorm-api instance id", hashlib.sha256).hexdigest()[:32]
    write_instance_id(data_dir, derived)
    return derived


def write_instance_id(data_dir: Path, instance_id: str) -> None:
    tmp = data_dir / f".{INSTANCE_ID_FILE}-{secrets.token_hex(4)}"
    tmp.write_text(instance_id + "\n", "ascii")
    os.replace(tmp, data_dir / INSTANCE_ID_FILE)


def new_instance_id() -> str:
    return secrets.token_hex(16)


class Signer:
    def __init__(self, secret: bytes):
        self._secret = secret
        self._serializers: dict[str, URLSafeTimedSerializer] = {}
        # token -> (purpose, payload, issued at): a player sends the same runtime token with
        # every commit, and checking its signature again costs as much as the rest of the
        # commit's parsing. Expiry is still checked on every use.
        self._verified: dict[str, tuple[str, dict, float]] = {}

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        found = self._serializers.get(purpose)
        if found is None:
            found = self._serializers[purpose] = URLSafeTimedSerializer(self._secret, salt=purpose)
        return found

    def dumps(self, purpose: str, payload: dict) -> str:
        return self._serializer(purpose).dumps(payload)

    def loads(self, purpose: str, token: str, max_age_seconds: int) -> dict:
        """The payload, or 401 for a token that is forged, for another purpose, or expired."""
        known = self._verified.get(token)
        if known is not None and known[0] == purpose:
            if time.time() - known[2] > max_age_seconds:
                raise _expired()
            return dict(known[1])
        try:
            payload, issued = self._serializer(purpose).loads(
                token, max_age=max_age_seconds, return_timestamp=True
            )
        except SignatureExpired:
            raise _expired() from None
        except BadSignature:
            raise ApiError(401, "UNAUTHORIZED", "This link is not valid") from None
        if len(self._verified) >= _VERIFIED_MAX:
            self._verified.clear()
        self._verified[token] = (purpose, payload, issued.timestamp())
        return dict(payload)


_VERIFIED_MAX = 10_000


def _expired() -> ApiError:
    return ApiError(401, "UNAUTHORIZED", "This link has expired; ask for a new one")
