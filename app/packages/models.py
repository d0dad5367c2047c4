import peewee

from app.db import BaseModel, JSONField
from app.tenants.models import Tenant

STATUSES = ("processing", "ready", "failed")


class Package(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36)
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    title = peewee.CharField(max_length=500)
    version = peewee.CharField(max_length=32)  # the seed's "version": SCORM 1.2, 2004, ...
    status = peewee.CharField(max_length=16, default="ready")
    file_size_bytes = peewee.BigIntegerField(default=0)
    metadata = JSONField(null=True)
    uploaded_by = peewee.CharField(max_length=200, null=True)
    created_at = peewee.CharField(max_length=32)
    updated_at = peewee.CharField(max_length=32)

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "title": self.title,
            "version": self.version,
            "status": self.status,
            "file_size_bytes": self.file_size_bytes,
            "metadata": self.metadata or {},
            "uploaded_by": self.uploaded_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
