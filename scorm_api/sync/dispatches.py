"""Dispatches to the target. The seed documents the cloud's create (package, name,
registration limit, expiry, allowed domains) and its revoke, and nothing to change one; so
to the cloud a dispatch is made once with those fields, a revoke here revokes it there, and
one changed or disabled here is reported as not carried, with what to do there. Another
appliance takes the rest (PATCH, our fields, the learners' scope, so a learner who comes
through the new dispatch there resumes the session the sync carried with them).

A dispatch there has a token of its own: the shells and links sent to partners point here.
Each dispatch made there is listed with its new launch URL, to generate its zip there and
send it again. Its access password is not known here (only its hash): the report says to set
it there again."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime

from scorm_api.dispatches.models import Dispatch
from scorm_api.sync import packages
from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.profile import Profile
from scorm_api.sync.progress import Progress

KIND = "dispatch"

RESEND = "Made there with a link of its own: generate its zip there and send it to the partner again"
PASSWORD = "; set its access password there again (only its hash is kept here)"
NO_PACKAGE = "Its package was not carried to the target"
EXPIRED = "Expired here: nothing to carry"
CHANGED_HERE = (
    "Changed here after it was carried; the cloud documents no way to change a dispatch: "
    "change it there by hand"
)
DISABLED_HERE = (
    "Disabled here; the cloud documents no way to make a disabled dispatch: enable it here to "
    "carry it, or create it there"
)
MAYBE_TWICE = "A run that stopped before its answer may have made one there too: check for a duplicate"


def _version(d: Dispatch) -> str:
    fields = [
        d.dispatch_name,
        d.client_name,
        d.registration_limit,
        d.license_limit,
        d.track_licenses,
        d.expires_at,
        d.allowed_domains,
        d.enabled,
        d.revoked_at is not None,
        d.password_hash is not None,
        d.zip_standard,
    ]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:16]


def pending(tenant_id: str, links: Links) -> list[Dispatch]:
    rows = list(
        Dispatch.select().where(Dispatch.tenant == tenant_id).order_by(Dispatch.created_at, Dispatch.id)
    )
    known = links.of(KIND, [d.id for d in rows])
    out = []
    for d in rows:
        link = known.get(d.id)
        carried = link is not None and link.remote_id is not None
        if d.revoked_at and not carried:
            continue  # revoked before it ever went: nothing to carry
        if link is None or not carried or link.state != "synced" or link.local_version != _version(d):
            out.append(d)
    return out


def live_ids(tenant_id: str):
    return Dispatch.select(Dispatch.id).where(Dispatch.tenant == tenant_id)


def _hours_left(d: Dispatch) -> int | None:
    if not d.expires_at:
        return None
    ends = datetime.fromisoformat(d.expires_at.replace("Z", "+00:00"))
    return math.ceil((ends - datetime.now(UTC)).total_seconds() / 3600)


def _body(d: Dispatch, hours: int | None, manages: bool) -> dict:
    body = {
        "dispatch_name": d.dispatch_name,
        "registration_limit": d.registration_limit,
        "expires_in_hours": hours,
        "allowed_domains": d.allowed_domains,
    }
    if manages:  # our extension fields, which a cloud-contract target refuses
        body |= {
            "client_name": d.client_name,
            "license_limit": d.license_limit,
            "track_licenses": d.track_licenses,
            "standard": d.zip_standard or "scorm12",
        }
    return body


def send(target: Target, links: Links, d: Dispatch, progress: Progress, profile: Profile) -> None:
    link = links.get(KIND, d.id)
    carried = link.remote_id if link is not None else None
    version = _version(d)
    manages = profile.name == "appliance"
    if d.revoked_at:
        _revoke(target, carried)
        links.save(KIND, d.id, state="synced", local_version=version)
        progress.note(KIND, "updated", d.id, carried, reason="Revoked there too")
        return
    pkg = links.get(packages.KIND, d.package_id)
    if pkg is None or pkg.remote_id is None:
        progress.note(KIND, "not_carried", d.id, carried, reason=NO_PACKAGE)
        return
    hours = _hours_left(d)
    if hours is not None and hours <= 0:
        progress.note(KIND, "not_carried", d.id, carried, reason=EXPIRED)
        return
    if carried and not manages:
        progress.note(KIND, "not_carried", d.id, carried, reason=CHANGED_HERE)
        return
    if carried:
        try:
            target.call(
                "PATCH", f"/api/v1/dispatches/{carried}", json={**_body(d, hours, True), "enabled": d.enabled}
            )
        except TargetError as e:
            if e.status != 404:
                raise
        else:
            links.save(KIND, d.id, state="synced", local_version=version)
            progress.note(KIND, "updated", d.id, carried)
            return
    if not d.enabled and not manages:
        progress.note(KIND, "not_carried", d.id, None, reason=DISABLED_HERE)
        return
    interrupted = link is not None and link.state == "creating"
    made = _made_before(target, d) if interrupted and manages else None
    if made is None:
        links.save(KIND, d.id, state="creating", remote_id=None)
        body = {"tenant_id": target.tenant_id, "package_id": pkg.remote_id, **_body(d, hours, manages)}
        if manages:
            body["learner_scope"] = d.learner_scope
        _, answer = target.call("POST", "/api/v1/dispatches", json=body)
        made = answer.get("dispatch") or {}
    remote_id = str(made["id"])
    if not d.enabled:
        target.call("PATCH", f"/api/v1/dispatches/{remote_id}", json={"enabled": False})
    links.save(KIND, d.id, state="synced", remote_id=remote_id, local_version=version)
    reason = (MAYBE_TWICE + ". " if interrupted and not manages else "") + RESEND
    progress.note(
        KIND,
        "created",
        d.id,
        remote_id,
        reason=reason + (PASSWORD if d.password_hash else ""),
        launch_url=made.get("launch_url"),
    )


def _revoke(target: Target, remote_id: str | None) -> None:
    if remote_id is None:
        return
    try:
        target.call("DELETE", f"/api/v1/dispatches/{remote_id}")
    except TargetError as e:
        if e.status != 404:
            raise


def _made_before(target: Target, d: Dispatch) -> dict | None:
    """The target's dispatch an interrupted run made for this one (an appliance shows the
    learners' scope it was made with)."""
    page = 1
    while True:
        _, body = target.call("GET", "/api/v1/dispatches", params={"page": page, "limit": 100})
        for remote in body.get("dispatches") or []:
            if remote.get("learner_scope") == d.learner_scope:
                return remote
        if page >= int((body.get("pagination") or {}).get("total_pages") or 0):
            return None
        page += 1
