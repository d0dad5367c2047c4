"""Webhook configurations to the target, as the migration guide's "Create New Webhooks".

The cloud documents one `event_type` per webhook (or `*` for all), so a webhook here that
listens to several types becomes one webhook there per type; each pair is a link
("<webhook id>:<event type>"). They are created with the documented POST and no secret: the
target makes its own, since the cloud never reveals a secret and ours stays here. Each new
secret goes into the run's report sealed, and is shown once (views.py).

The cloud documents nothing else of webhooks (no list, change or delete), so to the cloud a
webhook disabled here, or changed here after it was carried, is reported as not carried, with
what to do there by hand. Another appliance serves the rest: a disabled webhook is made and
disabled there, a changed URL or enabled flag is changed there (PATCH), one deleted there is
made again, and a run stopped between its POST and the answer adopts the webhook it made
(found by URL and type; its secret never seen, so the report says to rotate it) instead of
making a second. To the cloud such a run makes it again, and says a duplicate may be there (a
receiver that dedupes on event ids sees each event once: both carry the same ids). Event types
or webhooks removed here are reported as gone (deletions.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from scorm_api import sealing
from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.profile import Profile
from scorm_api.sync.progress import Progress
from scorm_api.webhooks.events import ALL
from scorm_api.webhooks.models import Webhook

KIND = "webhook"
PURPOSE = b"scorm-api sync webhook secret"  # what the report's new secrets are sealed for


def pairs(tenant_id: str) -> Iterator[tuple[str, Webhook, str]]:
    """(link id, webhook, event type): one per webhook and type it listens to."""
    for w in Webhook.select().where(Webhook.tenant == tenant_id).order_by(Webhook.created_at, Webhook.id):
        for type_ in [ALL] if ALL in w.events else sorted(w.events):
            yield f"{w.id}:{type_}", w, type_


def live_ids(tenant_id: str) -> list[str]:
    return [local_id for local_id, _, _ in pairs(tenant_id)]


def _version(w: Webhook) -> str:
    return hashlib.sha256(f"{w.url}\n{w.enabled}".encode()).hexdigest()[:16]


def pending(tenant_id: str, links: Links) -> list[tuple[str, Webhook, str]]:
    todo = list(pairs(tenant_id))
    known = links.of(KIND, [local_id for local_id, _, _ in todo])
    return [
        (local_id, w, t)
        for local_id, w, t in todo
        if (link := known.get(local_id)) is None
        or link.remote_id is None
        or link.state != "synced"
        or link.local_version != _version(w)
    ]


CHANGED_HERE = (
    "Changed here after it was carried (URL or enabled); the cloud documents no way to change "
    "a webhook: change it there by hand"
)
ADOPTED = "Made by a run that stopped before its answer: rotate its secret there"
MAYBE_TWICE = "A run that stopped before its answer may have made one there too: check for a duplicate"
DISABLED_HERE = (
    "Disabled here; the cloud documents no way to make a disabled webhook: enable it here to "
    "carry it, or create it there"
)


def send(
    target: Target,
    links: Links,
    local_id: str,
    w: Webhook,
    type_: str,
    progress: Progress,
    secret: bytes,
    profile: Profile,
) -> None:
    link = links.get(KIND, local_id)
    carried = link.remote_id if link is not None else None  # its webhook there, if made
    version = _version(w)
    manages = profile.name == "appliance"  # the rest of the webhook API, not the cloud's
    if not manages and (carried or not w.enabled):
        progress.note(
            KIND, "not_carried", local_id, carried, reason=CHANGED_HERE if carried else DISABLED_HERE
        )
        return
    if carried:
        try:
            target.call("PATCH", f"/api/v1/webhooks/{carried}", json={"url": w.url, "enabled": w.enabled})
        except TargetError as e:
            if e.status != 404:
                raise
        else:
            links.save(KIND, local_id, state="synced", local_version=version)
            progress.note(KIND, "updated", local_id, carried)
            return
    interrupted = link is not None and link.state == "creating"
    adopted = _made_before(target, w, type_) if interrupted and manages else None
    if adopted is not None:
        remote_id, new_secret = adopted, None
    else:
        links.save(KIND, local_id, state="creating", remote_id=None)
        _, body = target.call(
            "POST",
            "/api/v1/webhooks",
            json={"tenant_id": target.tenant_id, "url": w.url, "event_type": type_},
        )
        remote_id, new_secret = str(body["id"]), body.get("secret")
    if not w.enabled:
        target.call("PATCH", f"/api/v1/webhooks/{remote_id}", json={"enabled": False})
    links.save(KIND, local_id, state="synced", remote_id=remote_id, local_version=version)
    progress.note(KIND, "created", local_id, remote_id)
    progress.secret(
        {
            "webhook_id": w.id,
            "remote_id": remote_id,
            "url": w.url,
            "event_type": type_,
            "secret_sealed": sealing.seal(secret, new_secret, PURPOSE) if new_secret else None,
            "note": ADOPTED if adopted is not None else MAYBE_TWICE if interrupted else None,
        }
    )


def _made_before(target: Target, w: Webhook, type_: str) -> str | None:
    """The target's webhook an interrupted run made for this pair, if it made one."""
    page = 1
    while True:
        _, body = target.call("GET", "/api/v1/webhooks", params={"page": page, "limit": 100})
        for remote in body.get("webhooks") or []:
            if remote.get("url") == w.url and (remote.get("event_type") or ALL) == type_:
                return str(remote["id"])
        if page >= int((body.get("pagination") or {}).get("total_pages") or 0):
            return None
        page += 1
