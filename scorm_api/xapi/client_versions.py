"""The xAPI version each LRS client last spoke, so that a request that forgets the
X-Experience-API-Version header is refused (400) in the client's own version.

Every response must name a version, and with 1.0.3 and 2.0.0 both enabled a header-less
request names none: a 1.0.3 client would be told "2.0.0". The client is known by its
Authorization header (as sent, hashed: knowing the secret is needed to learn anything), and
only the version of its last request that passed authentication is kept. Bounded: the least
recently seen clients are forgotten first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

MAX_CLIENTS = 10_000

_lock = threading.Lock()
_versions: OrderedDict[str, str] = OrderedDict()


def _key(authorization: str) -> str:
    return hashlib.sha256(authorization.encode("utf-8", "replace")).hexdigest()


def remember(authorization: str | None, version: str) -> None:
    if not authorization:
        return
    key = _key(authorization)
    with _lock:
        _versions.pop(key, None)
        _versions[key] = version
        while len(_versions) > MAX_CLIENTS:
            _versions.popitem(last=False)


def recall(authorization: str | None) -> str | None:
    if not authorization:
        return None
    with _lock:
        return _versions.get(_key(authorization))
