import peewee

from app.db import BaseModel


class AdminSetting(BaseModel):
    """Appliance-wide settings that are not per tenant (the dashboard's password hash)."""
    name = peewee.CharField(primary_key=True, max_length=64)
    value = peewee.TextField()
    updated_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "admin_setting"
