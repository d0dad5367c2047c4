"""The CLI against the data dir it is given: links and the doctor's report name where the
running server really listens (its port, its public URL) and the settings stored in the data
dir; a data dir that cannot be written is one sentence and exit 1, never a traceback."""

from __future__ import annotations

import json
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


def cli_json(*args: str) -> dict:
    out = cli(*args, "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def test_lrs_credentials_name_the_running_servers_endpoint(live_server):
    created = cli_json("xapi-credentials", "create", "--data-dir", str(live_server.data_dir))
    assert created["endpoint"] == live_server.url + "/xapi/"
    about = requests.get(
        created["endpoint"] + "statements?limit=1",
        auth=(created["username"], created["password"]),
        headers={"X-Experience-API-Version": "1.0.3"},
        timeout=30,
    )
    assert about.status_code == 200, about.text  # the endpoint printed is one that answers


def test_links_carry_the_public_url_the_server_was_started_with(live_server_factory):
    public = "http://trainer-laptop.example:8080"
    srv = live_server_factory("--public-url", public)
    data_dir = str(srv.data_dir)
    link = cli("admin", "sign-in-link", "--data-dir", data_dir)
    assert link.returncode == 0 and link.stdout.startswith(public + "/dashboard/auto-login?token=")
    assert "No server is running" not in link.stderr
    assert cli_json("xapi-credentials", "create", "--data-dir", data_dir)["endpoint"] == public + "/xapi/"
    report = cli_json("doctor", "--data-dir", data_dir)
    assert report["settings"]["public_url"] == public
    assert report["settings"]["port"] == urlsplit(srv.url).port


def test_doctor_reports_the_running_server_and_the_stored_settings(live_server):
    data_dir = str(live_server.data_dir)
    stored = requests.put(
        live_server.url + "/api/v1/settings",
        headers={"Authorization": f"Bearer {live_server.admin_key}"},
        json={"content_url": "http://192.0.2.7:3001", "rate_limit_read": 77},
        timeout=30,
    )
    assert stored.status_code == 200, stored.text
    report = cli_json("doctor", "--data-dir", data_dir)
    settings, checks = report["settings"], {c["name"]: c for c in report["checks"]}
    assert settings["public_url"] == live_server.url and settings["port"] == urlsplit(live_server.url).port
    assert settings["content_url"] == "http://192.0.2.7:3001" and settings["rate_limit_read"] == 77
    assert checks["port"]["ok"] and "this data dir's server listens there" in checks["port"]["detail"]
    assert f"process {live_server.proc.pid}" in checks["port"]["detail"]
    text = cli("doctor", "--data-dir", data_dir).stdout
    assert f"(of the server running, process {live_server.proc.pid})" in text

    # Stopped: the stored settings still count, and the address is the start-up settings' again.
    assert live_server.stop() == 0
    report = cli_json("doctor", "--data-dir", data_dir)
    assert report["settings"]["content_url"] == "http://192.0.2.7:3001"
    assert report["settings"]["public_url"] == "http://127.0.0.1:3001"
    assert "this data dir's server" not in {c["name"]: c for c in report["checks"]}["port"]["detail"]


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
