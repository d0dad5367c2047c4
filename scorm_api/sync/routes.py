"""/api/v1/sync: the saved target, runs (start one, watch its progress, read its report) and
the conflicts they kept. A tenant's admin keys sync that tenant."""

from __future__ import annotations

from flask import Blueprint, current_app

from scorm_api.endpoint import endpoint
from scorm_api.errors import not_found, validation_error
from scorm_api.schemas import PAGINATION, TIMESTAMP, obj, page_query, paginate
from scorm_api.state import current
from scorm_api.sync import conflicts, runner, targets, views
from scorm_api.sync.models import TRIGGERS, SyncRun

bp = Blueprint("sync", __name__, url_prefix="/api/v1/sync")
TAG = "Sync to cloud"

TARGET = obj(
    {
        "url": {"type": "string"},
        "tenant_id": {"type": "string"},
        "api_key_hint": {"type": "string", "description": "The saved key's last characters"},
        "lrs_key_hint": {"type": ["string", "null"], "description": "The saved LRS key's last characters"},
        "schedule_minutes": {"type": ["integer", "null"]},
        "updated_at": TIMESTAMP,
    },
    ["url", "tenant_id", "api_key_hint"],
)
DESTINATION = {
    "url": {
        "type": "string",
        "minLength": 1,
        "maxLength": 2048,
        "description": "The target's base URL, e.g. https://app.allureconnect.com",
    },
    "tenant_id": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255,
        "description": "Your tenant id on the target",
    },
    "api_key": {
        "type": "string",
        "minLength": 1,
        "maxLength": 500,
        "description": "An API key of the target (write scope); stored encrypted, never shown again",
    },
    "lrs_key": {
        "type": "string",
        "minLength": 1,
        "maxLength": 500,
        "description": "A key of the target's LRS (/xapi/, Basic auth), with lrs_secret: xAPI "
        "documents and statements with attachments travel through it",
    },
    "lrs_secret": {"type": "string", "minLength": 1, "maxLength": 500},
}


def _lrs(body: dict) -> tuple[str, str] | None:
    if bool(body.get("lrs_key")) != bool(body.get("lrs_secret")):
        raise validation_error({"lrs_secret": ["lrs_key and lrs_secret go together"]})
    return (body["lrs_key"], body["lrs_secret"]) if body.get("lrs_key") else None


RUN = obj(
    {
        "id": {"type": "string"},
        "status": {"enum": ["running", "completed", "failed", "interrupted"]},
        "trigger": {
            "enum": list(TRIGGERS),
            "description": "What started it: the dashboard, an API client, the command line, the schedule",
        },
        "progress": {"type": "object"},
        "report": {"type": "object"},
    },
    ["id", "status", "progress"],
    additional=True,
)


def _secret() -> bytes:
    return current().secret


@endpoint(
    bp,
    "/target",
    "GET",
    tag=TAG,
    scope="admin",
    response=obj({"target": {**TARGET, "type": ["object", "null"]}}),
    summary="The saved sync target (its API key is never shown)",
)
def get_target(principal):
    return {"target": targets.public(targets.get(principal.tenant_id))}


@endpoint(
    bp,
    "/target",
    "PUT",
    tag=TAG,
    scope="admin",
    errors=(400,),
    body=obj(
        {
            **DESTINATION,
            "schedule_minutes": {
                "type": ["integer", "null"],
                "minimum": 5,
                "maximum": 10080,
                "description": "Sync every N minutes (null: only on demand)",
            },
        },
        ["url", "tenant_id"],
    ),
    response=obj({"target": TARGET}, ["target"]),
    summary="Save the sync target",
    description="api_key is required the first time; leave it out later to keep the saved one.",
)
def put_target(principal, body):
    row = targets.save(
        principal.tenant_id,
        _secret(),
        url=body["url"],
        remote_tenant_id=body["tenant_id"],
        api_key=body.get("api_key"),
        schedule_minutes=body.get("schedule_minutes"),
        allow_internal=principal.is_operator,
        lrs=_lrs(body),
    )
    return {"target": targets.public(row)}


@endpoint(
    bp,
    "/target",
    "DELETE",
    tag=TAG,
    scope="admin",
    errors=(404,),
    response=obj({"success": {"type": "boolean"}}, ["success"]),
    summary="Forget the saved sync target",
)
def delete_target(principal):
    if not targets.delete(principal.tenant_id):
        raise not_found("NOT_FOUND", "No sync target is saved")
    return {"success": True}


