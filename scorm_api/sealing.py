"""Secrets at rest that the appliance must read back (a sync target's API key, a webhook's
signing secret): Fernet-encrypted with a key derived from the data dir's secret
(scorm_api.signing) for one purpose each, so a copy of the database alone (a backup, a support
bundle) does not hold them, and a value sealed for one purpose opens for no other."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


# cryptography is imported at the first seal or unseal, not with the app (start-up time).
def _fernet(secret: bytes, purpose: bytes) -> Fernet:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: bytes, text: str, purpose: bytes) -> str:
    return _fernet(secret, purpose).encrypt(text.encode("utf-8")).decode("ascii")


def unseal(secret: bytes, sealed: str, purpose: bytes) -> str | None:
    """The text, or None when this data dir's secret cannot open it (another data dir's)."""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(secret, purpose).decrypt(sealed.encode("ascii")).decode("utf-8")
    except InvalidToken:
        return None


def hint(text: str) -> str:
    """What may be shown of a sealed value: its last four characters."""
    return "…" + text[-4:] if len(text) > 8 else "…"
