"""The saved sync target of a tenant (URL, remote tenant id, API key sealed, schedule), and
the destination a run goes to: given outright, or the saved one."""

from __future__ import annotations

from dataclasses import dataclass

from scorm_api import outbound
from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.errors import ApiError, validation_error
from scorm_api.sync import keys
from scorm_api.sync.models import SyncTarget


@dataclass(frozen=True)
class Destination:
    """Where a run sends to: the target's base URL, an API key of it, the tenant there;
    `allow_internal`: the system tenant's operator may send to loopback and private addresses
    (outbound.py), nobody else."""

    url: str
    api_key: str
    remote_tenant_id: str
    allow_internal: bool = False
    lrs: tuple[str, str] | None = None  # the target LRS's (key, secret), when given
    propagate_deletes: bool = False  # delete there what was deleted here (deletions.py)


def public(row: SyncTarget | None) -> dict | None:
    if row is None:
        return None
    return {
        "url": row.url,
        "tenant_id": row.remote_tenant_id,
        "api_key_hint": row.api_key_hint,
        "lrs_key_hint": row.lrs_key_hint,
        "schedule_minutes": row.schedule_minutes,
        "updated_at": row.updated_at,
    }


def get(tenant_id: str) -> SyncTarget | None:
    return SyncTarget.get_or_none(SyncTarget.tenant == tenant_id)


def save(
    tenant_id: str,
    secret: bytes,
    *,
    url: str,
    remote_tenant_id: str,
    api_key: str | None,
    schedule_minutes: int | None,
    allow_internal: bool = False,
    lrs: tuple[str, str] | None = None,
) -> SyncTarget:
    """Create or change the saved target; the keys may be left out to keep the saved ones."""
    url = outbound.check_destination(url, allow_internal)
    with write_transaction():
        row = get(tenant_id)
        if row is None and not api_key:
            raise validation_error({"api_key": ["Required the first time"]})
        fields = {
            "url": url,
            "remote_tenant_id": remote_tenant_id,
            "schedule_minutes": schedule_minutes,
            "updated_at": utcnow_iso(),
        }
        if api_key:
            fields.update(api_key_encrypted=keys.seal(secret, api_key), api_key_hint=keys.hint(api_key))
        if lrs:
            fields.update(
                lrs_credentials_encrypted=keys.seal(secret, ":".join(lrs)), lrs_key_hint=keys.hint(lrs[0])
            )
        if row is None:
            SyncTarget.create(tenant=tenant_id, **fields)
        else:
            SyncTarget.update(**fields).where(SyncTarget.tenant == tenant_id).execute()
    saved = get(tenant_id)
    assert saved is not None  # just written, in this transaction
    return saved


def delete(tenant_id: str) -> bool:
    with write_transaction():
        return bool(SyncTarget.delete().where(SyncTarget.tenant == tenant_id).execute())


def destination(
    tenant_id: str,
    secret: bytes,
    url: str | None = None,
    api_key: str | None = None,
    remote_tenant_id: str | None = None,
    *,
    allow_internal: bool = False,
    lrs: tuple[str, str] | None = None,
    propagate_deletes: bool = False,
) -> Destination:
    """What a run sends to: the values given, the saved target's for those left out."""
    if url and api_key and remote_tenant_id:
        return Destination(
            url=outbound.check_destination(url, allow_internal),
            api_key=api_key,
            remote_tenant_id=remote_tenant_id,
            allow_internal=allow_internal,
            lrs=lrs,
            propagate_deletes=propagate_deletes,
        )
    row = get(tenant_id)
    if row is None:
        raise ApiError(
            409, "CONFLICT", "No sync target: give url, api_key and tenant_id, or save a target first"
        )
    saved_lrs = None
    if row.lrs_credentials_encrypted:
        key, _, lrs_secret = keys.unseal(secret, row.lrs_credentials_encrypted).partition(":")
        saved_lrs = (key, lrs_secret)
    return Destination(
        url=outbound.check_destination(url or row.url, allow_internal),
        api_key=api_key or keys.unseal(secret, row.api_key_encrypted),
        remote_tenant_id=remote_tenant_id or row.remote_tenant_id,
        allow_internal=allow_internal,
        lrs=lrs or saved_lrs,
        propagate_deletes=propagate_deletes,
    )
