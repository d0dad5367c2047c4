"""Package versions: a new zip uploaded to an existing package id (the cloud's legacy multipart
`package_id` field, and `package_id` on process), as the cloud's FAQ puts it: "Upload a new
version to the same package ID. Existing sessions can continue with the old version, or you
can force all sessions to use the new version."

Each version is a package row of its own (its content under its own storage prefix, its
structure cached by its own id); the rows of one package share `family_id`, the first row's
id, which is the package's id everywhere outside this domain: the API, a session's
`package_id`, statements, analytics, sync links. What the API shows for a package is its
latest version (any status, so a client polling a new version sees it processing); new
sessions, launches and downloads get the newest *ready* one (`live`), so a failed or
unfinished upload never takes a course away from its learners. Every query here is scoped
to one tenant: another tenant's package is not found.
"""

from __future__ import annotations

import peewee

from scorm_api.errors import ApiError, not_found
from scorm_api.packages.models import Package


def package_not_found() -> ApiError:
    return not_found("PACKAGE_NOT_FOUND", "SCORM package not found")


def _family(tenant_id: str, package_id: str):
    return (Package.family_id == package_id) & (Package.tenant == tenant_id)


def latest(tenant_id: str, package_id: str) -> Package:
    """The package as the API shows it: its latest version."""
    pkg = Package.get_or_none(_family(tenant_id, package_id) & (Package.is_latest == True))  # noqa: E712
    if pkg is None:
        raise package_not_found()
    return pkg


def count(tenant_id: str) -> int:
    """The tenant's packages, each once whatever its versions (what its quota counts)."""
    return Package.select().where((Package.tenant == tenant_id) & (Package.is_latest == True)).count()  # noqa: E712


def live(tenant_id: str, package_id: str) -> Package:
    """The newest ready version: what a new session, a launch or a download gets. 404 for an
    unknown package; 409 while no version is ready (the first still processing, or failed)."""
    pkg = (
        Package.select()
        .where(_family(tenant_id, package_id) & (Package.status == "ready"))
        .order_by(Package.version_number.desc())
        .first()
    )
    if pkg is None:
        status = latest(tenant_id, package_id).status
        raise ApiError(409, "CONFLICT", f"The package is {status}; only a ready package can be used")
    return pkg


def numbered(tenant_id: str, package_id: str, number: int) -> Package:
    pkg = Package.get_or_none(_family(tenant_id, package_id) & (Package.version_number == number))
    if pkg is None:
        raise not_found("VERSION_NOT_FOUND", "This package has no version with that number")
    return pkg


def all_versions(tenant_id: str, package_id: str) -> list[Package]:
    """Every version, oldest first (404 for an unknown package)."""
    rows = list(Package.select().where(_family(tenant_id, package_id)).order_by(Package.version_number))
    if not rows:
        raise package_not_found()
    return rows


def row_ids(tenant_id: str, package_id: str) -> list[str]:
    return [r.id for r in Package.select(Package.id).where(_family(tenant_id, package_id))]


def add_version(pkg: Package, family: Package) -> None:
    """Make the unsaved `pkg` the next version of `family` (inside the caller's write
    transaction, which also inserts it): numbered after the highest, and the latest."""
    highest = (
        Package.select(peewee.fn.MAX(Package.version_number))
        .where(Package.family_id == family.family_id)
        .scalar()
    )
    pkg.family_id = family.family_id
    pkg.version_number = (highest or 0) + 1
    pkg.is_latest = True
    Package.update(is_latest=False).where(
        (Package.family_id == family.family_id) & (Package.is_latest == True)  # noqa: E712
    ).execute()


def summary(pkg: Package) -> dict:
    """One version as the package's `versions` list shows it."""
    return {
        "version_number": pkg.version_number,
        "status": pkg.status,
        "title": pkg.title,
        "standard": pkg.standard,
        "original_filename": pkg.original_filename,
        "file_size_bytes": pkg.file_size_bytes,
        "sha256": pkg.sha256,
        "failure": pkg.failure,
        "created_at": pkg.created_at,
    }
