"""From an uploaded zip to a package: inspect, extract, scan, then publish atomically.

Files are built in a staging folder in the data dir's tmp/ and published as the objects under
`packages/<id>/` in one step (storage.put_tree: a rename on the local store); the database row
that makes the package visible commits only after that. A crash at any moment
leaves either a complete package or leftovers that `sweep` removes at start-up. Small zips are
imported while the request waits; big ones get a `processing` package and a job.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scorm_api import jobs
from scorm_api.config import Settings
from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError
from scorm_api.packages import signals, versions
from scorm_api.packages.hazards import HazardScanner
from scorm_api.packages.models import Package, Upload
from scorm_api.state import State
from scorm_api.tenants.models import Tenant

if TYPE_CHECKING:
    from scorm_api.packages.ingest import ZipLimits
    from scorm_api.packages.inspection import InspectedPackage

# The readers of a package (ingest, inspection, manifest: lxml) are imported by the functions
# that read one: a CLI command wires this module's job without importing them (start-up time).

log = logging.getLogger(__name__)

PROCESS_JOB = "process_package"
ZIP_NAME = "package.zip"
CONTENT_DIR = "content"
PACKAGES = "packages"  # the storage prefix of the published packages
PARTIAL = ".partial"  # staging folders in tmp/


def zip_limits(settings: Settings) -> ZipLimits:
    from scorm_api.packages.ingest import ZipLimits

    return ZipLimits(
        max_files=settings.zip_max_files,
        max_total_bytes=settings.zip_max_unpacked_bytes,
        max_ratio=float(settings.zip_max_ratio),
    )


def check_quota(tenant_id: str) -> None:
    limit = Tenant.select(Tenant.max_packages).where(Tenant.id == tenant_id).scalar()
    if limit is None:
        return
    current = versions.count(tenant_id)
    if current >= limit:
        raise ApiError(403, "QUOTA_EXCEEDED", "Package limit exceeded", {"limit": limit, "current": current})


def check_room(tenant_id: str, package_id: str | None) -> Package | None:
    """Before an upload is taken: a new package must fit the tenant's quota; a new version
    (package_id) must name one of the tenant's packages, and counts nothing against it.
    Returns that package (its latest version), if any."""
    if package_id is None:
        check_quota(tenant_id)
        return None
    return versions.latest(tenant_id, package_id)


def _metadata(inspected: InspectedPackage, content_bytes: int, file_count: int) -> dict:
    from scorm_api.packages.manifest import walk_items

    m = inspected.manifest
    item = next(
        (i for o in m.organizations for i in walk_items(o.items) if i.identifier == m.launch_item), None
    )
    resource = m.resources.get(item.identifierref) if item and item.identifierref else None
    full = m.to_metadata()
    return {
        "description": m.description,
        "sco_count": m.sco_count,
        "launchable_count": m.launchable_count,
        "descriptor": inspected.plan.descriptor,
        "schemaversion": m.schemaversion,
        "identifier": m.identifier,
        "default_organization": m.default_organization,
        "has_sequencing": m.has_sequencing,
        "launch": {
            "item": m.launch_item,
            "href": m.launch_href,
            "parameters": m.launch_parameters,
            "scorm_type": resource.scorm_type if resource else None,
        },
        "mastery_score": item.mastery_score if item else None,
        "file_count": file_count,
        "content_bytes": content_bytes,
        "organizations": full["organizations"],
        "resources": list(full["resources"].values()),
        "sequencing_collection": m.sequencing_collection,
    }


@dataclass
class Built:
    inspected: InspectedPackage
    hazards: list[dict]
    sha256: str


def package_prefix(package_id: str) -> str:
    """Where a package's objects live: its original zip and its extracted content."""
    return f"{PACKAGES}/{package_id}"


def zip_key(package_id: str) -> str:
    return f"{package_prefix(package_id)}/{ZIP_NAME}"


def content_key(package_id: str, path: str) -> str:
    return f"{package_prefix(package_id)}/{CONTENT_DIR}/{path}"


def _staging(state: State, package_id: str) -> Path:
    return state.settings.tmp_dir / f"pkg-{package_id}{PARTIAL}"


