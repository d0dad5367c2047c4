"""Tenants and API keys: plain functions, callable from routes, the CLI and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError, forbidden, not_found, validation_error
from scorm_api.principals import Principal
from scorm_api.schemas import paginate
from scorm_api.tenants import apikeys
from scorm_api.tenants.models import ApiKey, Tenant

DEFAULT_TENANT_NAME = "Default"


@dataclass(frozen=True)
class IssuedKey:
    """A key as returned once, at creation: the only time its plaintext exists."""

    record: ApiKey
    plaintext: str

    def to_api(self) -> dict:
        return {**self.record.to_api(), "api_key": self.plaintext}


def _clean_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise validation_error({field: ["Must not be empty"]})
    if len(name) > 200:
        raise validation_error({field: ["Must be at most 200 characters"]})
    return name


# ---- tenants -------------------------------------------------------------------------


def create_tenant(name: str, *, is_system: bool = False, max_packages: int | None = None) -> Tenant:
    now = utcnow_iso()
    with write_transaction():
        return Tenant.create(
            id=new_id(),
            name=_clean_name(name),
            is_system=is_system,
            max_packages=max_packages,
            created_at=now,
            updated_at=now,
        )


def get_tenant(tenant_id: str) -> Tenant:
    tenant = Tenant.get_or_none(Tenant.id == tenant_id)
    if tenant is None:
        raise not_found(message="Tenant not found")
    return tenant


def visible_tenant(principal: Principal, tenant_id: str) -> Tenant:
    """The operator sees every tenant; any other key sees only its own (404 for the rest)."""
    if principal.is_operator or tenant_id == principal.tenant_id:
        return get_tenant(tenant_id)
    raise not_found(message="Tenant not found")


def list_tenants(principal: Principal, page: int, limit: int):
    query = Tenant.select().order_by(Tenant.created_at, Tenant.id)
    if not principal.is_operator:
        query = query.where(Tenant.id == principal.tenant_id)
    return paginate(query, page, limit)


def require_operator(principal: Principal, action: str) -> None:
    if not principal.is_operator:
        raise forbidden(f"Only an admin key of the system tenant can {action}")


_UNSET = object()


def update_tenant(
    principal: Principal, tenant_id: str, *, name: str | None = None, max_packages=_UNSET
) -> Tenant:
    tenant = visible_tenant(principal, tenant_id)
    if max_packages is not _UNSET:
        require_operator(principal, "change quotas")
    with write_transaction():
        if name is not None:
            tenant.name = _clean_name(name)
        if max_packages is not _UNSET:
            tenant.max_packages = max_packages
        tenant.updated_at = utcnow_iso()
        tenant.save()
    return tenant


def system_tenant() -> Tenant | None:
    return Tenant.select().where(Tenant.is_system == True).order_by(Tenant.created_at).first()  # noqa: E712


# ---- API keys ------------------------------------------------------------------------


def create_api_key(
    tenant_id: str, scopes, name: str | None = None, expires_in_days: int | None = None
) -> IssuedKey:
    """A new key, shown once; `expires_in_days`: it stops working then (None: never)."""
    scopes = apikeys.parse_scopes(scopes)
    if expires_in_days is not None and not 1 <= expires_in_days <= apikeys.MAX_EXPIRY_DAYS:
        raise validation_error({"expires_in_days": [f"Must be from 1 to {apikeys.MAX_EXPIRY_DAYS}"]})
    plaintext = apikeys.generate_api_key()
    with write_transaction():
        if not Tenant.select().where(Tenant.id == tenant_id).exists():
            raise not_found(message="Tenant not found")
        record = ApiKey.create(
            id=new_id(),
            tenant=tenant_id,
            name=_clean_name(name) if name else f"{'/'.join(scopes)} key",
            key_hash=apikeys.hash_api_key(plaintext),
            prefix=apikeys.display_prefix(plaintext),
            scopes=",".join(scopes),
            created_at=utcnow_iso(),
            expires_at=utcnow_iso(timedelta(days=expires_in_days)) if expires_in_days else None,
        )
    return IssuedKey(record, plaintext)


def list_api_keys(tenant_id: str | None, page: int = 1, limit: int = 100, include_revoked: bool = True):
    query = ApiKey.select().order_by(ApiKey.created_at.desc(), ApiKey.id)
    if tenant_id is not None:
        query = query.where(ApiKey.tenant == tenant_id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_null())
    return paginate(query, page, limit)


def revoke_api_key(key_id: str, tenant_id: str | None) -> ApiKey:
    """Revoke a key of `tenant_id` (None: any tenant, for the local CLI). Idempotent."""
    with write_transaction():
        query = ApiKey.select().where(ApiKey.id == key_id)
        if tenant_id is not None:
            query = query.where(ApiKey.tenant == tenant_id)
        key = query.first()
        if key is None:
            raise not_found(message="API key not found")
        if key.revoked_at is None:
            key.revoked_at = utcnow_iso()
            key.save()
    return key


# ---- first run -----------------------------------------------------------------------


def bootstrap() -> IssuedKey | None:
    """Create the system tenant and its first admin key on a new database.

    Returns the issued key when it was created now (so the caller prints it once), else None.
    """
    with write_transaction():
        if system_tenant() is not None:
            return None
        now = utcnow_iso()
        tenant = Tenant.create(
            id=new_id(), name=DEFAULT_TENANT_NAME, is_system=True, created_at=now, updated_at=now
        )
        return create_api_key(tenant.id, ("read", "write", "admin"), "Initial admin key")


def resolve_cli_tenant(tenant_id: str | None) -> str:
    if tenant_id:
        return get_tenant(tenant_id).id
    tenant = system_tenant()
    if tenant is None:
        raise ApiError(500, "INTERNAL_ERROR", "The database has no system tenant")
    return tenant.id
