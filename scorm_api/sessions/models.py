import peewee

from scorm_api.db import BaseModel, JSONField
from scorm_api.packages.models import Package
from scorm_api.tenants.models import Tenant

COMPLETION = ("not_attempted", "incomplete", "completed")
SUCCESS = ("unknown", "passed", "failed")


class Session(BaseModel):
    """One learner's attempt at one package (a registration, in SCORM Cloud's words)."""

    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    package_id: str
    # The package (its first version's row, whose id is the package's id in the API), and the
    # version this session runs: its content, structure and rollup (packages/versions.py).
    package = peewee.ForeignKeyField(Package, column_name="package_id", on_delete="CASCADE")
    package_version_id: str
    package_version = peewee.ForeignKeyField(
        Package, column_name="package_version_id", backref="version_sessions"
    )
    user_id = peewee.CharField(max_length=255)
    user_name = peewee.CharField(max_length=255, null=True)
    attempt = peewee.IntegerField()
    is_current = peewee.BooleanField()
    completion_status = peewee.CharField(max_length=16, default="not_attempted")
    success_status = peewee.CharField(max_length=16, default="unknown")
    score_scaled = peewee.DoubleField(null=True)
    score_raw = peewee.DoubleField(null=True)
    score_min = peewee.DoubleField(null=True)
    score_max = peewee.DoubleField(null=True)
    time_spent_seconds = peewee.DoubleField(default=0)
    session_time = peewee.CharField(max_length=64, null=True)
    version = peewee.IntegerField(default=1)
    launch_count = peewee.IntegerField(default=0)
    first_launched_at = peewee.CharField(max_length=32, null=True)
    last_launched_at = peewee.CharField(max_length=32, null=True)
    completed_at = peewee.CharField(max_length=32, null=True)
    created_at = peewee.CharField(max_length=32)
    updated_at = peewee.CharField(max_length=32)
    # Launches started before this time (ms since the epoch) have been ended: by a progress
    # reset or a new attempt. Their tokens can no longer write.
    launch_epoch_ms = peewee.BigIntegerField(default=0)
    # The id the caller chose at launch (unique per tenant), shown as the session's id.
    external_id = peewee.CharField(max_length=255, null=True)
    # Not a column: this write is another appliance's sync (the PUT's carried record); the
    # statements its changes would derive travel with that sync (xapi/scorm_bridge.save).
    replicated: bool = False

    class Meta:
        table_name = "learner_session"

    @property
    def public_id(self) -> str:
        """The id the API shows and accepts: the caller's choice, else the row's own."""
        return self.external_id or self.id


class ScoState(BaseModel):
    """The CMI data of one SCO within a session, with its normalised status and timing."""

    id = peewee.CharField(primary_key=True, max_length=36)
    session_id: str
    session = peewee.ForeignKeyField(Session, column_name="session_id", on_delete="CASCADE", backref="scos")
    item_id = peewee.CharField(max_length=255)
    cmi = JSONField()  # flat {"cmi.core.lesson_status": "completed", ...}
    completion_status = peewee.CharField(max_length=16, default="not_attempted")
    success_status = peewee.CharField(max_length=16, default="unknown")
    score_scaled = peewee.DoubleField(null=True)
    score_raw = peewee.DoubleField(null=True)
    score_min = peewee.DoubleField(null=True)
    score_max = peewee.DoubleField(null=True)
    # {launch id: seconds reported by that launch}: each launch's session time counts once,
    # however often it is committed.
    launch_times = JSONField()
    last_commit_launch = peewee.CharField(max_length=64, null=True)
    last_commit_seq = peewee.IntegerField(null=True)
    updated_at = peewee.CharField(max_length=32)
    cmi_chars = peewee.IntegerField(default=0)  # sessions.limits.cmi_chars(cmi), kept with it

    class Meta:
        table_name = "sco_state"


class RuntimeLog(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36)
    session_id: str
    session = peewee.ForeignKeyField(Session, column_name="session_id", on_delete="CASCADE")
    launch_id = peewee.CharField(max_length=36)
    item_id = peewee.CharField(max_length=255, null=True)
    entries = JSONField()
    created_at = peewee.CharField(max_length=32)
    size_bytes = peewee.IntegerField(default=0)  # of `entries` as stored

    class Meta:
        table_name = "runtime_log"


class SequencingState(BaseModel):
    """The SCORM 2004 sequencing engine's state for a session (activity tree tracking, global
    objectives, the suspended activity), saved by the player, with the root activity's rollup."""

    session_id: str
    session = peewee.ForeignKeyField(Session, column_name="session_id", primary_key=True, on_delete="CASCADE")
    state = peewee.TextField()
    launch_key = peewee.CharField(max_length=64)
    seq = peewee.IntegerField(null=True)
    completion_status = peewee.CharField(max_length=16, null=True)
    success_status = peewee.CharField(max_length=16, null=True)
    score_scaled = peewee.DoubleField(null=True)
    updated_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "sequencing_state"
