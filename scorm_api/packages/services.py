"""Package queries. Every query is scoped to one tenant: another tenant's package is simply
not found, so its existence is never confirmed."""

from __future__ import annotations

import peewee

from scorm_api.db import Prepared
from scorm_api.errors import not_found
from scorm_api.packages.models import Package

_COUNT = Prepared(lambda: Package.select(peewee.fn.COUNT(Package.id)).where(Package.tenant == ""))
_PAGE = Prepared(
    lambda: (
        Package.select()
        .where(Package.tenant == "")
        .order_by(Package.created_at.desc(), Package.id)
        .limit(1)
        .offset(0)
    )
)


def list_packages(
    tenant_id: str, page: int, limit: int, search: str | None = None
) -> tuple[list[Package], int]:
    offset = (page - 1) * limit
    if search:  # titles containing the text, any case
        query = Package.select().where(
            (Package.tenant == tenant_id) & peewee.fn.LOWER(Package.title).contains(search.lower())
        )
        total = query.count()
        rows = list(query.order_by(Package.created_at.desc(), Package.id).limit(limit).offset(offset))
        return rows, total
    total = _COUNT.execute(tenant_id).fetchone()[0]
    rows = _PAGE.models(Package, tenant_id, limit, offset) if offset < total else []
    return rows, total


def get_package(tenant_id: str, package_id: str) -> Package:
    pkg = Package.get_or_none((Package.id == package_id) & (Package.tenant == tenant_id))
    if pkg is None:
        raise not_found("PACKAGE_NOT_FOUND", "SCORM package not found")
    return pkg