@endpoint(
    bp,
    "/runs",
    "POST",
    tag=TAG,
    scope="admin",
    status=202,
    errors=(400, 409),
    body=obj(
        {
            **DESTINATION,
            "dry_run": {"type": "boolean"},
            "propagate_deletes": {
                "type": "boolean",
                "description": "Delete on the target what was deleted here after it was synced "
                "(default: only report it)",
            },
        }
    ),
    response=obj({"run": RUN}, ["run"]),
    summary="Start a sync run",
    description="Runs in the background; poll GET /api/v1/sync/runs/{id}. Sends to the "
    "saved target unless url, tenant_id and api_key are given. 409 while "
    "another run is going.",
)
def start_run(principal, body):
    dest = targets.destination(
        principal.tenant_id,
        _secret(),
        body.get("url"),
        body.get("api_key"),
        body.get("tenant_id"),
        allow_internal=principal.is_operator,
        lrs=_lrs(body),
        propagate_deletes=bool(body.get("propagate_deletes")),
    )
    trigger = "dashboard" if principal.is_dashboard else "api"
    run = runner.create_run(principal.tenant_id, dest, dry_run=bool(body.get("dry_run")), trigger=trigger)
    runner.run_in_background(run, dest, current())
    return {"run": views.run_view(run)}, 202  # running: no secrets yet


@endpoint(
    bp,
    "/runs",
    "GET",
    tag=TAG,
    scope="admin",
    query=page_query(),
    response=obj({"runs": {"type": "array", "items": RUN}, "pagination": PAGINATION}, ["runs", "pagination"]),
    summary="Sync runs, newest first (without their reports)",
)
def list_runs(principal, query):
    runner.interrupt_stale(principal.tenant_id)
    rows, pagination = paginate(
        SyncRun.select()
        .where(SyncRun.tenant == principal.tenant_id)
        .order_by(SyncRun.started_at.desc(), SyncRun.id),
        query["page"],
        query["limit"],
    )
    return {"runs": [views.run_view(r, report=False) for r in rows], "pagination": pagination}


@endpoint(
    bp,
    "/runs/<run_id>",
    "GET",
    tag=TAG,
    scope="admin",
    errors=(404,),
    response=obj({"run": RUN}, ["run"]),
    summary="A run's live status, or its report once done",
)
def get_run(principal, run_id):
    run = SyncRun.get_or_none((SyncRun.id == run_id) & (SyncRun.tenant == principal.tenant_id))
    if run is None:
        raise not_found("NOT_FOUND", "Sync run not found")
    return {"run": views.run_view(run, secret=current().secret)}


@endpoint(
    bp,
    "/conflicts",
    "GET",
    tag=TAG,
    scope="admin",
    query=page_query(status={"enum": ["open", "kept_local", "kept_remote"]}),
    response=obj({"conflicts": {"type": "array"}, "pagination": PAGINATION}, ["conflicts", "pagination"]),
    summary="Conflicts kept by sync runs (a session changed on both sides)",
    description="Each with its learner, its course and `differences`: the fields and CMI "
    "elements where this instance's version (`local`) and the target's (`remote`) differ.",
)
def list_conflicts(principal, query):
    rows, pagination = conflicts.list_for(
        principal.tenant_id, query.get("status"), query["page"], query["limit"]
    )
    return {"conflicts": [views.conflict_view(c) for c in rows], "pagination": pagination}


@endpoint(
    bp,
    "/conflicts/<conflict_id>",
    "GET",
    tag=TAG,
    scope="admin",
    errors=(404,),
    response=obj({"conflict": {"type": "object"}}, ["conflict"]),
    summary="A conflict with both versions of the session",
)
def get_conflict(principal, conflict_id):
    return {"conflict": views.conflict_view(conflicts.get(principal.tenant_id, conflict_id), full=True)}


@endpoint(
    bp,
    "/conflicts/<conflict_id>/resolve",
    "POST",
    tag=TAG,
    scope="admin",
    errors=(404, 409),
    body=obj({"keep": {"enum": ["local", "remote"]}}, ["keep"]),
    response=obj({"conflict": {"type": "object"}}, ["conflict"]),
    summary="Settle a conflict: keep this instance's version (sent at the next run) or the target's",
)
def resolve_conflict(principal, conflict_id, body):
    return {
        "conflict": views.conflict_view(
            conflicts.resolve(
                principal.tenant_id, conflict_id, body["keep"], current_app._get_current_object()
            )
        )
    }
