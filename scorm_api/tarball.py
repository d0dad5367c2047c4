"""Tar files as the backups and the sync files write and read them: written beside their name
and renamed into place only when whole (synced first), each member hashed as it is copied;
read back as a stream, each member copied out with its checksum, never outside its folder."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

COPY_BUFFER = 1024 * 1024


@dataclass
class Member:
    size: int
    sha256: str


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


@contextlib.contextmanager
def written_whole(dest: Path) -> Iterator[tarfile.TarFile]:
    """A tar to be found at `dest` only once whole: written to a partial file beside it,
    flushed to the disk, then renamed; on any failure the partial file goes."""
    partial = dest.with_name(f".{dest.name}.partial-{secrets.token_hex(4)}")
    try:
        with (
            open(partial, "xb") as out,
            tarfile.TarFile(fileobj=out, mode="w", format=tarfile.PAX_FORMAT, copybufsize=COPY_BUFFER) as tar,
        ):
            yield tar
            tar.close()  # its end blocks, before the file is synced
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, dest)
        sync_folder(dest.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def add_file(tar: tarfile.TarFile, name: str, path: Path) -> Member | None:
    """The file at `path` as member `name`, hashed as it goes; None when it is gone (removed
    since it was listed)."""
    try:
        f = path.open("rb")
    except FileNotFoundError:
        return None
    with f:
        st = os.fstat(f.fileno())
        return add_stream(tar, name, f, st.st_size, st.st_mtime)


def add_stream(tar: tarfile.TarFile, name: str, f: BinaryIO, size: int, mtime: float) -> Member:
    """`size` bytes read from `f` as member `name`, hashed as they go."""
    reader = _Hashing(f)
    tar.addfile(_info(name, size, mtime), reader)
    return Member(size, reader.hexdigest())


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> Member:
    tar.addfile(_info(name, len(data), time.time()), io.BytesIO(data))
    return Member(len(data), hashlib.sha256(data).hexdigest())


def sync_folder(folder: Path) -> None:
    """The folder's entry for a renamed file, on the disk."""
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


def read_small(source: IO[bytes], size: int, cap: int) -> bytes | None:
    """A member small enough to hold in memory; None when it is larger than `cap`."""
    return None if size > cap else source.read()


def inside(root: Path, name: str) -> Path | None:
    """Where member `name` goes under `root` (its folders made), None if it would leave it."""
    target = root.joinpath(*name.split("/"))
    if not target.resolve().is_relative_to(root.resolve()):
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def copy_out(source: IO[bytes], target: Path | None) -> Member:
    """A member's bytes to `target` (a new file), or only hashed when None."""
    digest, size = hashlib.sha256(), 0
    with open(target, "xb") if target is not None else contextlib.nullcontext() as out:
        while chunk := source.read(COPY_BUFFER):
            digest.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    return Member(size, digest.hexdigest())