def build_files(state: State, upload_key: str, package_id: str, sha256: str | None = None) -> Built:
    """Inspect and extract into staging, then publish. Raises ApiError (400) for a package
    that is refused; leaves nothing behind either way. Everything slow happens here, outside
    any database transaction (the checksum too, when the upload did not take it)."""
    from scorm_api.packages.ingest import extract, remove_tree
    from scorm_api.packages.inspection import inspect_package

    staging = _staging(state, package_id)
    remove_tree(staging)
    started = time.perf_counter()
    try:
        (staging / CONTENT_DIR).mkdir(parents=True)
        zip_path = staging / ZIP_NAME
        state.storage.fetch(upload_key, zip_path)  # zipfile reads at random: a local file
        try:
            zf = zipfile.ZipFile(zip_path)
        except (zipfile.BadZipFile, OSError):
            zf = course_structure_zip(zip_path)
        with zf:
            inspected = inspect_package(zf, zip_limits(state.settings))
            scanner = HazardScanner()
            extract(zf, inspected.plan, staging / CONTENT_DIR, scanner)
        sha256 = sha256 or sha256_file(zip_path)
        state.storage.put_tree(package_prefix(package_id), staging)
        log.info(
            "package files built",
            extra={
                "fields": {
                    "package_id": package_id,
                    "files": len(inspected.plan.entries),
                    "bytes": inspected.plan.total_bytes,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                }
            },
        )
        return Built(inspected, scanner.warnings(), sha256)
    finally:
        remove_tree(staging)


