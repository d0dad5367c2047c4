"""Writing a backup of a data dir: the database snapshot first, then the stored files, then
the encrypted secret, then the sealed manifest. The file appears under its name only when it
is whole (written beside it, synced, renamed)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

from scorm_api import tarball
from scorm_api.backup import database
from scorm_api.backup.manifest import DATABASE, FILES, MANIFEST, SECRETS, Manifest
from scorm_api.backup.protection import Protection
from scorm_api.config import Settings
from scorm_api.db import utcnow_iso
from scorm_api.signing import SECRET_FILE, load_or_create_instance_id
from scorm_api.version import __version__


class BackupError(RuntimeError):
    """A backup cannot be made: said in one sentence."""


def create(settings: Settings, dest: Path, protection: Protection) -> Manifest:
    if settings.database_url:
        raise BackupError(
            "Backups cover a data dir on SQLite; this one uses a database server "
            "(back it up with that server's tools)"
        )
    if not settings.db_path.is_file():
        raise BackupError(f"There is no data dir at {settings.data_dir} (no database in it)")
    secret = (settings.data_dir / SECRET_FILE).read_bytes()
    dest = Path(dest).absolute()
    if not dest.parent.is_dir():
        raise BackupError(f"The folder {dest.parent} does not exist")
    if dest.resolve().is_relative_to(settings.files_dir.resolve()):
        # It would be copied into itself as it grows.
        raise BackupError("A backup cannot be written inside the data dir's files/ folder")
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="backup-", dir=settings.tmp_dir))
    try:
        snapshot = work / DATABASE
        database.snapshot(settings.db_path, snapshot)
        manifest = Manifest(
            created_at=utcnow_iso(),
            app_version=__version__,
            instance_id=load_or_create_instance_id(settings.data_dir, secret),
            counts=database.table_counts(snapshot),
        )
        with tarball.written_whole(dest) as tar:
            _add_file(tar, DATABASE, snapshot, manifest)
            snapshot.unlink()  # room on the disk for the files that follow
            for name, path in _stored_files(settings.files_dir):
                _add_file(tar, name, path, manifest)
            kept = {SECRET_FILE: base64.b64encode(secret).decode("ascii")}
            manifest.members[SECRETS] = tarball.add_bytes(
                tar, SECRETS, protection.encrypt(json.dumps(kept).encode())
            )
            manifest.kdf = protection.kdf
            manifest.seal = protection.seal(manifest.body())
            tarball.add_bytes(tar, MANIFEST, manifest.to_bytes())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def _stored_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under files/, in a stable order; symlinks are not ours to copy."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                yield FILES + "/" + path.relative_to(root).as_posix(), path


def _add_file(tar: tarfile.TarFile, name: str, path: Path, manifest: Manifest) -> None:
    member = tarball.add_file(tar, name, path)
    if member is not None:  # else removed since the walk (an upload processed meanwhile)
        manifest.members[name] = member
