"""Signed, expiring tokens (launch links, runtime sessions) and the data dir's secret.

The secret is 32 random bytes made on first use and kept in the data dir (mode 0600), so
tokens survive restarts and a copied data dir keeps working; nothing else knows it.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.errors import ApiError

SECRET_FILE = "signing.key"


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


class Signer:
    def __init__(self, secret: bytes):
        self._secret = secret

    def dumps(self, purpose: str, payload: dict) -> str:
        return URLSafeTimedSerializer(self._secret, salt=purpose).dumps(payload)

    def loads(self, purpose: str, token: str, max_age_seconds: int) -> dict:
        """The payload, or 401 for a token that is forged, for another purpose, or expired."""
        try:
            return URLSafeTimedSerializer(self._secret, salt=purpose).loads(token, max_age=max_age_seconds)
        except SignatureExpired:
            raise ApiError(401, "UNAUTHORIZED", "This link has expired; ask for a new one") from None
        except BadSignature:
            raise ApiError(401, "UNAUTHORIZED", "This link is not valid") from None
