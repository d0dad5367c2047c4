"""The CLI against the data dir it is given: a link to where the running server really
listens, and a data dir that cannot be written (one sentence and exit 1, never a traceback)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import requests


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scorm_api", *args], capture_output=True, text=True, timeout=timeout
    )


def test_the_sign_in_link_points_at_the_running_server(live_server):
    out = cli("admin", "sign-in-link", "--data-dir", str(live_server.data_dir))
    assert out.returncode == 0, out.stderr
    link = out.stdout.strip()
    assert link.startswith(live_server.url + "/dashboard/auto-login?token=")
    assert urlsplit(live_server.url).port != 3001  # the case this is about: not the default port
    first = requests.get(link, allow_redirects=False, timeout=30)
    assert first.status_code == 303 and first.headers["Location"].endswith("/dashboard/packages")
    assert "scorm_dashboard=" in first.headers["Set-Cookie"]
    # Spent on first use.
    again = requests.get(link, allow_redirects=False, timeout=30)
    assert again.headers["Location"].endswith("/dashboard/login") and "Set-Cookie" not in again.headers


def test_without_a_running_server_the_link_says_so(tmp_path):
    out = cli("admin", "sign-in-link", "--data-dir", str(tmp_path / "data"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("http://127.0.0.1:3001/dashboard/auto-login?token=")
    assert "No server is running" in out.stderr


def assert_refused(out: subprocess.CompletedProcess) -> None:
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert "cannot be written" in out.stderr and "--data-dir" in out.stderr


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["keys", "list"], ["admin", "sign-in-link"]])
def test_a_data_dir_under_a_file_is_one_sentence(tmp_path, command):
    (tmp_path / "file").write_text("not a folder")
    assert_refused(cli(*command, "--data-dir", str(tmp_path / "file" / "data")))


def test_a_data_dir_on_a_read_only_file_system_is_one_sentence(tmp_path):
    """A real read-only mount (root sees through file modes, not through this), made in a
    private mount namespace so nothing outlives the test."""
    if not shutil.which("unshare"):
        pytest.skip("needs unshare")
    data = tmp_path / "data"
    assert cli("keys", "list", "--data-dir", str(data)).returncode == 0  # a real, filled data dir
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind {data} {data} && mount -o remount,bind,ro {data}"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()}")
    for command in (["serve", "--port", "0"], ["keys", "list"]):
        script = (
            f"mount --bind {data} {data} && mount -o remount,bind,ro {data} && "
            f"exec {sys.executable} -m scorm_api {' '.join(command)} --data-dir {data}"
        )
        out = subprocess.run(
            ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=60
        )
        assert_refused(out)
        assert "read-only file system" in out.stderr
    # Nothing was changed by the attempts: the data dir still opens and lists its key.
    assert "admin" in cli("keys", "list", "--data-dir", str(data)).stdout
