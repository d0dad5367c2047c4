"""Signed statements (xAPI Data 2.6): a JWS attachment whose payload is the statement itself.

The LRS checks that a signature is well formed, not that its signer is trusted: the JWS must
decode, use RS256/384/512, carry a JSON statement logically equal to the one received (by the
specification's comparison rules) and, when its header holds an X.509 certificate, verify
against that certificate's key.
"""

from __future__ import annotations

import base64
import json
import re

from werkzeug.http import parse_options_header

from scorm_api.errors import bad_request
from scorm_api.xapi import validation

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
ALGORITHMS = ("RS256", "RS384", "RS512")
# Properties the LRS sets or that are not part of a statement (Data 2.3.1's exceptions).
_IGNORED = ("authority", "stored", "version", "attachments")
_SECONDS = re.compile(r"(\d+)(?:[.,](\d+))?S$")


def signature_attachments(statement: dict) -> list[dict]:
    return [a for a in statement.get("attachments") or () if a.get("usageType") == SIGNATURE]


def check(statement: dict, token: bytes, path: str) -> None:
    """Raise 400 unless `token` is a well-formed signature of `statement`."""
    # Imported on the first signed statement: few LRS clients sign, and PyJWT with
    # cryptography's x509 is a sixth of every start-up (the CLI's included).
    import jwt
    from cryptography import x509

    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise bad_request(f"{path}: the signature is not a JWS") from None
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise bad_request(f"{path}: the signature must use RS256, RS384 or RS512, not {alg!r}")
    try:
        if "x5c" in header:
            cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
            # Only RS256/384/512 are accepted above: an RSA key, or the check fails.
            key = cert.public_key()
            decoded = jwt.api_jws.decode_complete(token, key=key, algorithms=[alg])  # type: ignore[arg-type]
        else:
            decoded = jwt.api_jws.decode_complete(token, options={"verify_signature": False})
        original = json.loads(decoded["payload"].decode("utf-8"))
    except jwt.InvalidSignatureError:
        raise bad_request(f"{path}: the signature does not verify against its x5c certificate") from None
    except (jwt.InvalidTokenError, ValueError, TypeError, IndexError, UnicodeDecodeError):
        raise bad_request(f"{path}: the signature's payload is not a JSON statement") from None
    if not isinstance(original, dict) or _comparable(original, statement) != _comparable(statement, original):
        raise bad_request(f"{path}: the signed statement differs from the statement sent")


def _comparable(statement: dict, other: dict):
    """`statement` reduced to what the comparison rules let differ; properties the LRS may
    have filled (id, timestamp) count only when both sides have them."""
    out = {k: v for k, v in statement.items() if k not in _IGNORED}
    for lrs_may_set in ("id", "timestamp"):
        if lrs_may_set not in other:
            out.pop(lrs_may_set, None)
    return _normal(out, "")


def _normal(value, key: str):
    if isinstance(value, dict):
        return {k: _normal(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normal(v, key) for v in value]
        # A Group's members are an unordered list.
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True)) if key == "member" else items
    if not isinstance(value, str):
        return value
    if key in ("id", "registration") and validation.is_uuid(value):
        return value.lower()
    if key in ("timestamp", "stored"):
        return validation.utc_iso(value, key)
    if key == "mbox" and "@" in value:
        local, domain = value.rsplit("@", 1)
        return f"{local}@{domain.lower()}"
    if key == "duration":
        return _SECONDS.sub(lambda m: f"{m.group(1)}.{(m.group(2) or '')[:2].ljust(2, '0')}S", value)
    return value


def is_octet_stream(content_type: str) -> bool:
    return parse_options_header(content_type)[0] == "application/octet-stream"
