import peewee

from scorm_api.db import BaseModel, utcnow_iso


class Tenant(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36)
    name = peewee.CharField(max_length=200)
    is_system = peewee.BooleanField(default=False)
    max_packages = peewee.IntegerField(null=True)  # None: no quota
    created_at = peewee.CharField(max_length=32)
    updated_at = peewee.CharField(max_length=32)

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "is_system": self.is_system,
            "quotas": {"max_packages": self.max_packages},
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class ApiKey(BaseModel):
    id = peewee.CharField(primary_key=True, max_length=36)
    tenant_id: str
    tenant = peewee.ForeignKeyField(Tenant, column_name="tenant_id", on_delete="CASCADE")
    name = peewee.CharField(max_length=200)
    key_hash = peewee.CharField(max_length=64, unique=True)
    prefix = peewee.CharField(max_length=32)
    scopes = peewee.CharField(max_length=64)  # comma-separated, canonical order
    created_at = peewee.CharField(max_length=32)
    last_used_at = peewee.CharField(max_length=32, null=True)
    revoked_at = peewee.CharField(max_length=32, null=True)
    expires_at = peewee.CharField(max_length=32, null=True)  # None: never

    class Meta:
        table_name = "api_key"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split(",")

    def to_api(self) -> dict:
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "name": self.name,
            "prefix": self.prefix,
            "scopes": self.scope_list,
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
            "expires_at": self.expires_at,
            "status": "revoked"
            if self.revoked_at
            else "expired"
            if self.expires_at and self.expires_at <= utcnow_iso()
            else "active",
        }
