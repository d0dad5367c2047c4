"""What a backup holds and says of itself: its members' names, the manifest's fields, and the
checks a file read back must pass before anything of it is used."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from scorm_api.tarball import Member

FORMAT = "scorm-api-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE = "scorm-api.db"
SECRETS = "secrets.bin"
FILES = "files"  # the stored files, under files/ as in the data dir
MAX_MANIFEST_BYTES = 256 * 1024 * 1024


class BadBackup(ValueError):
    """The file is not a whole, unaltered backup of ours: said in one sentence."""


@dataclass
class Manifest:
    created_at: str
    app_version: str
    instance_id: str  # the data dir it was taken from
    counts: dict[str, int]  # rows per table of the database
    members: dict[str, Member] = field(default_factory=dict)
    kdf: dict = field(default_factory=dict)
    seal: str = ""

    def body(self) -> bytes:
        """The sealed text: everything but the seal, in one canonical form."""
        doc = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "app_version": self.app_version,
            "instance_id": self.instance_id,
            "counts": dict(sorted(self.counts.items())),
            "members": [[name, m.size, m.sha256] for name, m in sorted(self.members.items())],
            "kdf": self.kdf,
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def to_bytes(self) -> bytes:
        doc = json.loads(self.body())
        doc["seal"] = self.seal
        return json.dumps(doc, sort_keys=True, indent=1).encode("utf-8")

    @property
    def file_count(self) -> int:
        return sum(1 for name in self.members if name.startswith(FILES + "/"))

    @property
    def file_bytes(self) -> int:
        return sum(m.size for name, m in self.members.items() if name.startswith(FILES + "/"))


def member_name_ok(name: str) -> bool:
    """The names a backup of ours has: the database, the secrets, and relative paths under
    files/ that stay there (a hostile file's ../ or /etc/... goes nowhere)."""
    if name in (DATABASE, SECRETS, MANIFEST):
        return True
    path = PurePosixPath(name)
    parts = path.parts
    return (
        not path.is_absolute()
        and len(parts) >= 2
        and parts[0] == FILES
        and all(p not in ("", ".", "..") for p in parts)
        and "\\" not in name
        and "\x00" not in name
    )


def parse(raw: bytes) -> Manifest:
    try:
        doc = json.loads(raw)
        if doc.get("format") != FORMAT:
            raise BadBackup("This file is not a backup of the SCORM API appliance")
        if doc.get("format_version") != FORMAT_VERSION:
            raise BadBackup(
                f"This backup's format ({doc.get('format_version')!r}) is not one this version reads"
            )
        members = {}
        for name, size, sha in doc["members"]:
            if not (isinstance(name, str) and isinstance(size, int) and isinstance(sha, str)):
                raise TypeError
            members[name] = Member(size, sha)
        counts = {str(k): v for k, v in doc["counts"].items()}
        if not all(isinstance(v, int) for v in counts.values()) or not isinstance(doc["kdf"], dict):
            raise TypeError
        return Manifest(
            created_at=str(doc["created_at"]),
            app_version=str(doc["app_version"]),
            instance_id=str(doc["instance_id"]),
            counts=counts,
            members=members,
            kdf=doc["kdf"],
            seal=str(doc["seal"]),
        )
    except BadBackup:
        raise
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadBackup("The backup's manifest is damaged") from None
