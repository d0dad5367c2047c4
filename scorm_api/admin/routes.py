"""GET/PUT /api/v1/settings: the settings the operator may change while the server runs."""

from __future__ import annotations

from flask import Blueprint

from scorm_api.admin import backups, logs, overrides
from scorm_api.endpoint import endpoint
from scorm_api.schemas import obj
from scorm_api.state import current
from scorm_api.tenants.services import require_operator

bp = Blueprint("admin", __name__, url_prefix="/api/v1")
TAG = "Settings"
LIMIT = {"type": "integer", "minimum": 1, "maximum": 1_000_000}

SETTINGS = obj(
    {
        "rate_limits_enabled": {"type": "boolean"},
        "rate_limit_read": {**LIMIT, "description": "GET requests per tenant per window"},
        "rate_limit_write": {**LIMIT, "description": "POST/PUT/DELETE requests per tenant per window"},
        "rate_limit_upload": {**LIMIT, "description": "Uploads per tenant per window"},
        "rate_limit_window_seconds": {"type": "integer", "description": "Read-only (start-up setting)"},
        "content_url": {
            "type": "string",
            "description": "Where launch links, course content and the player are served (effective value)",
        },
        "content_url_override": {
            "type": ["string", "null"],
            "description": "Set from the dashboard; null: the start-up setting",
        },
        "public_url": {"type": "string", "description": "The API and dashboard address (read-only)"},
    },
    ["rate_limits_enabled", "content_url"],
)


def _current() -> dict:
    s = current().settings
    return {
        "rate_limits_enabled": s.rate_limits_enabled,
        "rate_limit_read": s.rate_limit_read,
        "rate_limit_write": s.rate_limit_write,
        "rate_limit_upload": s.rate_limit_upload,
        "rate_limit_window_seconds": s.rate_limit_window_seconds,
        "content_url": s.content_base_url,
        "content_url_override": overrides.load().get("content_url"),
        "public_url": s.base_url,
    }


@endpoint(
    bp,
    "/settings",
    "GET",
    tag=TAG,
    scope="admin",
    response=SETTINGS,
    errors=(403,),
    summary="The appliance's changeable settings (operator only)",
)
def get_settings(principal):
    require_operator(principal, "read the appliance's settings")
    return _current()


@endpoint(
    bp,
    "/settings",
    "PUT",
    tag=TAG,
    scope="admin",
    response=SETTINGS,
    errors=(403,),
    summary="Change rate limits or the launch-link address (operator only)",
    description="Takes effect at once for every request. `content_url: null` returns to "
    "the start-up setting (SCORM_API_CONTENT_URL or the loopback default).",
    body=obj(
        {
            "rate_limits_enabled": {"type": "boolean"},
            "rate_limit_read": LIMIT,
            "rate_limit_write": LIMIT,
            "rate_limit_upload": LIMIT,
            "content_url": {"type": ["string", "null"], "maxLength": 500},
        }
    ),
)
def put_settings(principal, body):
    require_operator(principal, "change the appliance's settings")
    overrides.save(current().base_settings, body)
    overrides.apply(current())
    return _current()


BACKUPS = obj(
    {
        "enabled": {"type": "boolean"},
        "folder": {"type": "string"},
        "every_hours": {"type": "integer"},
        "keep": {"type": "integer"},
        "last_run_at": {"type": ["string", "null"]},
        "last_success_at": {"type": ["string", "null"]},
        "last_error": {"type": ["string", "null"]},
        "next_run_at": {"type": "string"},
        "backups": {
            "type": "array",
            "items": obj({"name": {"type": "string"}, "bytes": {"type": "integer"}}, ["name", "bytes"]),
        },
    },
    ["enabled", "backups"],
)


@endpoint(
    bp,
    "/settings/backups",
    "GET",
    tag=TAG,
    scope="admin",
    response=BACKUPS,
    errors=(403,),
    summary="Scheduled backups: the folder, how often, how many kept, the last run (operator only)",
)
def get_backups(principal):
    require_operator(principal, "read the backup schedule")
    return backups.public()


@endpoint(
    bp,
    "/settings/backups",
    "PUT",
    tag=TAG,
    scope="admin",
    response=BACKUPS,
    errors=(403,),
    summary="Schedule backups into a folder (operator only)",
    description="A backup (as `scorm-api backup` writes) every `every_hours` into `folder`, "
    "named scorm-api-backup-<UTC time>.tar; the newest `keep` are kept, and only files so "
    "named are ever removed. `passphrase` protects the backups' secret material: needed "
    "the first time, never shown again; the keys derived from it are stored sealed.",
    body=obj(
        {
            "folder": {"type": "string", "minLength": 1, "maxLength": 1000},
            "every_hours": {"type": "integer", "minimum": 1, "maximum": 720},
            "keep": {"type": "integer", "minimum": 1, "maximum": 1000},
            "passphrase": {"type": "string", "maxLength": 1000},
        },
        ["folder", "every_hours", "keep"],
    ),
)
def put_backups(principal, body):
    require_operator(principal, "schedule backups")
    return backups.configure(
        current(), body["folder"], body["every_hours"], body["keep"], body.get("passphrase")
    )


@endpoint(
    bp,
    "/settings/backups",
    "DELETE",
    tag=TAG,
    scope="admin",
    status=204,
    errors=(403,),
    summary="Stop scheduled backups (the files written stay) (operator only)",
)
def delete_backups(principal):
    require_operator(principal, "stop scheduled backups")
    backups.disable()
    return None


@endpoint(
    bp,
    "/settings/backups/run",
    "POST",
    tag=TAG,
    scope="admin",
    response=BACKUPS,
    errors=(400, 403),
    summary="Run a scheduled backup now and answer when it is written (operator only)",
)
def run_backup(principal):
    require_operator(principal, "run a backup")
    return backups.run_now(current())


@endpoint(
    bp,
    "/logs",
    "GET",
    tag=TAG,
    scope="admin",
    errors=(400, 403),
    query={
        "type": "object",
        "properties": {
            "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200},
            "level": {"enum": list(logs.LEVELS), "description": "This level and above"},
        },
    },
    response=obj(
        {
            "log_file": {
                "type": ["string", "null"],
                "description": "null: the server logs to standard error only",
            },
            "size_bytes": {"type": "integer"},
            "entries": {"type": "array", "items": {"type": "object"}},
        },
        ["log_file", "size_bytes", "entries"],
    ),
    summary="The newest entries of the server's log file (operator only)",
    description="One JSON object per entry, oldest first. The desktop app always logs to "
    "logs/scorm-api.log in its data dir; `serve` does with --log-file.",
)
def get_logs(principal, query):
    require_operator(principal, "read the server's log")
    path = current().settings.log_file
    return logs.read(path, query["limit"], query.get("level"))
