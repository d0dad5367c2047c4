"""Writing a backup of a data dir: the database snapshot first, then the stored files, then
the encrypted secret, then the sealed manifest. The file appears under its name only when it
is whole (written beside it, synced, renamed)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from scorm_api.backup import database
from scorm_api.backup.manifest import DATABASE, FILES, MANIFEST, SECRETS, Manifest, Member
from scorm_api.backup.protection import Protection
from scorm_api.config import Settings
from scorm_api.db import utcnow_iso
from scorm_api.signing import SECRET_FILE, load_or_create_instance_id
from scorm_api.version import __version__

COPY_BUFFER = 1024 * 1024


class BackupError(RuntimeError):
    """A backup cannot be made: said in one sentence."""


class _Hashing(io.RawIOBase):
    """A file read through SHA-256 as tarfile copies it. (Hashing on a second thread while
    tarfile writes was measured slower here: bench/backup.py.)"""

    def __init__(self, f: BinaryIO):
        self._f = f
        self._digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self._f.read(n)
        self._digest.update(data)
        return data

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


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
    partial = dest.with_name(f".{dest.name}.partial-{secrets.token_hex(4)}")
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
        with (
            open(partial, "xb") as out,
            tarfile.TarFile(fileobj=out, mode="w", format=tarfile.PAX_FORMAT, copybufsize=COPY_BUFFER) as tar,
        ):
            _add_file(tar, DATABASE, snapshot, manifest)
            snapshot.unlink()  # room on the disk for the files that follow
            for name, path in _stored_files(settings.files_dir):
                _add_file(tar, name, path, manifest)
            kept = {SECRET_FILE: base64.b64encode(secret).decode("ascii")}
            _add_bytes(tar, SECRETS, protection.encrypt(json.dumps(kept).encode()), manifest)
            manifest.kdf = protection.kdf
            manifest.seal = protection.seal(manifest.body())
            _add_bytes(tar, MANIFEST, manifest.to_bytes(), None)
            tar.close()  # its end blocks, before the file is synced
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, dest)
        _sync_folder(dest.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
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


def _info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def _add_file(tar: tarfile.TarFile, name: str, path: Path, manifest: Manifest) -> None:
    try:
        f = path.open("rb")
    except FileNotFoundError:  # removed since the walk (an upload processed meanwhile)
        return
    with f:
        st = os.fstat(f.fileno())
        reader = _Hashing(f)
        tar.addfile(_info(name, st.st_size, st.st_mtime), reader)
    manifest.members[name] = Member(st.st_size, reader.hexdigest())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, manifest: Manifest | None) -> None:
    tar.addfile(_info(name, len(data), time.time()), io.BytesIO(data))
    if manifest is not None:
        manifest.members[name] = Member(len(data), hashlib.sha256(data).hexdigest())


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some file systems (a USB stick's FAT on some systems) refuse it
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
