import peewee

from scorm_api.db import BaseModel
from scorm_api.sessions.models import Session
from scorm_api.tenants.models import Tenant


class AuLaunch(BaseModel):
    """One launch of an xAPI activity or cmi5 AU: an AU session, in cmi5's words. Its id is the
    cmi5 session id and names its LRS credentials (`au-<id>`), valid until it ends."""

    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    session_id: str
    session = peewee.ForeignKeyField(Session, column_name="session_id", on_delete="CASCADE")
    item_id = peewee.CharField(max_length=255)
    kind = peewee.CharField(max_length=8)  # "cmi5" | "xapi"
    activity_id = peewee.CharField(max_length=2048)  # the object of the AU's statements
    launch_mode = peewee.CharField(max_length=16)  # Normal | Browse | Review
    secret_hash = peewee.CharField(max_length=64, null=True)  # set when the token is handed out
    verbs = peewee.CharField(max_length=255, default="")  # cmi5 defined verbs sent, comma-separated
    prefs_read = peewee.BooleanField(default=False)
    created_at = peewee.CharField(max_length=32)
    expires_at = peewee.CharField(max_length=32)
    initialized_at = peewee.CharField(max_length=32, null=True)
    last_statement_at = peewee.CharField(max_length=32, null=True)
    terminated_at = peewee.CharField(max_length=32, null=True)
    abandoned_at = peewee.CharField(max_length=32, null=True)

    @property
    def ended(self) -> bool:
        return bool(self.terminated_at or self.abandoned_at)

    @property
    def verb_set(self) -> set[str]:
        return set(filter(None, self.verbs.split(",")))

    def to_api(self, session_id: str | None = None) -> dict:
        """`session_id`: the session's id as the API shows it, when the caller has it (else
        the row's, looked up: a caller-chosen id differs from it)."""
        return {
            "id": self.id,
            "session_id": session_id or self.session.public_id,
            "item_id": self.item_id,
            "kind": self.kind,
            "activity_id": self.activity_id,
            "launch_mode": self.launch_mode,
            "status": "abandoned"
            if self.abandoned_at
            else "terminated"
            if self.terminated_at
            else "initialized"
            if self.initialized_at
            else "launched",
            "launched_at": self.created_at,
            "initialized_at": self.initialized_at,
            "last_statement_at": self.last_statement_at,
            "terminated_at": self.terminated_at,
            "abandoned_at": self.abandoned_at,
        }

    class Meta:
        table_name = "au_launch"


class Cmi5Satisfied(BaseModel):
    """A block or the course of a cmi5 registration whose moveOn criteria were met (the LMS
    says so once, with a Satisfied statement)."""

    session_id: str
    session = peewee.ForeignKeyField(Session, column_name="session_id", on_delete="CASCADE")
    node_id = peewee.CharField(max_length=2048)
    created_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "cmi5_satisfied"
        primary_key = peewee.CompositeKey("session", "node_id")
