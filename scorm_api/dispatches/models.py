"""Dispatches (a course shared with another LMS) and the registrations of the learners who came
through each one."""

import peewee

from scorm_api.db import BaseModel, JSONField
from scorm_api.packages.models import Package
from scorm_api.tenants.models import Tenant


class Dispatch(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=48)  # "dispatch-…", as the seed's ids
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    package_id: str
    # The package's first row: its id is the package's id in the API, and every launch takes
    # the newest ready version of it (a new version reaches every dispatch without a new zip).
    package = peewee.ForeignKeyField(Package, column_name="package_id", on_delete="CASCADE")
    dispatch_name = peewee.CharField(max_length=200)
    client_name = peewee.CharField(max_length=200, null=True)
    registration_limit = peewee.IntegerField(null=True)
    # New registrations since the count was last reset (what registration_limit caps).
    registration_count = peewee.IntegerField(default=0)
    license_limit = peewee.IntegerField(null=True)
    track_licenses = peewee.BooleanField(default=False)
    # Unique learners ever (what license_limit caps): a reset of the registration count
    # does not give licenses back.
    license_count = peewee.IntegerField(default=0)
    expires_at = peewee.CharField(max_length=32, null=True)
    allowed_domains = JSONField()  # patterns: "partner.com", "*.partner.com", "host:8080"
    password_hash = peewee.CharField(max_length=200, null=True)  # scorm_api.hashing
    enabled = peewee.BooleanField(default=True)
    revoked_at = peewee.CharField(max_length=32, null=True)
    zip_standard = peewee.CharField(max_length=16, null=True)  # scorm12 | scorm2004
    zip_status = peewee.CharField(max_length=16, null=True)  # queued | ready | failed
    zip_error = peewee.CharField(max_length=500, null=True)
    zip_generated_at = peewee.CharField(max_length=32, null=True)
    # Whose learners these are: the session's learner is "<learner_scope>/<host learner id>".
    # Its own id, or, for a dispatch a sync carried from another appliance, the id there, so
    # a learner who comes through it resumes the session carried with them.
    learner_scope = peewee.CharField(max_length=48)
    created_at = peewee.CharField(max_length=32)
    updated_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "dispatch"


class Registration(BaseModel):
    """One learner of the host LMS in one dispatch: every launch of theirs resumes the same
    session, whatever the host sends (SCORM Cloud's duplicates come from keying on the host's
    attempt)."""

    id = peewee.CharField(primary_key=True, max_length=36)
    dispatch_id: str
    dispatch = peewee.ForeignKeyField(Dispatch, column_name="dispatch_id", on_delete="CASCADE")
    learner_id = peewee.CharField(max_length=255)  # as the host LMS names the learner
    learner_name = peewee.CharField(max_length=255, null=True)
    user_id = peewee.CharField(max_length=255)  # the session's learner here (dispatch-scoped)
    host_origin = peewee.CharField(max_length=300, null=True)
    launch_count = peewee.IntegerField(default=0)
    first_launched_at = peewee.CharField(max_length=32)
    last_launched_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "dispatch_registration"
