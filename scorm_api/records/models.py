"""The records this appliance issued: each PDF or CSV file handed out, by its verification
code, with the checksum of its bytes and the figures it showed (what the Verify page shows a
person holding the paper)."""

import peewee

from scorm_api.db import BaseModel, JSONField
from scorm_api.tenants.models import Tenant

KINDS = ("transcript", "compliance")
FORMATS = ("pdf", "csv")


class IssuedRecord(BaseModel):
    code = peewee.CharField(primary_key=True, max_length=32)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)
    format = peewee.CharField(max_length=8)
    learner_id = peewee.CharField(max_length=255, null=True)  # a transcript's learner
    title = peewee.CharField(max_length=600)
    summary = JSONField()
    sha256 = peewee.CharField(max_length=64)
    size = peewee.BigIntegerField()
    issued_at = peewee.CharField(max_length=32)
    issued_by = peewee.CharField(max_length=200, null=True)

    class Meta:
        table_name = "issued_record"
        indexes = ((("tenant", "sha256"), False), (("tenant", "learner_id"), False))
