from flask import Blueprint, request

from scorm_api.endpoint import endpoint
from scorm_api.errors import ApiError, bad_request, validation_error
from scorm_api.packages import advisories, multipart, processing, services, uploads, versions
from scorm_api.packages.models import STATUSES
from scorm_api.principals import require_own_tenant
from scorm_api.ratelimit import UPLOAD
from scorm_api.schemas import TIMESTAMP, UUID, extension_field, obj, page_query
from scorm_api.state import current
from scorm_api.storage.responses import send_object

bp = Blueprint("packages", __name__, url_prefix="/api/v1")
TAG = "Packages"

WARNING = obj(
    {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "severity": extension_field(
            {
                "enum": list(advisories.SEVERITIES),
                "description": "critical: part of the course needs the internet (offline_hazard); "
                "minor: a mistake the import worked around. Critical warnings come first.",
            }
        ),
    },
    ["code", "message"],
    additional=True,
)
PACKAGE = obj(
    {
        "id": UUID,
        "tenant_id": UUID,
        "title": {"type": "string"},
        "version": {"type": "string"},
        "standard": {
            "type": ["string", "null"],
            "enum": [
                "scorm_1_2",
                "scorm_2004_2nd_edition",
                "scorm_2004_3rd_edition",
                "scorm_2004_4th_edition",
                "cmi5",
                "xapi",
                None,
            ],
        },
        "status": {"enum": list(STATUSES)},
        "version_number": {
            "type": "integer",
            "description": "Which version of the package this is (1 for the first upload; a new "
            "version comes from `package_id` on process or the multipart upload)",
        },
        "versions": {
            "type": "array",
            "description": "Every version, oldest first (on GET /packages/{id})",
            "items": obj(
                {
                    "version_number": {"type": "integer"},
                    "status": {"enum": list(STATUSES)},
                    "title": {"type": "string"},
                    "created_at": TIMESTAMP,
                },
                ["version_number", "status", "created_at"],
                additional=True,
            ),
        },
        "launch_url": {"type": ["string", "null"]},
        "manifest_url": {"type": ["string", "null"]},
        "file_size_bytes": {"type": "integer"},
        "metadata": obj(
            {"description": {"type": ["string", "null"]}, "sco_count": {"type": "integer"}}, additional=True
        ),
        "warnings": {"type": "array", "items": WARNING},
        "failure": {"type": ["object", "null"]},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    },
    ["id", "tenant_id", "title", "version", "status", "created_at", "updated_at"],
    additional=True,
)

TENANT_ID = {**UUID, "description": "Must be the API key's tenant"}
UPLOADED_BY = {"type": "string", "maxLength": 200}


def base_url() -> str:
    """Where package content lives: the content origin, not the API's."""
    return current().settings.content_base_url


@endpoint(
    bp,
    "/packages",
    "GET",
    tag=TAG,
    summary="List packages",
    query=page_query(
        search={
            "type": "string",
            "maxLength": 200,
            "description": "Only packages whose title contains this text",
        }
    ),
    response=obj(
        {
            "packages": {"type": "array", "items": PACKAGE},
            "count": {"type": "integer", "description": "How many packages match (all pages)"},
        },
        ["packages", "count"],
    ),
)
def list_packages(principal, query):
    rows, total = services.list_packages(
        principal.tenant_id, query["page"], query["limit"], query.get("search")
    )
    return {"packages": [p.to_api(base_url(), full=False) for p in rows], "count": total}


@endpoint(
    bp,
    "/packages/<package_id>",
    "GET",
    tag=TAG,
    response=PACKAGE,
    errors=(404,),
    summary="Get a package",
    description="With the parsed structure in metadata (organizations, items, resources, "
    "launch, mastery score, sequencing), warnings, and the failure reason of a "
    "package whose processing failed.",
)
def get_package(principal, package_id):
    rows = versions.all_versions(principal.tenant_id, package_id)
    latest = next(r for r in rows if r.is_latest)
    return {**latest.to_api(base_url()), "versions": [versions.summary(r) for r in rows]}


@endpoint(
    bp,
    "/packages/<package_id>",
    "DELETE",
    tag=TAG,
    errors=(404,),
    summary="Delete a package, its files and its sessions",
    response=obj({"success": {"type": "boolean"}, "package_id": UUID}, ["success", "package_id"]),
)
def delete_package(principal, package_id):
    processing.delete_package(current(), principal.tenant_id, package_id)
    return {"success": True, "package_id": package_id}