def course_structure_zip(path) -> zipfile.ZipFile:
    """A cmi5 course structure uploaded on its own (cmi5 14.2), as a package of that one file.
    With no content beside it, every AU must be launched from an absolute URL."""
    from scorm_api.packages.xapi_descriptors import parse_cmi5
    from scorm_api.packages.xmlutil import MAX_MANIFEST_BYTES, rejected

    with open(path, "rb") as f:
        data = f.read(MAX_MANIFEST_BYTES + 1)
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise rejected(
            "not_a_zip", "The file is not a zip archive (or it is damaged), nor a cmi5 course structure"
        )
    course = parse_cmi5(data)
    relative = [r.identifier for r in course.resources.values() if not urlsplit(r.href).scheme]
    if relative:
        raise rejected(
            "relative_au_url",
            "A course structure imported without a zip must give every AU an absolute URL (cmi5 14.2)",
            aus=relative[:20],
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        out.writestr("cmi5.xml", data)
    return zipfile.ZipFile(buf)


def _apply(pkg: Package, built: Built) -> None:
    from scorm_api.packages.structure import launch_path

    m = built.inspected.manifest
    plan = built.inspected.plan
    pkg.title = (m.title or pkg.original_filename or pkg.title)[:500]
    pkg.version = m.version
    pkg.standard = m.standard
    pkg.status = "ready"
    pkg.metadata = _metadata(built.inspected, plan.total_bytes, len(plan.entries))
    pkg.warnings = built.inspected.warnings + built.hazards
    pkg.failure = None
    pkg.launch_path = launch_path(m.launch_href, m.launch_parameters)
    pkg.content_bytes = plan.total_bytes
    pkg.file_count = len(plan.entries)
    pkg.sha256 = built.sha256
    pkg.updated_at = utcnow_iso()


def _new_package(
    tenant_id: str,
    upload: Upload,
    uploaded_by: str | None,
    original_filename: str | None,
    package_id: str | None = None,
) -> Package:
    now = utcnow_iso()
    row_id = package_id or new_id()
    return Package(
        id=row_id,
        family_id=row_id,
        tenant=tenant_id,
        title=original_filename or upload.filename,
        version="",
        status="processing",
        file_size_bytes=upload.file_size,
        uploaded_by=uploaded_by or upload.uploaded_by,
        original_filename=original_filename or upload.filename,
        created_at=now,
        updated_at=now,
    )


def _insert(pkg: Package, upload: Upload, family: Package | None) -> None:
    """The row that makes the package (or the family's new version) exist, inside the
    caller's write transaction, with the upload marked as used by it."""
    if family is None:
        check_quota(upload.tenant_id)
    else:
        versions.add_version(pkg, family)
    pkg.save(force_insert=True)
    Upload.update(status="consumed", package_id=pkg.id).where(Upload.id == upload.id).execute()


def import_now(
    state: State,
    upload: Upload,
    uploaded_by: str | None,
    original_filename: str | None,
    family: Package | None = None,
) -> Package:
    """Synchronous import: either a ready package (row and files) or an error and nothing."""
    pkg = _new_package(upload.tenant_id, upload, uploaded_by, original_filename)
    try:
        built = build_files(state, upload.storage_path, pkg.id, upload.sha256)
    except ApiError:
        _discard_upload(state, upload)
        raise
    try:
        with write_transaction():
            _apply(pkg, built)
            _insert(pkg, upload, family)
            _announce(pkg)
    except BaseException:
        state.storage.delete_tree(package_prefix(pkg.id))
        raise
    state.storage.delete(upload.storage_path)  # the zip now lives in the package folder
    return pkg


def queue_import(
    state: State,
    upload: Upload,
    uploaded_by: str | None,
    original_filename: str | None,
    family: Package | None = None,
) -> Package:
    """Asynchronous import: a 'processing' package now, the work in a job."""
    pkg = _new_package(upload.tenant_id, upload, uploaded_by, original_filename)
    with write_transaction():
        _insert(pkg, upload, family)
        jobs.enqueue(PROCESS_JOB, {"package_id": pkg.id, "upload_id": upload.id})
    state.jobs.wake()
    return pkg


def run_import_job(payload: dict, state: State) -> None:
    pkg = Package.get_or_none(Package.id == payload["package_id"])
    upload = Upload.get_or_none(Upload.id == payload["upload_id"])
    if pkg is None or pkg.status != "processing" or upload is None:
        return  # deleted meanwhile, or already done by an earlier run
    try:
        built = build_files(state, upload.storage_path, pkg.id, upload.sha256)
    except ApiError as e:
        pkg.status, pkg.updated_at = "failed", utcnow_iso()
        reason = e.details.get("reason")
        pkg.failure = {"code": e.code, "reason": reason, "message": e.message, "details": e.details}
        with write_transaction():
            Package.update(status=pkg.status, updated_at=pkg.updated_at, failure=pkg.failure).where(
                Package.id == pkg.id
            ).execute()
            signals.processing_failed.send(pkg)
        _discard_upload(state, upload)
        return
    with write_transaction():
        fresh = Package.get_or_none(Package.id == pkg.id)
        if fresh is None:  # deleted while it was being processed
            state.storage.delete_tree(package_prefix(pkg.id))
            return
        _apply(fresh, built)
        fresh.save()
        _announce(fresh)
    state.storage.delete(upload.storage_path)


def _announce(pkg: Package) -> None:
    signals.processed.send(pkg)
    if pkg.version_number > 1:
        signals.version_ready.send(pkg)


def _discard_upload(state: State, upload: Upload) -> None:
    """A refused zip leaves nothing: its file and its ticket go."""
    state.storage.delete(upload.storage_path)
    Upload.delete().where(Upload.id == upload.id).execute()


def process_upload(
    state: State,
    tenant_id: str,
    storage_path: str,
    uploaded_by: str | None,
    original_filename: str | None,
    package_id: str | None = None,
) -> tuple[Package, int]:
    """The seed's POST /packages/process: 201 when imported now, 202 when queued, 200 when this
    upload was processed before (a retried request gets the same package, not a duplicate).
    With `package_id`, the zip becomes that package's next version (versions.py)."""
    upload = Upload.get_or_none((Upload.storage_path == storage_path) & (Upload.tenant == tenant_id))
    if upload is None:
        raise ApiError(
            404,
            "NOT_FOUND",
            "No upload at this storage_path (mint one with POST /api/v1/packages/upload-url)",
        )
    if upload.status == "consumed" and upload.package_id:
        pkg = Package.get_or_none(Package.id == upload.package_id)
        if pkg is not None:
            return pkg, 200
        raise ApiError(
            409, "CONFLICT", "This upload was processed and its package deleted; upload the file again"
        )
    if upload.status != "complete":
        raise ApiError(
            409,
            "CONFLICT",
            "The file has not been uploaded yet: PUT it to the presigned_url first",
            {"upload_status": upload.status},
        )
    family = check_room(tenant_id, package_id)
    if upload.file_size <= state.settings.sync_process_max_bytes:
        return import_now(state, upload, uploaded_by, original_filename, family), 201
    return queue_import(state, upload, uploaded_by, original_filename, family), 202


def delete_package(state: State, tenant_id: str, package_id: str) -> None:
    """The package with every version (and, by the foreign keys, their sessions)."""
    with write_transaction():
        rows = versions.row_ids(tenant_id, package_id)
        if not rows:
            raise versions.package_not_found()
        signals.deleting.send(versions.latest(tenant_id, package_id))
        Package.delete().where(Package.id.in_(rows)).execute()
    # After the commit: a crash here leaves orphan objects, which the sweep removes.
    for row_id in rows:
        state.storage.delete_tree(package_prefix(row_id))


def sweep(state: State) -> dict:
    """Start-up clean-up (only while no other server uses this data dir): staging leftovers,
    package folders without a row, uploads interrupted mid-PUT, expired tickets."""
    from scorm_api.packages.ingest import remove_tree

    removed = {"staging": 0, "orphans": 0, "expired_uploads": 0}
    for path in state.settings.tmp_dir.glob("*" + PARTIAL):
        remove_tree(path)
        removed["staging"] += 1
    removed["staging"] += state.storage.sweep_partial()
    known = {p.id for p in Package.select(Package.id)}
    for name in state.storage.children(PACKAGES):
        if name not in known:
            state.storage.delete_tree(package_prefix(name))
            removed["orphans"] += 1
    with write_transaction():
        Upload.update(status="pending").where(Upload.status == "uploading").execute()
    # Tickets never used before they expired; completed uploads stay (they can be processed).
    for up in Upload.select().where((Upload.status == "pending") & (Upload.expires_at < utcnow_iso())):
        state.storage.delete(up.storage_path)
        up.delete_instance()
        removed["expired_uploads"] += 1
    return removed


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
