"""One string per identified Agent or Group: how statements, documents and analytics key actors."""

from __future__ import annotations


def actor_key(actor: dict | None) -> str | None:
    """The inverse functional identifier, canonical (anonymous Groups have none)."""
    if not isinstance(actor, dict):
        return None
    if "mbox" in actor:
        return "mbox:" + actor["mbox"].lower()
    if "mbox_sha1sum" in actor:
        return "sha1:" + actor["mbox_sha1sum"].lower()
    if "openid" in actor:
        return "openid:" + actor["openid"]
    if "account" in actor:
        return f"account:{actor['account']['homePage']}|{actor['account']['name']}"
    return None
