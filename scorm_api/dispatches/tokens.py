"""A dispatch's token: an HS256 JWT naming the dispatch record (the seed's `eyJhbGciOiJIUzI1NiIs…`).

It holds no permission of its own: every launch reads the record it names, so a revoke, a
disable or an expiry stops the next launch at once, and a shell sent long ago still picks up
what the record says now. The key is derived from the data dir's secret for this purpose
alone.

PyJWT (with cryptography under it) is imported on the first mint or read, not with the app: it
cost ~50 ms of every server start, for a feature many appliances never use."""

from __future__ import annotations

import hashlib
import hmac

from scorm_api.errors import ApiError

ALGORITHM = "HS256"
TYPE = "dispatch"


def _key(secret: bytes) -> bytes:
    return hmac.new(secret, b"scorm-api dispatch token v1", hashlib.sha256).digest()


def mint(secret: bytes, dispatch_id: str, tenant_id: str, issued_at: int) -> str:
    import jwt

    claims = {"typ": TYPE, "sub": dispatch_id, "tid": tenant_id, "iat": issued_at}
    return jwt.encode(claims, _key(secret), algorithm=ALGORITHM)


def invalid() -> ApiError:
    return ApiError(401, "INVALID_DISPATCH_TOKEN", "This dispatch link is not valid")


def read(secret: bytes, token: str) -> tuple[str, str]:
    """(dispatch id, tenant id) of a token this data dir signed; 401 for any other."""
    if len(token) > 2048:
        raise invalid()
    import jwt

    try:
        claims = jwt.decode(
            token, _key(secret), algorithms=[ALGORITHM], options={"require": ["sub", "tid", "typ"]}
        )
    except jwt.PyJWTError:
        raise invalid() from None
    if claims.get("typ") != TYPE or not isinstance(claims["sub"], str) or not isinstance(claims["tid"], str):
        raise invalid()
    return claims["sub"], claims["tid"]
