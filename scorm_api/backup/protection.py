"""The passphrase of a backup: scrypt turns it into two keys, one encrypting the data dir's
secrets (AES-GCM), one sealing the manifest (HMAC-SHA256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass

MIN_PASSPHRASE = 8
# scrypt's cost: about 0.1 s and 32 MiB here, once per backup or restore; a guess at the
# passphrase costs an attacker as much.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_AAD = b"scorm-api backup secrets"


class WrongPassphrase(ValueError):
    pass


class WeakPassphrase(ValueError):
    pass


@dataclass(frozen=True)
class Protection:
    salt: bytes
    n: int
    r: int
    p: int
    enc_key: bytes
    mac_key: bytes

    @property
    def kdf(self) -> dict:
        """What the manifest says of the derivation (never the keys)."""
        salt = base64.b64encode(self.salt).decode("ascii")
        return {"name": "scrypt", "salt": salt, "n": self.n, "r": self.r, "p": self.p}

    def stored(self) -> str:
        """The derivation and both keys, as text to keep (sealed) for unattended backups."""
        enc, mac = (base64.b64encode(k).decode("ascii") for k in (self.enc_key, self.mac_key))
        return json.dumps({**self.kdf, "enc": enc, "mac": mac})

    @classmethod
    def from_stored(cls, text: str) -> Protection:
        k = json.loads(text)
        b64 = base64.b64decode
        return cls(b64(k["salt"]), k["n"], k["r"], k["p"], b64(k["enc"]), b64(k["mac"]))

    def seal(self, text: bytes) -> str:
        return hmac.new(self.mac_key, text, hashlib.sha256).hexdigest()

    def sealed_by(self, text: bytes, seal: str) -> bool:
        return hmac.compare_digest(self.seal(text), seal)

    def encrypt(self, plain: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(12)
        return nonce + AESGCM(self.enc_key).encrypt(nonce, plain, _AAD)

    def decrypt(self, blob: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            return AESGCM(self.enc_key).decrypt(blob[:12], blob[12:], _AAD)
        except (InvalidTag, ValueError):
            raise WrongPassphrase("The passphrase does not open this backup") from None


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise WeakPassphrase(f"A backup's passphrase has at least {MIN_PASSPHRASE} characters")


def derive(
    passphrase: str, salt: bytes | None = None, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P
) -> Protection:
    """New keys (a fresh salt) for a backup, or a backup's keys again from its manifest's kdf."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    salt = os.urandom(16) if salt is None else salt
    keys = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return Protection(salt, n, r, p, keys[:32], keys[32:])


def from_kdf(passphrase: str, kdf: dict) -> Protection:
    """A manifest's derivation: only scrypt, with costs no larger than a backup of ours uses
    (a hostile file must not make a restore spend gigabytes of memory)."""
    if kdf.get("name") != "scrypt":
        raise ValueError("unknown key derivation")
    n, r, p = kdf.get("n"), kdf.get("r"), kdf.get("p")
    if not (_whole(n) and _whole(r) and _whole(p)):
        raise ValueError("bad key derivation parameters")
    assert isinstance(n, int) and isinstance(r, int) and isinstance(p, int)
    # At most 64 MiB (128 * n * r bytes): twice what our own backups use.
    if not (2 <= n <= 2**16 and n & (n - 1) == 0 and 1 <= r <= 8 and 1 <= p <= 4):
        raise ValueError("key derivation parameters out of range")
    salt = base64.b64decode(str(kdf.get("salt", "")), validate=True)
    if not 8 <= len(salt) <= 64:
        raise ValueError("bad salt")
    return derive(passphrase, salt, n, r, p)


def _whole(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
