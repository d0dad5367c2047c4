"""The target's API key at rest, sealed for this purpose (scorm_api.sealing)."""

from __future__ import annotations

from scorm_api import sealing
from scorm_api.errors import ApiError

PURPOSE = b"scorm-api sync target key"  # the HKDF info every saved target was sealed with
hint = sealing.hint


def seal(secret: bytes, api_key: str) -> str:
    return sealing.seal(secret, api_key, PURPOSE)


def unseal(secret: bytes, sealed: str) -> str:
    text = sealing.unseal(secret, sealed, PURPOSE)
    if text is None:
        raise ApiError(
            409,
            "CONFLICT",
            "The saved sync API key cannot be read with this data dir's secret; enter the key again",
        )
    return text
