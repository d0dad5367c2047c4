"""The dashboard's admin password: chosen at first run (in the browser, or without a prompt by
`scorm-api admin set-password --password-stdin`), changeable, stored as an scrypt hash."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from scorm_api.admin.models import read_setting, write_setting
from scorm_api.errors import validation_error

MIN_LENGTH = 8
MAX_LENGTH = 1024
_SETTING = "admin_password"
# scrypt at n=2**14, r=8: about 50 ms and 16 MiB per check; sign-ins are rare.
_N, _R, _P = 2**14, 8, 1


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024
    )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    enc = base64.urlsafe_b64encode
    return f"scrypt${_N}${_R}${_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.urlsafe_b64decode(digest)
        actual = _scrypt(password, base64.urlsafe_b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def check_new_password(password) -> str:
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise validation_error({"password": [f"Must be at least {MIN_LENGTH} characters"]})
    if len(password) > MAX_LENGTH:
        raise validation_error({"password": [f"Must be at most {MAX_LENGTH} characters"]})
    return password


def is_set() -> bool:
    return read_setting(_SETTING) is not None


def set_password(password: str) -> None:
    write_setting(_SETTING, hash_password(check_new_password(password)))


def check(password) -> bool:
    stored = read_setting(_SETTING)
    return (
        stored is not None
        and isinstance(password, str)
        and len(password) <= MAX_LENGTH
        and verify_password(password, stored)
    )
