"""Receiving a presigned PUT: the URL's signature and size are storage's to check; whether the
upload it was minted for still wants its bytes is the business of the domain that minted it,
which plugs in a PutReceiver for its keys (packages: the upload tickets)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO, Protocol

from scorm_api.errors import ApiError
from scorm_api.hooks import Hook
from scorm_api.state import State
from scorm_api.storage.interface import PutGrant


class PutReceiver(Protocol):
    prefix: str  # the keys it mints URLs for start with this

    def claim(self, key: str, grant: PutGrant) -> None:
        """Take the one PUT this key allows: 404 when its upload is gone, 409 when it was
        used or is in progress."""

    def release(self, key: str) -> None:
        """The body did not arrive whole: the key may be PUT again."""

    def complete(self, key: str) -> dict[str, Any]:
        """The bytes are stored; the response body."""
        ...


PUT_RECEIVERS: Hook[PutReceiver] = Hook("storage: who minted a presigned PUT URL")


def receive(
    state: State,
    key: str,
    args: Mapping[str, str],
    content_type: str,
    content_length: int | None,
    stream: BinaryIO,
) -> dict[str, Any]:
    grant = state.storage.verify_put(key, args, content_type)
    if content_length is None:
        raise ApiError(
            411,
            "BAD_REQUEST",
            f"A Content-Length header is required (the URL was minted for exactly {grant.size} bytes)",
        )
    if content_length != grant.size:
        raise ApiError(
            400,
            "BAD_REQUEST",
            f"Content-Length {content_length} does not match the {grant.size} bytes this URL was minted for",
            {"expected_bytes": grant.size},
        )
    receiver = next((r for r in state.hooks.all(PUT_RECEIVERS) if key.startswith(r.prefix)), None)
    if receiver is None:
        raise ApiError(404, "NOT_FOUND", "This upload no longer exists")
    receiver.claim(key, grant)
    try:
        state.storage.put(key, stream, size=grant.size)
    except BaseException:
        receiver.release(key)
        raise
    return receiver.complete(key)
