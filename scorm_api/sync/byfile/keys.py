"""This instance's Ed25519 signing key for sync files, made on first use and kept in the data
dir (0600). It is not in backups: a restored copy is another instance (a new instance id), and
it signs with a key of its own, so the office can tell the two apart."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "sync-signing.key"


def load_or_create(data_dir: Path) -> Ed25519PrivateKey:
    path = Path(data_dir) / KEY_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            raw = path.read_bytes()
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
                f.flush()
                os.fsync(f.fileno())
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def fingerprint(public_key_hex: str) -> str:
    """What an operator compares on both machines: the key's SHA-256, in groups of four."""
    digest = hashlib.sha256(bytes.fromhex(public_key_hex)).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def verify(public_key_hex: str, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