@endpoint(
    bp,
    "/packages/<package_id>/download",
    "GET",
    tag=TAG,
    also=(206, 304),
    errors=(404, 409, 416),
    content_type="application/zip",
    summary="Download the original zip (byte-identical)",
    description="Of the newest ready version: the one new sessions get.",
)
def download_package(principal, package_id):
    pkg = versions.live(principal.tenant_id, package_id)
    stored = current().storage.open(processing.zip_key(pkg.id))
    if stored is None:
        raise ApiError(404, "NOT_FOUND", "The package's zip is missing from storage")
    return send_object(
        stored, "application/zip", etag=pkg.sha256, download_name=pkg.original_filename or f"{pkg.id}.zip"
    )


# ---- the presigned flow --------------------------------------------------------------

MINT_BODY = obj(
    {
        "tenant_id": TENANT_ID,
        "uploaded_by": UPLOADED_BY,
        "filename": {"type": "string", "minLength": 1, "maxLength": 500},
        "file_size": {
            "type": "integer",
            "minimum": 1,
            "description": "Exact size in bytes of the zip to be PUT",
        },
        "content_type": {"type": "string", "description": "Ignored: zips are application/zip"},
        "package_id": extension_field(
            {**UUID, "description": "For a new version of this package: its quota does not apply"}
        ),
    },
    ["filename", "file_size"],
)
MINT_RESPONSE = obj(
    {
        "upload_id": UUID,
        "presigned_url": {"type": "string"},
        "method": {"const": "PUT"},
        "storage_path": {"type": "string"},
        "required_put_headers": {"type": "object"},
        "file_size": {"type": "integer"},
        "expires_at": TIMESTAMP,
        "expires_in": {"type": "integer"},
    },
    ["presigned_url", "storage_path", "required_put_headers", "expires_at"],
)


def mint(principal, body):
    tenant_id = require_own_tenant(principal, body.get("tenant_id"))
    return uploads.mint_upload(
        current(),
        tenant_id,
        body["filename"],
        body["file_size"],
        body.get("uploaded_by"),
        body.get("package_id"),
    )


def _aliases(view, rules: tuple[tuple[str, str, str], ...], **spec) -> None:
    """One upload handler under each of its (rule, endpoint name, summary): the cloud's aliases."""
    for rule, name, summary in rules:
        endpoint(bp, rule, "POST", tag=TAG, bucket=UPLOAD, name=name, summary=summary, **spec)(view)


_aliases(
    mint,
    (
        ("/packages/upload-url", "upload_url", "Mint a presigned upload URL"),
        ("/packages/upload-sessions", "upload_sessions", "Mint a presigned upload URL (alias of upload-url)"),
    ),
    body=MINT_BODY,
    response=MINT_RESPONSE,
    errors=(403, 404),
    description="Then PUT exactly file_size bytes to presigned_url with the "
    "required_put_headers, then POST /api/v1/packages/process.",
)


@endpoint(
    bp,
    "/packages/process",
    "POST",
    tag=TAG,
    bucket=UPLOAD,
    status=201,
    also=(200, 202),
    errors=(403, 404, 409),
    summary="Process an uploaded zip into a package",
    description="Answers 201 with the ready package when it was imported at once (small "
    "zips), 202 with status 'processing' when it continues in the background "
    "(poll GET /api/v1/packages/{id}), 200 when this upload was processed "
    "before. A refused package answers 400 with details.reason and leaves "
    "nothing behind.",
    body=obj(
        {
            "tenant_id": TENANT_ID,
            "uploaded_by": UPLOADED_BY,
            "storage_path": {"type": "string", "minLength": 1, "maxLength": 1000},
            "original_filename": {"type": "string", "maxLength": 500},
            "package_id": extension_field(
                {
                    **UUID,
                    "description": "An existing package: the zip becomes its next version "
                    "(its sessions keep theirs until moved)",
                }
            ),
        },
        ["storage_path"],
    ),
    response=PACKAGE,
)
def process(principal, body):
    tenant_id = require_own_tenant(principal, body.get("tenant_id"))
    pkg, status = processing.process_upload(
        current(),
        tenant_id,
        body["storage_path"],
        body.get("uploaded_by"),
        body.get("original_filename"),
        body.get("package_id"),
    )
    return pkg.to_api(base_url()), status


MULTIPART_FORM = obj(
    {
        "file": {"type": "string", "format": "binary"},
        "uploaded_by": UPLOADED_BY,
        "tenant_id": TENANT_ID,
        "package_id": {**UUID, "description": "Existing package UUID to upload a new version"},
    },
    ["file"],
)


def upload_multipart(principal):
    settings = current().settings
    request.max_content_length = settings.max_upload_bytes + 64 * 1024
    if request.mimetype != "multipart/form-data":
        raise bad_request("Send the package as multipart/form-data with a 'file' field")
    tenant_id = require_own_tenant(principal, request.form.get("tenant_id") or None)
    file = request.files.get("file")
    if file is None:
        raise validation_error({"file": ["Required"]})
    uploaded_by = request.form.get("uploaded_by")
    if uploaded_by is not None and len(uploaded_by) > 200:
        raise validation_error({"uploaded_by": ["Must be at most 200 characters"]})
    package_id = request.form.get("package_id") or None
    processing.check_room(tenant_id, package_id)  # before the file is stored
    upload = uploads.store_multipart(current(), tenant_id, file, uploaded_by)
    pkg, status = processing.process_upload(
        current(), tenant_id, upload.storage_path, uploaded_by, file.filename, package_id
    )
    return pkg.to_api(base_url()), status


