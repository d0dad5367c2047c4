"""A data dir is its operator's alone: everything the appliance writes there (the database and
the -wal and -shm files SQLite makes itself, uploads, packages, logs, instance.json) is 0600, every
folder 0700, and a data dir an older version left readable is tightened when a server starts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import requests

from tests.support import bearer, start_server, write_generated_package


def loose(root: Path) -> list[str]:
    """Everything under `root` (itself included) that its group or others may use."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if not path.is_symlink() and mode & 0o077:
            found.append(f"{path.relative_to(root.parent)} {oct(mode)}")
    return found


def serve_and_fill(data_dir: Path, log_file: Path, tmp_path: Path) -> None:
    """A real server on a new data dir, writing what it writes in use: a package uploaded and
    unpacked, its log, the database with its WAL open."""
    srv = start_server(data_dir, "--log-file", str(log_file))
    try:
        key = srv.admin_key  # a new data dir's first-run key
        course = write_generated_package(tmp_path / "course.zip", files=5, total_bytes=50_000)
        with course.open("rb") as f:
            up = requests.post(
                srv.url + "/api/v1/packages/upload",
                headers=bearer(key),
                files={"file": ("course.zip", f, "application/zip")},
                timeout=60,
            )
        assert up.status_code == 201, up.text
        assert (data_dir / "scorm-api.db-wal").exists() and (data_dir / "instance.json").exists()
        assert list((data_dir / "files" / "packages").rglob("index.html"))  # unpacked
        assert not loose(data_dir), loose(data_dir)  # while it runs, -wal and -shm included
    finally:
        assert srv.stop() == 0


def test_everything_a_server_writes_is_the_operators_only(tmp_path):
    data_dir, log_file = tmp_path / "data", tmp_path / "elsewhere" / "serve.log"
    serve_and_fill(data_dir, log_file, tmp_path)
    assert not loose(data_dir), loose(data_dir)
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600  # a log file outside the data dir too
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_a_data_dir_left_readable_is_tightened_at_start(tmp_path):
    data_dir = tmp_path / "data"
    log_file = data_dir / "logs" / "old.log"
    serve_and_fill(data_dir, log_file, tmp_path)
    # As an older version (or a copy made with a loose umask) left it: all readable by anyone.
    for path in [data_dir, *data_dir.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    assert len(loose(data_dir)) > 10
    srv = start_server(data_dir)
    try:
        assert not loose(data_dir), loose(data_dir)
        assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    finally:
        assert srv.stop() == 0
