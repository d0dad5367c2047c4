"""One server per data dir: a lock file, and beside it who holds it and where it listens.

The running server (`serve` or the desktop shell) holds an exclusive OS lock on
`instance.lock` for its whole life; the OS drops the lock when the process dies, even by
kill -9, so a crash never leaves the data dir locked. What the holder publishes (pid, URL,
kind and a secret for the desktop's "show a window" request) is in `instance.json`, readable
by this user only. A second launch reads it to reach the running instance instead of opening
the same database twice.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import time
from dataclasses import asdict, dataclass
from dataclasses import replace as replace_fields
from pathlib import Path
from urllib.parse import urlsplit

from scorm_api.config import Settings

log = logging.getLogger(__name__)

LOCK_NAME = "instance.lock"
INFO_NAME = "instance.json"
# How long a second launch waits for the holder to say where it listens: the holder publishes
# once its port is bound, a moment after taking the lock.
PUBLISH_WAIT_SECONDS = 20.0

if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False


@dataclass(frozen=True)
class RunningInstance:
    pid: int
    url: str
    kind: str  # "serve" or "desktop"
    secret: str  # proves a "show a window" request comes from this user (reads the data dir)
    # The address its links carry when that is not `url` (it was given a public URL). A
    # default, so an instance.json written before it was kept still reads.
    public_url: str | None = None

    def served(self, settings: Settings) -> Settings:
        """`settings` as this server has them: where it listens, and the public URL it was
        started with (or none), whatever this process's own flags and environment say."""
        parts = urlsplit(self.url)
        return replace_fields(
            settings,
            host=parts.hostname or settings.host,
            port=parts.port or settings.port,
            public_url=self.public_url,
        )


class InstanceLock:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self._fd: int | None = None

    @property
    def info_path(self) -> Path:
        return self.data_dir / INFO_NAME

    def acquire(self) -> bool:
        """Take the lock if nobody holds it. Forgets what a dead holder published."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        if not _try_lock(fd):
            os.close(fd)
            return False
        self._fd = fd
        self.info_path.unlink(missing_ok=True)
        return True

    def publish(self, url: str, kind: str, public_url: str | None = None) -> RunningInstance:
        """Write instance.json; on a disk too full for it, serve anyway without it (the lock
        still keeps a second server off this data dir)."""
        info = RunningInstance(
            pid=os.getpid(), url=url, kind=kind, secret=secrets.token_urlsafe(32), public_url=public_url
        )
        try:
            self._write_info(info)
        except OSError as e:
            log.warning("instance.json not written; serving without it", extra={"fields": {"error": str(e)}})
        return info

    def _write_info(self, info: RunningInstance) -> None:
        tmp = self.info_path.with_suffix(".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(asdict(info), f)
            os.replace(tmp, self.info_path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise

    def release(self) -> None:
        if self._fd is None:
            return
        self.info_path.unlink(missing_ok=True)
        os.close(self._fd)  # closing the descriptor drops the lock
        self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()


def running_instance(data_dir: Path, wait: float = PUBLISH_WAIT_SECONDS) -> RunningInstance | None:
    """The instance serving this data dir, or None when none runs."""
    if not (Path(data_dir) / LOCK_NAME).exists():  # never served: make nothing (doctor reads only)
        return None
    probe = InstanceLock(data_dir)
    deadline = time.monotonic() + wait
    while True:
        if probe.acquire():
            probe.release()
            return None
        try:
            return RunningInstance(**json.loads(probe.info_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            if time.monotonic() >= deadline:  # locked but never published: a wedged start
                raise InstanceBusy(
                    f"{data_dir} is locked by another process that does not say "
                    f"where it listens ({probe.info_path} is missing)"
                ) from None
            time.sleep(0.05)


class InstanceBusy(RuntimeError):
    pass


def as_served(settings: Settings) -> tuple[Settings, RunningInstance | None]:
    """The settings with the address this data dir's running server really has (its port, its
    public URL), and that server; `settings` as they are when none runs. For a command that
    prints a link to it."""
    running = running_instance(settings.data_dir)
    return (running.served(settings) if running else settings), running


def claim(data_dir: Path) -> InstanceLock | RunningInstance:
    """This process's lock on the data dir, or the instance that already holds it."""
    lock = InstanceLock(data_dir)
    while not lock.acquire():
        other = running_instance(data_dir)
        if other is not None:
            return other
        # It let go between our two looks: try again.
    return lock
