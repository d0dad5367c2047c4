"""Signed-in dashboard browsers. The cookie carries a random token (only its SHA-256 is
stored); each sign-in has its own CSRF token, which every state-changing request must echo."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scorm_api.dashboard.models import DashboardLogin
from scorm_api.db import new_id, utcnow_iso, write_transaction

COOKIE = "scorm_dashboard"
TTL = timedelta(hours=12)
ONE_TIME_TTL = timedelta(seconds=120)


@dataclass(frozen=True)
class Login:
    id: str
    csrf_token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def start(ttl: timedelta = TTL, one_time: bool = False) -> tuple[str, Login]:
    """A new sign-in: (cookie token, login); `one_time`: a token to redeem, not a cookie."""
    token = secrets.token_urlsafe(32)
    login = Login(new_id(), secrets.token_urlsafe(32))
    now = datetime.now(UTC)
    with write_transaction():
        DashboardLogin.delete().where(DashboardLogin.expires_at < _iso(now)).execute()
        DashboardLogin.create(
            id=login.id,
            token_hash=_hash(token),
            csrf_token=login.csrf_token,
            created_at=utcnow_iso(),
            expires_at=_iso(now + ttl),
            one_time=one_time,
        )
    return token, login


def one_time_token() -> str:
    """A token that signs one browser in once, within two minutes: the desktop window opens
    /dashboard/auto-login?token=... with it instead of asking for the password. Whoever can
    mint it can read the data dir, and is the operator anyway. It is not a sign-in itself:
    sent as the cookie it signs nobody in."""
    return start(ONE_TIME_TTL, one_time=True)[0]


def redeem(token: str | None) -> str | None:
    """Exchange a one-time token for a fresh sign-in's cookie token; None when unknown, used
    or expired. Spending it is one DELETE, so of two browsers racing with the same link only
    one gets in."""
    if not token or len(token) > 200:
        return None
    with write_transaction():
        spent = (
            DashboardLogin.delete()
            .where(
                (DashboardLogin.token_hash == _hash(token))
                & DashboardLogin.one_time
                & (DashboardLogin.expires_at >= _iso(datetime.now(UTC)))
            )
            .execute()
        )
    return start()[0] if spent == 1 else None


def find(token: str | None) -> Login | None:
    """The sign-in a cookie token names (never a one-time token)."""
    if not token or len(token) > 200:
        return None
    row = DashboardLogin.get_or_none(DashboardLogin.token_hash == _hash(token))
    if row is None or row.one_time or row.expires_at < _iso(datetime.now(UTC)):
        return None
    return Login(row.id, row.csrf_token)


def end(token: str | None) -> None:
    if token:
        with write_transaction():
            DashboardLogin.delete().where(DashboardLogin.token_hash == _hash(token)).execute()


def end_all_except(login_id: str | None) -> None:
    """After a password change every other browser must sign in again."""
    with write_transaction():
        DashboardLogin.delete().where(DashboardLogin.id != (login_id or "")).execute()
