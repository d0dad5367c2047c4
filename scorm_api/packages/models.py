from urllib.parse import quote

import peewee

from scorm_api.db import BaseModel, JSONField
from scorm_api.packages import advisories
from scorm_api.tenants.models import Tenant

STATUSES = ("processing", "ready", "failed")
# Parsed structure kept in metadata but left out of list responses (it can be large).
HEAVY_METADATA = ("organizations", "resources", "sequencing_collection")


class Package(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    title = peewee.CharField(max_length=500)
    version = peewee.CharField(max_length=32)  # the seed's "version": "1.2", "2004 3rd Edition"...
    standard = peewee.CharField(max_length=32, null=True)
    status = peewee.CharField(max_length=16, default="ready")
    file_size_bytes = peewee.BigIntegerField(default=0)
    metadata = JSONField(null=True)
    warnings = JSONField(null=True)
    failure = JSONField(null=True)
    uploaded_by = peewee.CharField(max_length=200, null=True)
    original_filename = peewee.CharField(max_length=500, null=True)
    launch_path = peewee.CharField(max_length=2000, null=True)  # relative URL incl. parameters
    sha256 = peewee.CharField(max_length=64, null=True)
    content_bytes = peewee.BigIntegerField(null=True)
    file_count = peewee.IntegerField(null=True)
    created_at = peewee.CharField(max_length=32)
    updated_at = peewee.CharField(max_length=32)
    # Versions (packages/versions.py): the rows of one package share the first one's id as
    # family_id, which is the id the API shows; is_latest marks the highest version_number.
    family_id = peewee.CharField(max_length=36)
    version_number = peewee.IntegerField(default=1)
    is_latest = peewee.BooleanField(default=True)

    def save(self, *args, **kwargs):
        if not self.family_id:  # a first version is its own family
            self.family_id = self.id
        return super().save(*args, **kwargs)

    def content_url(self, base_url: str, relative: str) -> str:
        return f"{base_url}/content/{self.id}/{quote(relative, safe='/?=&;:%')}"

    def to_api(self, base_url: str, full: bool = True) -> dict:
        meta = dict(self.metadata or {})
        if not full:
            for key in HEAVY_METADATA:
                meta.pop(key, None)
        ready = self.status == "ready"
        return {
            "id": self.family_id,
            "tenant_id": self.tenant_id,
            "title": self.title,
            "version": self.version,
            "version_number": self.version_number,
            "standard": self.standard,
            "status": self.status,
            "launch_url": self.content_url(base_url, self.launch_path)
            if ready and self.launch_path
            else None,
            "manifest_url": self.content_url(base_url, meta["descriptor"])
            if ready and meta.get("descriptor")
            else None,
            "file_size_bytes": self.file_size_bytes,
            "metadata": meta,
            "warnings": advisories.for_api(self.warnings),
            "failure": self.failure,
            "uploaded_by": self.uploaded_by,
            "original_filename": self.original_filename,
            "sha256": self.sha256,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class Upload(BaseModel):
    """A presigned upload ticket: one PUT of exactly file_size bytes, then one process."""

    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    storage_path = peewee.CharField(max_length=1000, unique=True)
    filename = peewee.CharField(max_length=500)
    file_size = peewee.BigIntegerField()
    content_type = peewee.CharField(max_length=100)
    uploaded_by = peewee.CharField(max_length=200, null=True)
    # pending | uploading | complete | consumed; multipart (parts arriving) | aborted
    status = peewee.CharField(max_length=16)
    package_id = peewee.CharField(max_length=36, null=True)
    sha256 = peewee.CharField(max_length=64, null=True)
    expires_at = peewee.CharField(max_length=32)
    created_at = peewee.CharField(max_length=32)
    completed_at = peewee.CharField(max_length=32, null=True)


class MultipartUpload(BaseModel):
    """An upload sent in parts (packages/multipart.py): which parts have arrived."""

    upload_id: str
    upload = peewee.ForeignKeyField(Upload, column_name="upload_id", primary_key=True, on_delete="CASCADE")
    part_size = peewee.BigIntegerField()
    part_count = peewee.IntegerField()
    received = JSONField()  # the part numbers stored, sorted
    status = peewee.CharField(max_length=16)  # open | complete | aborted
    created_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "multipart_upload"
