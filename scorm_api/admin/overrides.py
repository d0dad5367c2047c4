"""Settings the operator changes from the dashboard (or PUT /api/v1/settings) while the server
runs: rate limits on/off and their sizes, and the address put in launch links. They are kept
in the database and laid over the settings from defaults, environment and command line at
start and at every change; everything else stays a start-up setting."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scorm_api.admin.models import read_setting, write_setting
from scorm_api.config import Settings
from scorm_api.errors import validation_error

if TYPE_CHECKING:  # not at run time: `doctor` reads the stored settings without Flask
    from scorm_api.state import State

_NAME = "settings"
EDITABLE = ("rate_limits_enabled", "rate_limit_read", "rate_limit_write", "rate_limit_upload", "content_url")


def load() -> dict:
    stored = read_setting(_NAME)
    if stored is None:
        return {}
    try:
        data = json.loads(stored)
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if k in EDITABLE} if isinstance(data, dict) else {}


def effective(base: Settings, overrides: dict) -> Settings:
    return base.replace(**overrides) if overrides else base


def _check_content_url(value, base: Settings) -> str | None:
    if value in (None, ""):
        return None
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise validation_error(
            {"content_url": ["Must be an address such as http://192.168.1.20:3001 (http or https, no path)"]}
        )
    if parts.netloc.lower() == urlsplit(base.base_url).netloc.lower():
        raise validation_error(
            {
                "content_url": [
                    "Must differ from the dashboard's address: course "
                    "code would run on the dashboard's origin"
                ]
            }
        )
    return value.rstrip("/")


def save(base: Settings, changes: dict) -> dict:
    """Validate and store `changes` over the current overrides; return the new overrides.
    `content_url: null` goes back to the start-up setting."""
    current = load()
    if "content_url" in changes:
        url = _check_content_url(changes["content_url"], base)
        if url is None:
            current.pop("content_url", None)
        else:
            current["content_url"] = url
    for name in ("rate_limits_enabled", "rate_limit_read", "rate_limit_write", "rate_limit_upload"):
        if name in changes:
            current[name] = changes[name]
    write_setting(_NAME, json.dumps(current))
    return current


def apply(state: State) -> None:
    """Lay the stored overrides over the start-up settings, now and for every request after."""
    state.apply_settings(effective(state.base_settings, load()))
