"""A webhook's signing secret: chosen by its user or generated, shown once (at creation and at a
rotation), kept sealed (scorm_api.sealing). A rotation keeps the previous secret signing beside
the new one for GRACE_SECONDS, so a receiver can move to the new one without missing a
delivery."""

from __future__ import annotations

from datetime import timedelta

from scorm_api import sealing
from scorm_api.db import utcnow_iso
from scorm_api.errors import ApiError
from scorm_api.state import State
from scorm_api.webhooks import signing
from scorm_api.webhooks.models import Webhook

PURPOSE = b"scorm-api webhook secret"
GRACE_SECONDS = 24 * 3600


def seal(state: State, secret: str) -> str:
    return sealing.seal(state.secret, secret, PURPOSE)


def _open(state: State, sealed: str) -> str:
    secret = sealing.unseal(state.secret, sealed, PURPOSE)
    if secret is None:
        raise ApiError(
            409, "CONFLICT", "This webhook's secret cannot be read with this data dir's secret; rotate it"
        )
    return secret


def grace_until(webhook: Webhook) -> str | None:
    """Until when the previous secret still signs; None when it no longer does."""
    until = webhook.previous_until
    return until if webhook.previous_secret_sealed and until and until > utcnow_iso() else None


def current(state: State, webhook: Webhook) -> tuple[str, str | None]:
    """(the secret, the previous one while its grace period lasts)."""
    sealed = webhook.previous_secret_sealed
    previous = _open(state, sealed) if sealed and grace_until(webhook) else None
    return _open(state, webhook.secret_sealed), previous


def rotation(state: State, webhook: Webhook, secret: str | None) -> tuple[str, dict]:
    """The new secret and the columns a rotation writes."""
    new = secret or signing.new_secret()
    until = utcnow_iso(timedelta(seconds=GRACE_SECONDS))
    return new, {
        "secret_sealed": seal(state, new),
        "previous_secret_sealed": webhook.secret_sealed,
        "previous_until": until,
    }
