import peewee

from scorm_api.db import BaseModel, utcnow_iso, write_transaction


class AdminSetting(BaseModel):
    """Appliance-wide settings that are not per tenant (the dashboard's password hash)."""

    name = peewee.CharField(primary_key=True, max_length=64)
    value = peewee.TextField()
    updated_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "admin_setting"


def read_setting(name: str) -> str | None:
    row = AdminSetting.get_or_none(AdminSetting.name == name)
    return row.value if row is not None else None


def write_setting(name: str, value: str) -> None:
    """Insert or replace one setting, in its own write transaction."""
    now = utcnow_iso()
    with write_transaction():
        AdminSetting.insert(name=name, value=value, updated_at=now).on_conflict(
            conflict_target=[AdminSetting.name],
            update={AdminSetting.value: value, AdminSetting.updated_at: now},
        ).execute()
