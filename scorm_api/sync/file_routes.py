"""/api/v1/sync/files, /imports, /trusted: the sync by file over the API (the dashboard's Sync
page uses them): write a file to download, send one to import, the instances trusted. Our
extension, a tenant's admin keys; the work is sync/byfile/'s."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from scorm_api.endpoint import endpoint
from scorm_api.errors import ApiError
from scorm_api.schemas import TIMESTAMP, obj
from scorm_api.state import current
from scorm_api.storage.responses import send_object
from scorm_api.sync import views
from scorm_api.sync.byfile import export, files
from scorm_api.sync.routes import RUN, TAG

bp = Blueprint("sync_files", __name__, url_prefix="/api/v1/sync")

FILE = obj(
    {
        "id": {"type": "string"},
        "destination": {"type": "string"},
        "sequence": {"type": "integer", "description": "1 for the first file to this destination"},
        "follows": {
            "type": ["string", "null"],
            "description": "The file before it (null: it carries everything)",
        },
        "size": {"type": "integer"},
        "counts": {"type": "object", "description": "Package versions, sessions and statements it carries"},
        "not_carried": {"type": "array", "items": {"type": "object"}},
        "created_at": TIMESTAMP,
        "download_url": {"type": "string"},
        # This instance and its key's fingerprint, which the importing side shows.
        "signed_by": obj(
            {"instance_id": {"type": "string"}, "fingerprint": {"type": "string"}},
            ["instance_id", "fingerprint"],
        ),
    },
    ["id", "destination", "sequence", "size", "counts", "download_url", "signed_by"],
)
SIGNER = obj(
    {
        "instance_id": {"type": "string"},
        "fingerprint": {"type": "string", "description": "Of the signing key: compare it with the sender's"},
        "trusted_now": {"type": "boolean"},
    },
    ["instance_id", "fingerprint", "trusted_now"],
)
TRUSTED = obj(
    {
        "instance_id": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "fingerprint": {"type": "string"},
        "trusted_at": TIMESTAMP,
    },
    ["instance_id", "fingerprint", "trusted_at"],
)


@endpoint(
    bp,
    "/files",
    "POST",
    tag=TAG,
    scope="admin",
    status=201,
    errors=(400, 507),
    body=obj(
        {
            "destination": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": f"Which appliance the file is for (default {export.DEFAULT_DESTINATION!r}); "
                "each destination's files follow one another",
            },
            "full": {
                "type": "boolean",
                "description": "Everything, not only what changed since the last file",
            },
        }
    ),
    response=obj({"file": FILE}, ["file"]),
    summary="Write a sync file: what a sync would send, signed, to download and import elsewhere",
    description="Answers once the file is written (in storage, the newest 3 per destination kept); "
    "what it carries then counts as sent to that destination. Download it from download_url.",
)
def write_file(principal, body):
    row = files.write_stored(
        current(),
        principal.tenant_id,
        body.get("destination") or export.DEFAULT_DESTINATION,
        bool(body.get("full")),
    )
    return {"file": files.view(row, files.signer(current()))}, 201


@endpoint(
    bp,
    "/files",
    "GET",
    tag=TAG,
    scope="admin",
    response=obj({"files": {"type": "array", "items": FILE}}, ["files"]),
    summary="The sync files kept to download, newest first",
)
def list_files(principal):
    signed_by = files.signer(current())
    return {"files": [files.view(r, signed_by) for r in files.listed(principal.tenant_id)]}


@endpoint(
    bp,
    "/files/<file_id>/download",
    "GET",
    tag=TAG,
    scope="admin",
    also=(206, 304),
    errors=(404, 416),
    content_type="application/octet-stream",
    summary="Download a sync file",
)
def download_file(principal, file_id):
    row = files.get(principal.tenant_id, file_id)
    stored = current().storage.open(row.storage_key)
    if stored is None:
        raise ApiError(404, "NOT_FOUND", "The sync file is missing from storage")
    return send_object(stored, "application/octet-stream", etag=row.id, download_name=files.file_name(row))


@endpoint(
    bp,
    "/imports",
    "POST",
    tag=TAG,
    scope="admin",
    status=202,
    errors=(400, 403, 409, 413, 507),
    query={
        "type": "object",
        "properties": {
            "trust": {
                "type": "boolean",
                "default": False,
                "description": "Trust the instance that signed the file (check its fingerprint first)",
            },
            "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "A name for it, with trust",
            },
        },
    },
    body_content_type="application/octet-stream",
    body_doc={"type": "string", "format": "binary", "description": "The sync file's bytes"},
    response=obj({"run": RUN, "signer": SIGNER}, ["run", "signer"]),
    summary="Import a sync file another appliance wrote",
    description="The file is checked whole before the answer: 400 if it is cut short, altered or "
    "not a sync file; 403 if its signer is not trusted here (details name the instance and "
    "the key's fingerprint: send it again with trust=true once checked); 409 if the file "
    "before it was not imported, or another run is going. Then it is applied in the "
    "background as a sync run (trigger import): poll GET /api/v1/sync/runs/{id}.",
)
def import_file(principal, query):
    state = current()
    path = files.receive(state, request.stream)
    prepared = files.start_import(
        current_app._get_current_object(), principal.tenant_id, path, query["trust"], query.get("name")
    )
    signer = prepared.signer
    return {
        "run": views.run_view(prepared.run),
        "signer": {
            "instance_id": signer.instance_id,
            "fingerprint": signer.fingerprint,
            "trusted_now": signer.trusted_now,
        },
    }, 202


@endpoint(
    bp,
    "/trusted",
    "GET",
    tag=TAG,
    scope="admin",
    response=obj({"trusted": {"type": "array", "items": TRUSTED}}, ["trusted"]),
    summary="The instances whose sync files this tenant imports",
)
def list_trusted(principal):
    return {"trusted": files.trusted(principal.tenant_id)}


@endpoint(
    bp,
    "/trusted/<instance_id>",
    "DELETE",
    tag=TAG,
    scope="admin",
    status=204,
    errors=(404,),
    summary="Stop trusting an instance: its next file is refused until trusted again",
)
def distrust(principal, instance_id):
    files.distrust(principal.tenant_id, instance_id)
    return "", 204
