"""The sync file: a tar whose first member is the header (`sync.json`: who sent it, to which
destination, which file it follows), then the packages' zips and the records as JSON lines,
and last `signature.json`: every member's name, size and SHA-256, signed with the sender's
Ed25519 key. A reader copies each member out as it streams by and uses nothing until the last
member's signature holds for them all."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scorm_api import tarball
from scorm_api.sync.byfile import keys
from scorm_api.tarball import Member

FORMAT = "scorm-api-sync-file"
FORMAT_VERSION = 1
HEADER = "sync.json"
SIGNATURE = "signature.json"
PACKAGES, SESSIONS, STATEMENTS = "packages.jsonl", "sessions.jsonl", "statements.jsonl"
RECORDS = (PACKAGES, SESSIONS, STATEMENTS)
_ZIP = re.compile(r"^packages/[A-Za-z0-9-]{1,64}\.zip$")
MAX_HEADER_BYTES = 1024 * 1024
MAX_SIGNATURE_BYTES = 64 * 1024 * 1024


class BadSyncFile(ValueError):
    """Not a whole, unaltered sync file of ours: said in one sentence."""


def zip_member(package_id: str) -> str:
    return f"packages/{package_id}.zip"


def _signed(members: list[list]) -> bytes:
    return json.dumps({"format": FORMAT, "members": members}, sort_keys=True, separators=(",", ":")).encode()


# A zip to write: (member name, open its bytes, their size).
Zip = tuple[str, Callable[[], BinaryIO], int]


def write(dest: Path, header: dict, zips: list[Zip], records: dict[str, Path], key: Ed25519PrivateKey) -> int:
    """The file at `dest`, whole or not at all; returns its size."""
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, **header}
    header["public_key"] = keys.public_hex(key)
    members: list[list] = []

    def listed(name: str, member: Member | None) -> None:
        if member is None:
            raise FileNotFoundError(name)
        members.append([name, member.size, member.sha256])

    with tarball.written_whole(dest) as tar:
        listed(HEADER, tarball.add_bytes(tar, HEADER, json.dumps(header, indent=1).encode()))
        for name, opener, size in zips:
            with opener() as stream:
                listed(name, tarball.add_stream(tar, name, stream, size, 0))
        for name in RECORDS:
            listed(name, tarball.add_file(tar, name, records[name]))
        signature = key.sign(_signed(members))
        doc = {"members": members, "signature": base64.b64encode(signature).decode("ascii")}
        tarball.add_bytes(tar, SIGNATURE, json.dumps(doc).encode())
    return dest.stat().st_size


@dataclass
class Read:
    header: dict
    folder: Path  # where the members were copied
    zips: set[str] = field(default_factory=set)  # the zips' member names

    def records(self, name: str) -> Iterator[dict]:
        with open(self.folder / name, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)

    def path(self, name: str) -> Path:
        return self.folder.joinpath(*name.split("/"))

    @property
    def instance_id(self) -> str:
        return self.header["instance_id"]

    @property
    def public_key(self) -> str:
        return self.header["public_key"]


_HEADER_FIELDS = {
    "file_id": str,
    "instance_id": str,
    "public_key": str,
    "tenant_id": str,
    "destination": str,
    "sequence": int,
    "full": bool,
    "created_at": str,
    "bases": list,
}


def read(path: Path, into: Path) -> Read:
    """Copy the file's members under `into` and check them: the header's form, each member's
    size and checksum, and the signature by the header's key. BadSyncFile otherwise (the
    caller then decides whether it trusts that key)."""
    seen: list[list] = []
    header_raw = signature_raw = None
    try:
        with open(path, "rb") as raw, tarfile.open(fileobj=raw, mode="r|") as tar:
            for info in tar:
                name = info.name
                if signature_raw is not None:
                    raise BadSyncFile("The sync file has data after its signature")
                if header_raw is None and name != HEADER:
                    raise BadSyncFile("This is not a sync file of ours (it does not start with its header)")
                known = name in (HEADER, SIGNATURE, *RECORDS) or _ZIP.match(name)
                if not info.isreg() or not known or any(s[0] == name for s in seen):
                    raise BadSyncFile(f"The sync file holds an entry none of ours has: {name[:200]!r}")
                source = tar.extractfile(info)
                assert source is not None  # a regular file
                if name == SIGNATURE:
                    signature_raw = _small(source, info.size, MAX_SIGNATURE_BYTES, name)
                    continue
                if name == HEADER:
                    header_raw = _small(source, info.size, MAX_HEADER_BYTES, name)
                    target = tarball.inside(into, name)
                    assert target is not None
                    target.write_bytes(header_raw)
                    member = Member(len(header_raw), _sha256(header_raw))
                else:
                    target = tarball.inside(into, name)
                    assert target is not None  # the names allowed stay inside
                    member = tarball.copy_out(source, target)
                seen.append([name, member.size, member.sha256])
    except (tarfile.TarError, EOFError):
        raise BadSyncFile("The sync file is cut short or damaged (it is not a whole sync file)") from None
    if header_raw is None or signature_raw is None:
        raise BadSyncFile("The sync file is cut short: its signature, its last part, is missing")
    header = _header(header_raw)
    try:
        doc = json.loads(signature_raw)
        listed, signature = doc["members"], base64.b64decode(doc["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise BadSyncFile("The sync file's signature is damaged") from None
    if listed != seen:
        raise BadSyncFile("The sync file was altered or damaged: its parts differ from what it lists")
    if not keys.verify(header["public_key"], signature, _signed(seen)):
        raise BadSyncFile("The sync file was altered: its signature does not hold")
    if not all(any(s[0] == r for s in seen) for r in RECORDS):
        raise BadSyncFile("The sync file lacks its records")
    return Read(header, into, {s[0] for s in seen if _ZIP.match(s[0])})


def _small(source, size: int, cap: int, name: str) -> bytes:
    data = tarball.read_small(source, size, cap)
    if data is None:
        raise BadSyncFile(f"The sync file's {name} is larger than any sync file of ours writes")
    return data


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _header(raw: bytes) -> dict:
    try:
        header = json.loads(raw)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BadSyncFile("This is not a sync file of ours (its header is not one)")
    if header.get("format_version") != FORMAT_VERSION:
        raise BadSyncFile(
            f"The sync file is of format version {header.get('format_version')!r}: "
            f"this appliance reads version {FORMAT_VERSION} (update it)"
        )
    for name, kind in _HEADER_FIELDS.items():
        if not isinstance(header.get(name), kind):
            raise BadSyncFile(f"The sync file's header is damaged ({name})")
    if not re.fullmatch(r"[0-9a-f]{64}", header["public_key"]):
        raise BadSyncFile("The sync file's header is damaged (public_key)")
    return header
