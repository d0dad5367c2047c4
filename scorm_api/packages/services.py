"""Package queries. Every query is scoped to one tenant: another tenant's package is simply
not found, so its existence is never confirmed. A package is listed once, as its latest
version (versions.py)."""

from __future__ import annotations

import peewee

from scorm_api.db import Prepared
from scorm_api.packages.models import Package

# A literal, not a parameter: the prepared queries take only the callers' parameters.
_LISTED = Package.is_latest == peewee.SQL("TRUE")
_COUNT = Prepared(lambda: Package.select(peewee.fn.COUNT(Package.id)).where((Package.tenant == "") & _LISTED))
_PAGE = Prepared(
    lambda: (
        Package.select()
        .where((Package.tenant == "") & _LISTED)
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
            (Package.tenant == tenant_id) & _LISTED & peewee.fn.LOWER(Package.title).contains(search.lower())
        )
        total = query.count()
        rows = list(query.order_by(Package.created_at.desc(), Package.id).limit(limit).offset(offset))
        return rows, total
    total = _COUNT.execute(tenant_id).fetchone()[0]
    rows = _PAGE.models(Package, tenant_id, limit, offset) if offset < total else []
    return rows, total
