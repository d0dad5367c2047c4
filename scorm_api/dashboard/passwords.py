"""The dashboard's admin password: chosen at first run (in the browser, or without a prompt by
`scorm-api admin set-password --password-stdin`), changeable, stored as an scrypt hash."""

from __future__ import annotations

from scorm_api.admin.models import read_setting, write_setting
from scorm_api.errors import validation_error
from scorm_api.hashing import hash_password, verify_password

MIN_LENGTH = 8
MAX_LENGTH = 1024
_SETTING = "admin_password"


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
