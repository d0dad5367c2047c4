"""A webhook's signing secret: chosen by its user or generated, shown once (at creation and at a
rotation), kept sealed (scorm_api.sealing). A rotation keeps the previous secret signing beside
the new one for GRACE_SECONDS, so a receiver can move to the new one without missing a
delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scorm_api import sealing
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


def current(state: State, webhook: Webhook) -> tuple[str, str | None]:
    """(the secret, the previous one while its grace period lasts)."""
    previous = None
    if webhook.previous_secret_sealed and (webhook.previous_until or "") > _iso(datetime.now(UTC)):
        previous = _open(state, webhook.previous_secret_sealed)
    return _open(state, webhook.secret_sealed), previous


def rotation(state: State, webhook: Webhook, secret: str | None) -> tuple[str, dict]:
    """The new secret and the columns a rotation writes."""
    new = secret or signing.new_secret()
    until = _iso(datetime.now(UTC) + timedelta(seconds=GRACE_SECONDS))
    return new, {
        "secret_sealed": seal(state, new),
        "previous_secret_sealed": webhook.secret_sealed,
        "previous_until": until,
    }


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
