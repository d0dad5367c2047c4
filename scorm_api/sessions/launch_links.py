"""Launch links: what the seed's POST /sessions answers as launch_url. A link carries a
short-lived signed token for one session (and optionally an item, a cmi5 launch mode, a
redirect straight to xAPI content); the player (scorm_api.player) redeems it.

The player's own tokens are minted with the same signer under their own purposes: a page
token per opened link, a runtime token per delivered item."""

from __future__ import annotations

import time

from scorm_api.config import Settings
from scorm_api.sessions.models import Session
from scorm_api.signing import Signer

LAUNCH, PAGE, RUNTIME = "launch", "page", "runtime"


def launch_link(
    signer: Signer,
    settings: Settings,
    session: Session,
    item_id: str | None = None,
    launch_mode: str | None = None,
    redirect: bool = False,
) -> tuple[str, int]:
    """(URL, expiry in epoch seconds). `item_id`: open that item; `launch_mode` (cmi5):
    Normal, Browse or Review; `redirect` (xAPI/cmi5 with an item): the link goes straight to
    the content, without the player page."""
    payload: dict = {"s": session.id}
    if item_id:
        payload["i"] = item_id
    if launch_mode:
        payload["m"] = launch_mode
    if redirect:
        payload["r"] = 1
    token = signer.dumps(LAUNCH, payload)
    return (
        f"{settings.content_base_url}/player/launch/{token}",
        int(time.time()) + settings.launch_link_ttl_seconds,
    )
