"""Signatures, as the cloud signs (a receiver written for it verifies ours unchanged), and our
replay protection beside them.

- `X-Allure-Signature`: hex HMAC-SHA256 of the raw body with the webhook's secret, and
  `X-Allure-Signature-Algorithm: sha256` (the cloud's webhook-security page).
- `X-Appliance-Timestamp` (Unix seconds) and `X-Appliance-Signature: t=<timestamp>,v1=<hex
  HMAC-SHA256 of "<timestamp>.<body>">`: a receiver that refuses timestamps older than
  REPLAY_WINDOW_SECONDS cannot be replayed an old delivery. During a secret's rotation
  grace period it carries a v1 for each secret, and `X-Allure-Signature-Previous` is the
  body's signature with the previous one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

REPLAY_WINDOW_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def headers(secret: str, previous: str | None, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    signed = timestamp.encode() + b"." + body
    versions = [f"v1={sign(s, signed)}" for s in (secret, previous) if s]
    out = {
        "X-Allure-Signature": sign(secret, body),
        "X-Allure-Signature-Algorithm": "sha256",
        "X-Appliance-Timestamp": timestamp,
        "X-Appliance-Signature": ",".join([f"t={timestamp}", *versions]),
    }
    if previous:
        out["X-Allure-Signature-Previous"] = sign(previous, body)
    return out


def verify(secret: str, body: bytes, got: dict[str, str], now: float | None = None) -> bool:
    """What a receiver does (the README shows it in Python and JavaScript): both signatures,
    and the timestamp within the window."""
    if not hmac.compare_digest(sign(secret, body), got.get("X-Allure-Signature", "")):
        return False
    parts = dict(p.split("=", 1) for p in got.get("X-Appliance-Signature", "").split(",") if "=" in p)
    stamp = got.get("X-Appliance-Timestamp", "")
    if not stamp.isdigit() or parts.get("t") != stamp:
        return False
    if abs((now if now is not None else time.time()) - int(stamp)) > REPLAY_WINDOW_SECONDS:
        return False
    expected = sign(secret, stamp.encode() + b"." + body)
    v1s = [v for k, v in (p.split("=", 1) for p in got["X-Appliance-Signature"].split(",")) if k == "v1"]
    return any(hmac.compare_digest(expected, v) for v in v1s)
