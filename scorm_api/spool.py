"""Where waitress spools large request bodies, so that an upload is written to disk once.

waitress reads a whole request body into an anonymous temporary file before the app runs.
For a gigabyte upload, copying that file into storage means writing the gigabyte twice, and
under writeback pressure the second write costs as much as the first. Spooling instead into an
O_TMPFILE in the data dir's tmp/ (the same filesystem as the object store) lets storage link
the finished body into place with no copy at all (`link_spooled`).

Python's own TemporaryFile cannot be used: it opens O_TMPFILE together with O_EXCL, which
forbids ever linking the file. Where O_TMPFILE is unsupported, a normal temporary file is
used and storage falls back to an in-kernel copy.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from waitress import buffers

_spool_dir: str | None = None


def _linkable_tempfile(self):
    if _spool_dir is not None and hasattr(os, "O_TMPFILE"):
        try:
            fd = os.open(_spool_dir, os.O_TMPFILE | os.O_RDWR, 0o600)
            return os.fdopen(fd, "w+b")
        except OSError:  # no O_TMPFILE on this filesystem, or the folder is gone
            pass
    try:
        return tempfile.TemporaryFile("w+b", dir=_spool_dir)
    except OSError:
        return tempfile.TemporaryFile("w+b")  # never fail a request over where it spools


def install(spool_dir: Path) -> None:
    """Make waitress spool request bodies into `spool_dir` (process-wide, for the server)."""
    global _spool_dir
    _spool_dir = str(spool_dir)
    buffers.TempfileBasedBuffer.newfile = _linkable_tempfile


def link_spooled(fd: int, target: Path) -> bool:
    """Give the anonymous file behind `fd` the name `target`; False when it cannot be linked
    (not an O_TMPFILE, another filesystem, an OS without /proc)."""
    # os.link only calls linkat(..., AT_SYMLINK_FOLLOW) when given a dir_fd; without one it
    # calls link(), which would try to link the /proc magic symlink itself (EXDEV).
    try:
        proc_fds = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        os.link(str(fd), target, src_dir_fd=proc_fds, follow_symlinks=True)
        return True
    except OSError:
        return False
    finally:
        os.close(proc_fds)
