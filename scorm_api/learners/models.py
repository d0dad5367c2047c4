"""A tenant's learners by the id sessions name them with, their lasting launch links, and the
erasures a sync has still to carry (migration 28)."""

import peewee

from scorm_api.db import BaseModel, JSONField
from scorm_api.packages.models import Package
from scorm_api.tenants.models import Tenant


class Learner(BaseModel):
    """One learner of a tenant: the `user_id` of their sessions, and the name people see. Made
    with their first session (or explicitly, before any), so a trainer picks a learner instead
    of typing the id again at every launch."""

    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    learner_id = peewee.CharField(max_length=255)
    name = peewee.CharField(max_length=255, null=True)
    created_at = peewee.CharField(max_length=32)
    updated_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "learner"
        primary_key = peewee.CompositeKey("tenant", "learner_id")


class LearnerLink(BaseModel):
    """A launch link for one learner and one course that works until it is revoked (or until
    `expires_at`): a trainer prints them before a class. Its id is the secret in the URL; each
    opening resumes the learner's current session of the course (made when there is none)."""

    id = peewee.CharField(primary_key=True, max_length=48)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    learner_id = peewee.CharField(max_length=255)
    package_id: str
    package = peewee.ForeignKeyField(Package, column_name="package_id", on_delete="CASCADE")
    expires_at = peewee.CharField(max_length=32, null=True)
    revoked_at = peewee.CharField(max_length=32, null=True)
    use_count = peewee.IntegerField(default=0)
    last_used_at = peewee.CharField(max_length=32, null=True)
    created_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "learner_link"


class LearnerErasure(BaseModel):
    """A learner erased here (GDPR): kept so that a sync can erase them on its targets too.
    Only ids are kept, nothing the learner did."""

    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    learner_id = peewee.CharField(max_length=255)
    # The row ids of the sessions erased with them: a sync erases the learner on a target
    # that was sent one of these.
    session_ids = JSONField()
    erased_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "learner_erasure"
