import peewee

from app.db import BaseModel


class AdminSetting(BaseModel):
    """Appliance-wide settings that are not per tenant (the dashboard's password hash)."""
    name = peewee.CharField(primary_key=True, max_length=64)
    value = peewee.TextField()
    updated_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "admin_setting"


class DashboardLogin(BaseModel):
    """One signed-in dashboard browser: the cookie's token (hashed) and its CSRF token."""
    id = peewee.CharField(primary_key=True, max_length=36)
    token_hash = peewee.CharField(max_length=64, unique=True)
    csrf_token = peewee.CharField(max_length=64)
    created_at = peewee.CharField(max_length=32)
    expires_at = peewee.CharField(max_length=32)

    class Meta:
        table_name = "dashboard_login"
