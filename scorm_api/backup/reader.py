"""Reading a backup back: every member checked against the sealed manifest before anything of
it is used; `verify` does the reading alone, `restore` moves what it read into a new data dir."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scorm_api import tarball
from scorm_api.backup import database
from scorm_api.backup.manifest import (
    DATABASE,
    FILES,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    SECRETS,
    BadBackup,
    Manifest,
    member_name_ok,
    parse,
)
from scorm_api.backup.protection import from_kdf
from scorm_api.migrations import latest_version
from scorm_api.signing import SECRET_FILE, new_instance_id, write_instance_id
from scorm_api.tarball import Member

MAX_SECRETS_BYTES = 1024 * 1024


@dataclass
class Read:
    manifest: Manifest
    secrets: dict[str, bytes]  # file name in the data dir -> its bytes


def read(path: Path, passphrase: str, into: Path, keep_files: bool) -> Read:
    """Read the backup at `path`, writing its database (and, with keep_files, its files) under
    `into`; BadBackup for a file cut short, altered or not ours, WrongPassphrase when the
    passphrase does not open it."""
    seen: dict[str, Member] = {}
    manifest_raw = secrets_raw = None
    try:
        with open(path, "rb") as raw, tarfile.open(fileobj=raw, mode="r|") as tar:
            for info in tar:
                name = info.name
                if manifest_raw is not None:
                    raise BadBackup("The backup has data after its manifest")
                if not info.isreg() or not member_name_ok(name) or name in seen:
                    raise BadBackup(f"The backup holds an entry no backup of ours has: {name[:200]!r}")
                source = tar.extractfile(info)
                assert source is not None  # a regular file
                if name == MANIFEST:
                    manifest_raw = _small(source, info.size, MAX_MANIFEST_BYTES, name)
                    continue
                if name == SECRETS:
                    secrets_raw = _small(source, info.size, MAX_SECRETS_BYTES, name)
                    seen[name] = Member(len(secrets_raw), hashlib.sha256(secrets_raw).hexdigest())
                    continue
                target = _inside(into, name) if keep_files or name == DATABASE else None
                seen[name] = tarball.copy_out(source, target)
    except (tarfile.TarError, EOFError):
        raise BadBackup("The backup is cut short or damaged (it is not a whole backup file)") from None
    if manifest_raw is None:
        raise BadBackup("The backup is cut short: its manifest, its last part, is missing")
    manifest = parse(manifest_raw)
    _check_members(manifest, seen)
    try:
        protection = from_kdf(passphrase, manifest.kdf)
    except (ValueError, binascii.Error):
        raise BadBackup("The backup's manifest is damaged (its key derivation)") from None
    assert secrets_raw is not None  # listed in the manifest, so seen
    kept = protection.decrypt(secrets_raw)  # WrongPassphrase
    if not protection.sealed_by(manifest.body(), manifest.seal):
        raise BadBackup("The backup was altered: its manifest does not match its seal")
    problem = database.damaged(into / DATABASE)
    if problem:
        raise BadBackup(f"The backup's database is damaged: {problem}")
    counts = database.table_counts(into / DATABASE)
    if counts != manifest.counts:
        raise BadBackup("The backup's database does not hold the rows its manifest counts")
    try:
        found = {k: base64.b64decode(v, validate=True) for k, v in json.loads(kept).items()}
    except (ValueError, AttributeError, binascii.Error):
        raise BadBackup("The backup's secrets are damaged") from None
    if set(found) != {SECRET_FILE}:
        raise BadBackup("The backup's secrets are not the ones a data dir has")
    return Read(manifest, found)


def verify(path: Path, passphrase: str, work_dir: Path | None = None) -> Manifest:
    """Everything restore checks, restoring nothing: the database goes to a scratch folder
    (to count its rows), the files are only hashed."""
    scratch = Path(tempfile.mkdtemp(prefix="backup-verify-", dir=work_dir))
    try:
        return read(path, passphrase, scratch, keep_files=False).manifest
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class RestoreError(RuntimeError):
    pass


def restore(path: Path, data_dir: Path, passphrase: str) -> Manifest:
    """Restore into `data_dir`, which must be empty or not exist. Read into a folder inside it
    first; only a backup that passes every check is moved into place, with a new instance id
    (it is a copy: a sync target must tell it from the data dir it came from). On any failure
    the data dir is left empty."""
    data_dir = Path(data_dir)
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise RestoreError(f"{data_dir} is not empty: a backup is restored into an empty data dir")
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = data_dir / f".restore-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        got = read(path, passphrase, staging, keep_files=True)
        schema, known = database.schema_version(staging / DATABASE), latest_version()
        if schema > known:
            raise RestoreError(
                f"This backup was taken by a newer version of the appliance ({got.manifest.app_version}, "
                f"schema {schema}; this one knows {known}): restore it with that version or later"
            )
        os.replace(staging / DATABASE, data_dir / DATABASE)
        if (staging / FILES).exists():
            os.replace(staging / FILES, data_dir / FILES)
        for name, data in got.secrets.items():
            fd = os.open(data_dir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        write_instance_id(data_dir, new_instance_id())
    except BaseException:
        for entry in data_dir.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return got.manifest


def _small(source, size: int, cap: int, name: str) -> bytes:
    data = tarball.read_small(source, size, cap)
    if data is None:
        raise BadBackup(f"The backup's {name} is larger than any backup of ours writes")
    return data


def _inside(root: Path, name: str) -> Path:
    target = tarball.inside(root, name)
    if target is None:
        raise BadBackup(f"The backup holds an entry no backup of ours has: {name[:200]!r}")
    return target


def _check_members(manifest: Manifest, seen: dict[str, Member]) -> None:
    missing = sorted(set(manifest.members) - set(seen))
    extra = sorted(set(seen) - set(manifest.members))
    if missing or extra or DATABASE not in seen or SECRETS not in seen:
        which = (missing or extra or [DATABASE])[0]
        raise BadBackup(f"The backup does not hold what its manifest lists ({which[:200]!r})")
    for name, member in seen.items():
        if manifest.members[name] != member:
            raise BadBackup(f"The backup was altered or damaged: {name[:200]!r} differs from its checksum")
