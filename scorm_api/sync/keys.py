"""The target's API key at rest: Fernet-encrypted with a key derived from the data dir's secret
(scorm_api.signing), so a copy of the database alone (a backup, a support bundle) does not hold it."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from scorm_api.errors import ApiError


def _fernet(secret: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"scorm-api sync target key").derive(
        secret
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: bytes, api_key: str) -> str:
    return _fernet(secret).encrypt(api_key.encode("utf-8")).decode("ascii")


def unseal(secret: bytes, sealed: str) -> str:
    try:
        return _fernet(secret).decrypt(sealed.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ApiError(
            409,
            "CONFLICT",
            "The saved sync API key cannot be read with this data dir's secret; enter the key again",
        ) from None


def hint(api_key: str) -> str:
    """What the dashboard shows of a saved key: its last four characters."""
    return "…" + api_key[-4:] if len(api_key) > 8 else "…"
