"""Package queries. Every query is scoped to one tenant: another tenant's package is simply
not found, so its existence is never confirmed."""
from __future__ import annotations

from app.errors import not_found
from app.packages.models import Package


def list_packages(tenant_id: str, page: int, limit: int) -> tuple[list[Package], int]:
    query = Package.select().where(Package.tenant == tenant_id)
    total = query.count()
    rows = list(query.order_by(Package.created_at.desc(), Package.id).paginate(page, limit))
    return rows, total


def get_package(tenant_id: str, package_id: str) -> Package:
    pkg = Package.get_or_none((Package.id == package_id) & (Package.tenant == tenant_id))
    if pkg is None:
        raise not_found("PACKAGE_NOT_FOUND", "SCORM package not found")
    return pkg
