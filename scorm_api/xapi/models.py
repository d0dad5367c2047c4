import peewee

from scorm_api.db import BaseModel, JSONField
from scorm_api.tenants.models import Tenant


class Statement(BaseModel):
    """One stored xAPI statement of one tenant, with the columns queries filter on."""

    pk = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    statement_id = peewee.CharField(max_length=36)
    stored = peewee.CharField(max_length=32)
    timestamp = peewee.CharField(max_length=40)
    verb_id = peewee.CharField(max_length=2048)
    activity_id = peewee.CharField(max_length=2048, null=True)  # the object, when an Activity
    actor_key = peewee.CharField(max_length=2048, null=True)  # the actor's identifier, canonical
    object_agent_key = peewee.CharField(max_length=2048, null=True)  # the object's, if an Agent/Group
    registration = peewee.CharField(max_length=36, null=True)
    package_id = peewee.CharField(max_length=36, null=True)
    voided = peewee.BooleanField(default=False)
    voids = peewee.CharField(max_length=36, null=True)  # a voiding statement's target
    object_ref = peewee.CharField(max_length=36, null=True)  # the object's id, if a StatementRef
    body = JSONField()
    body_hash = peewee.CharField(max_length=64)  # of the statement as submitted: replays match
    # Its place in commit order (counters.take in the storing transaction): a reader that has
    # seen seq N has seen every statement numbered below N, unlike `stored`, which is taken
    # before the transaction waits for the writer.
    seq = peewee.BigIntegerField(null=True)

    class Meta:
        table_name = "xapi_statement"


class Credential(BaseModel):
    """Basic-auth credentials for the standard LRS interface (/xapi/), owned by a tenant."""

    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    name = peewee.CharField(max_length=200)
    username = peewee.CharField(max_length=64, unique=True)
    secret_hash = peewee.CharField(max_length=64)
    scopes = peewee.CharField(max_length=64)  # "read" or "read,write"
    created_at = peewee.CharField(max_length=32)
    revoked_at = peewee.CharField(max_length=32, null=True)

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "name": self.name,
            "username": self.username,
            "scopes": self.scopes.split(","),
            "status": "revoked" if self.revoked_at else "active",
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }

    class Meta:
        table_name = "xapi_credential"


class Document(BaseModel):
    """A state, activity profile or agent profile document (bytes and their content type)."""

    pk = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)  # state | activity_profile | agent_profile
    activity_id = peewee.CharField(max_length=2048)
    agent_key = peewee.CharField(max_length=2048)
    registration = peewee.CharField(max_length=36)
    doc_id = peewee.CharField(max_length=2048)
    content_type = peewee.CharField(max_length=255)
    content = peewee.BlobField()
    etag = peewee.CharField(max_length=64)
    updated = peewee.CharField(max_length=32)

    class Meta:
        table_name = "xapi_document"


class Related(BaseModel):
    """Every Activity ('a') and Agent/Group ('g') a statement mentions anywhere (object,
    context, authority, a SubStatement's parts): what related_activities / related_agents find."""

    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    statement_pk = peewee.CharField(max_length=36)
    kind = peewee.CharField(max_length=1)
    key = peewee.CharField(max_length=2048)

    class Meta:
        table_name = "xapi_statement_related"
        primary_key = peewee.CompositeKey("tenant", "kind", "key", "statement_pk")


class Attachment(BaseModel):
    """An attachment's bytes, stored once per tenant and hash however many statements cite it."""

    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    sha2 = peewee.CharField(max_length=128)
    content_type = peewee.CharField(max_length=255)
    content = peewee.BlobField()
    stored = peewee.CharField(max_length=32)

    class Meta:
        table_name = "xapi_attachment"
        primary_key = peewee.CompositeKey("tenant", "sha2")


class ActivityDefinition(BaseModel):
    """An Activity's definition as merged from every statement that carried one."""

    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    activity_id = peewee.CharField(max_length=2048)
    definition = JSONField()
    updated = peewee.CharField(max_length=32)

    class Meta:
        table_name = "xapi_activity"
        primary_key = peewee.CompositeKey("tenant", "activity_id")


class _Totals(BaseModel):
    """The running figures the seed's analytics report, kept as statements are stored."""

    total_statements = peewee.IntegerField(default=0)
    completed_count = peewee.IntegerField(default=0)
    passed_count = peewee.IntegerField(default=0)
    failed_count = peewee.IntegerField(default=0)
    score_sum = peewee.DoubleField(default=0)
    score_count = peewee.IntegerField(default=0)
    avg_score_scaled = peewee.DoubleField(null=True)
    first_activity = peewee.CharField(max_length=32, null=True)
    last_activity = peewee.CharField(max_length=32, null=True)


class ActorStats(_Totals):
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    actor_key = peewee.CharField(max_length=2048)
    actor = JSONField()  # the identifying Agent/Group, as last seen
    actor_mbox = peewee.CharField(max_length=2048, null=True)
    actor_name = peewee.CharField(max_length=2048, null=True)
    unique_activities = peewee.IntegerField(default=0)

    class Meta:
        table_name = "xapi_actor_stats"
        primary_key = peewee.CompositeKey("tenant", "actor_key")


class ActivityStats(_Totals):
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    activity_id = peewee.CharField(max_length=2048)
    activity_type = peewee.CharField(max_length=2048, null=True)
    package_id = peewee.CharField(max_length=36, null=True)
    unique_learners = peewee.IntegerField(default=0)

    class Meta:
        table_name = "xapi_activity_stats"
        primary_key = peewee.CompositeKey("tenant", "activity_id")


class ActorActivity(BaseModel):
    """How many counted statements link an actor to an activity: the unique counts' source."""

    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    actor_key = peewee.CharField(max_length=2048)
    activity_id = peewee.CharField(max_length=2048)
    statements = peewee.IntegerField(default=0)

    class Meta:
        table_name = "xapi_actor_activity"
        primary_key = peewee.CompositeKey("tenant", "actor_key", "activity_id")


class AnalyticsPending(BaseModel):
    """A stored statement (sign 1) or a voided one (sign -1) the analytics' running totals do not
    count yet (app.xapi.analytics folds these in batches)."""

    statement_pk = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    sign = peewee.SmallIntegerField()

    class Meta:
        table_name = "xapi_analytics_pending"
