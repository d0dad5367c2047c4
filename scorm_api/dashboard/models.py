import peewee

from scorm_api.db import BaseModel


class DashboardLogin(BaseModel):
    """One signed-in dashboard browser: the cookie's token (hashed) and its CSRF token."""

    id = peewee.CharField(primary_key=True, max_length=36)
    token_hash = peewee.CharField(max_length=64, unique=True)
    csrf_token = peewee.CharField(max_length=64)
    created_at = peewee.CharField(max_length=32)
    expires_at = peewee.CharField(max_length=32)
    one_time = peewee.BooleanField(default=False)  # a one-time sign-in token, not a sign-in

    class Meta:
        table_name = "dashboard_login"
