"""What the sync keeps between runs: the target, each run with its progress and report, the
map of what was sent (local id -> remote id, with the version sent), and the conflicts."""

import peewee

from scorm_api.db import BaseModel, JSONField
from scorm_api.tenants.models import Tenant


class SyncTarget(BaseModel):
    """The saved target of one local tenant. The API key is kept encrypted (scorm_api.sync.keys)
    and never shown again."""

    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", primary_key=True, on_delete="CASCADE")
    url = peewee.CharField(max_length=2048)
    remote_tenant_id = peewee.CharField(max_length=255)
    api_key_encrypted = peewee.TextField()
    api_key_hint = peewee.CharField(max_length=16)
    schedule_minutes = peewee.IntegerField(null=True)
    updated_at = peewee.CharField(max_length=32)
    # The target's LRS key and secret ("key:secret", sealed), for what travels through its
    # standard /xapi/ resources (documents, statements with attachments); optional.
    lrs_credentials_encrypted = peewee.TextField(null=True)
    lrs_key_hint = peewee.CharField(max_length=16, null=True)

    class Meta:
        table_name = "sync_target"


# What started a run: the dashboard's Sync now, another API client, `scorm-api sync`, the
# schedule, or a sync file's import (sync/byfile/: the run applied that file here).
TRIGGERS = ("dashboard", "api", "cli", "schedule", "import")


class SyncRun(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    url = peewee.CharField(max_length=2048)
    remote_tenant_id = peewee.CharField(max_length=255)
    dry_run = peewee.BooleanField(default=False)
    trigger = peewee.CharField(max_length=16)  # one of TRIGGERS
    status = peewee.CharField(max_length=16)  # running | completed | failed | interrupted
    phase = peewee.CharField(max_length=32, null=True)
    items_done = peewee.IntegerField(default=0)
    items_total = peewee.IntegerField(default=0)
    bytes_done = peewee.BigIntegerField(default=0)
    bytes_total = peewee.BigIntegerField(default=0)
    report = JSONField()
    error = peewee.TextField(null=True)
    started_at = peewee.CharField(max_length=32)
    finished_at = peewee.CharField(max_length=32, null=True)
    heartbeat_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "sync_run"


class SyncLink(BaseModel):
    """One local object as the target knows it. `state`: for a package 'minted' (ticket
    taken), 'uploaded' (bytes PUT), 'processing' or 'synced'; for a session 'creating' or
    'synced' or 'conflict'. `local_version` is what was sent (a zip's sha256, a session's
    version); `remote_version` the target's version after it."""

    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    target_key = peewee.CharField(max_length=64)
    kind = peewee.CharField(max_length=16)
    local_id = peewee.CharField(max_length=255)
    remote_id = peewee.CharField(max_length=255, null=True)
    state = peewee.CharField(max_length=16)
    local_version = peewee.CharField(max_length=64, null=True)
    remote_version = peewee.IntegerField(null=True)
    detail = JSONField(null=True)  # the step's resumable details (a ticket, a cursor)
    updated_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "sync_link"
        primary_key = peewee.CompositeKey("tenant", "target_key", "kind", "local_id")


class SyncConflict(BaseModel):
    """A session changed on the target since the last sync: neither side was overwritten;
    both versions are kept here until someone chooses."""

    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    target_key = peewee.CharField(max_length=64)
    run_id = peewee.CharField(max_length=36)
    kind = peewee.CharField(max_length=16)
    local_id = peewee.CharField(max_length=255)
    remote_id = peewee.CharField(max_length=255, null=True)
    local = JSONField()
    remote = JSONField(null=True)
    status = peewee.CharField(max_length=16, default="open")  # open | kept_local | kept_remote
    # "sent": met by a sync from here (local: this instance's, remote: the target's);
    # "imported": met importing a sync file (local: this instance's, remote: the file's).
    direction = peewee.CharField(max_length=16, default="sent")
    created_at = peewee.CharField(max_length=32)
    resolved_at = peewee.CharField(max_length=32, null=True)

    class Meta:
        table_name = "sync_conflict"


class SyncTrust(BaseModel):
    """An instance whose sync files this tenant imports: its id and its Ed25519 public key
    (hex), trusted by the operator on first import (sync/byfile/)."""

    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    instance_id = peewee.CharField(max_length=64)
    public_key = peewee.CharField(max_length=64)
    name = peewee.CharField(max_length=255, null=True)
    trusted_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "sync_trust"
        primary_key = peewee.CompositeKey("tenant", "instance_id")


class SyncImport(BaseModel):
    """One import of a sync file: which file (its id, its sender, the one it follows); the
    import's progress and report are its run's (a SyncRun with trigger "import")."""

    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    file_id = peewee.CharField(max_length=36)
    source_instance = peewee.CharField(max_length=64)
    source_tenant = peewee.CharField(max_length=255)
    destination = peewee.CharField(max_length=255)
    sequence = peewee.IntegerField()
    follows = peewee.CharField(max_length=36, null=True)
    full_file = peewee.BooleanField()
    run_id = peewee.CharField(max_length=36)
    status = peewee.CharField(max_length=16)  # the run's: running | completed | failed
    started_at = peewee.CharField(max_length=32)
    finished_at = peewee.CharField(max_length=32, null=True)

    class Meta:
        table_name = "sync_import"


class SyncFile(BaseModel):
    """A sync file written for download (the dashboard's, the API's): kept in storage, the
    newest few per destination, until the operator has carried it."""

    id = peewee.CharField(primary_key=True, max_length=36)  # the file's own id (its header's)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    destination = peewee.CharField(max_length=255)
    sequence = peewee.IntegerField()
    follows = peewee.CharField(max_length=36, null=True)
    size = peewee.BigIntegerField()
    storage_key = peewee.CharField(max_length=512)
    counts = JSONField()
    created_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "sync_file"