# The seed's /packages/upload, and the cloud's legacy multipart POST /packages (whose
# `package_id` field uploads a new version): one handler.
_aliases(
    upload_multipart,
    (
        ("/packages/upload", "upload_multipart", "Upload a small package directly (multipart)"),
        ("/packages", "upload_multipart_legacy", "Upload a package (multipart; the legacy /packages/upload)"),
    ),
    status=201,
    also=(202,),
    errors=(400, 403, 404, 413),
    body_content_type="multipart/form-data",
    body_doc=MULTIPART_FORM,
    description="For small files; the size cap is configurable (413 above it). Same "
    "processing and answers as /packages/process; with `package_id`, the zip becomes that "
    "package's next version.",
    response=PACKAGE,
)


# ---- multipart upload (large packages) -----------------------------------------------------

PART = obj(
    {
        "part_number": {"type": "integer"},
        "url": {"type": "string"},
        "size": {"type": "integer"},
        "expires_at": TIMESTAMP,
    },
    ["part_number", "url", "size"],
)
MULTIPART = obj(
    {
        "upload_id": UUID,
        "storage_path": {"type": "string"},
        "file_size": {"type": "integer"},
        "part_size": {"type": "integer"},
        "part_count": {"type": "integer"},
        "parts_received": {"type": "array", "items": {"type": "integer"}},
        "status": {"enum": ["open", "complete", "aborted"]},
        "required_put_headers": {"type": "object"},
        "parts": {"type": "array", "items": PART},
        "missing_parts": {"type": "array", "items": PART},
    },
    ["upload_id", "storage_path", "part_count", "status"],
    additional=True,
)


@endpoint(
    bp,
    "/packages/multipart/init",
    "POST",
    tag=TAG,
    bucket=UPLOAD,
    errors=(403, 404),
    summary="Start a multipart upload (large packages)",
    description="For packages over 100 MB, as the cloud documents: answers a presigned PUT URL per "
    "part (`parts`, each of exactly `size` bytes, with `required_put_headers`), to send in any "
    "order or in parallel; a failed part is PUT again. Then `POST .../complete`, and "
    "`POST /api/v1/packages/process` with the `storage_path` as for any upload.",
    body=obj(
        {
            "tenant_id": TENANT_ID,
            "uploaded_by": UPLOADED_BY,
            "filename": {"type": "string", "minLength": 1, "maxLength": 500},
            "file_size": {"type": "integer", "minimum": 1},
            "part_size": {
                "type": "integer",
                "minimum": multipart.MIN_PART_SIZE,
                "maximum": multipart.MAX_PART_SIZE,
            },
            "package_id": extension_field(
                {**UUID, "description": "For a new version of this package: its quota does not apply"}
            ),
        },
        ["filename", "file_size"],
    ),
    response=MULTIPART,
)
def multipart_init(principal, body):
    tenant_id = require_own_tenant(principal, body.get("tenant_id"))
    return multipart.init(
        current(),
        tenant_id,
        body["filename"],
        body["file_size"],
        body.get("part_size"),
        body.get("uploaded_by"),
        body.get("package_id"),
    )


@endpoint(
    bp,
    "/packages/multipart/<upload_id>",
    "GET",
    tag=TAG,
    errors=(404,),
    summary="Where a multipart upload stands",
    description="The parts received, and fresh URLs for the parts still missing (to resume).",
    response=MULTIPART,
)
def multipart_status(principal, upload_id):
    return multipart.status(current(), principal.tenant_id, upload_id)


@endpoint(
    bp,
    "/packages/multipart/<upload_id>/complete",
    "POST",
    tag=TAG,
    bucket=UPLOAD,
    errors=(404, 409),
    summary="Join the parts of a multipart upload",
    description="409 with `details.missing_parts` while parts are missing. Repeating it answers "
    "the completed upload.",
    response=MULTIPART,
)
def multipart_complete(principal, upload_id):
    return multipart.complete(current(), principal.tenant_id, upload_id)


@endpoint(
    bp,
    "/packages/multipart/<upload_id>",
    "DELETE",
    tag=TAG,
    errors=(404, 409),
    summary="Abort a multipart upload (its parts are deleted)",
    response=obj({"success": {"type": "boolean"}}, ["success"]),
)
def multipart_abort(principal, upload_id):
    multipart.abort(current(), principal.tenant_id, upload_id)
    return {"success": True}
