"""The PyInstaller binaries, as a user runs them: from a clean temporary directory, with no
Python environment around them. `.ci/run` builds both and points these tests at them
(SCORM_API_SERVER_BINARY, SCORM_API_DESKTOP_BINARY); elsewhere they skip unless
SCORM_API_REQUIRE_BINARIES=1."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import requests

from scorm_api.cli import main as cli_main

from tests.desktop.journey import run_desktop_journey
from tests.desktop.support import need
from tests.support import fixture, start_server

pytestmark = pytest.mark.binary
REQUIRED = os.environ.get("SCORM_API_REQUIRE_BINARIES") == "1"


def built(variable: str) -> Path:
    path = os.environ.get(variable)
    if not path:
        if REQUIRED:
            pytest.fail(f"{variable} is not set, and SCORM_API_REQUIRE_BINARIES=1")
        pytest.skip(f"{variable} is not set (build with: pyinstaller build.spec)")
    return Path(path).resolve()


@pytest.fixture
def clean_env(tmp_path):
    """No PYTHONPATH or virtualenv: the binary must carry everything it needs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "SCORM_API_"))}
    env["PATH"] = "/usr/bin:/bin"
    env["HOME"] = str(tmp_path / "home")
    return env


def subcommands(group, prefix=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from subcommands(cmd, (*prefix, name))
        else:
            yield (*prefix, name)


def test_server_binary_serves_uploads_launches_and_stops(tmp_path, clean_env):
    binary = built("SCORM_API_SERVER_BINARY")
    work = tmp_path / "clean"
    work.mkdir()
    srv = start_server(work / "data", cmd=[str(binary)], env=clean_env, cwd=work, timeout=60)
    try:
        health = srv.get("/api/health")
        assert health.status_code == 200 and health.json()["status"] == "healthy"
        auth = {"Authorization": f"Bearer {srv.admin_key}"}
        name = "golf_scorm12_runtime_basic.zip"
        with fixture(name).open("rb") as f:
            pkg = requests.post(
                srv.url + "/api/v1/packages/upload", headers=auth, files={"file": (name, f)}, timeout=60
            )
        assert pkg.status_code == 201, pkg.text
        created = requests.post(
            srv.url + "/api/v1/sessions",
            headers=auth,
            timeout=30,
            json={"package_id": pkg.json()["id"], "user_id": "ann", "user_name": "Ann Lee"},
        )
        assert created.status_code in (200, 201), created.text
        # The launch link opens the player (templates and vendored runtime from inside the
        # binary), which starts the SCO; its content is served too.
        page = requests.get(created.json()["launch_url"], timeout=30)
        assert page.status_code == 200 and "launch-config" in page.text
        config = json.loads(re.search(r'id="launch-config"[^>]*>(.*?)</script>', page.text, re.S).group(1))
        runtime_js = re.search(r'src="([^"]*scorm-again[^"]*)"', page.text).group(1)
        base = created.json()["launch_url"].split("/player/")[0]
        assert requests.get(base + runtime_js, timeout=30).status_code == 200
        delivery = requests.post(config["deliverUrl"], json={"item_id": config["start"]}, timeout=30)
        assert delivery.status_code == 200, delivery.text
        content = requests.get(delivery.json()["contentUrl"], timeout=30)
        assert content.status_code == 200 and "<html" in content.text.lower()
        assert srv.get("/api/docs").status_code == 200
        # A transcript PDF: ReportLab, Pillow and the vendored fonts are inside the binary.
        record = requests.post(
            srv.url + "/api/v1/records/transcript.pdf", headers=auth, json={"learner_id": "ann"}, timeout=60
        )
        assert record.status_code == 200 and record.content.startswith(b"%PDF"), record.text[:300]
        assert b"DejaVuSans" in record.content
    finally:
        assert srv.stop() == 0, srv.stderr_path.read_text()
    assert not (work / "data" / "instance.json").exists()
    wal = work / "data" / "scorm-api.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_every_subcommand_runs_from_the_binary(tmp_path, clean_env):
    binary = built("SCORM_API_SERVER_BINARY")
    for path in subcommands(cli_main):
        out = subprocess.run(
            [str(binary), *path, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_env,
            cwd=tmp_path,
        )
        assert out.returncode == 0 and "Usage:" in out.stdout, (path, out.stderr)

    data = str(tmp_path / "data")

    def run(*args):
        out = subprocess.run(
            [str(binary), *args], capture_output=True, text=True, timeout=60, env=clean_env, cwd=tmp_path
        )
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return out.stdout

    assert "scorm-api, version" in run("--version")
    key = json.loads(run("keys", "create", "--data-dir", data, "--scopes", "read,write", "--json"))
    assert key["api_key"] and key["scopes"] == ["read", "write"]
    assert key["id"] in run("keys", "list", "--data-dir", data)
    assert "Revoked" in run("keys", "revoke", "--data-dir", data, key["id"])
    tenant = json.loads(run("tenants", "create", "--data-dir", data, "Acme", "--json"))
    assert tenant["id"] in run("tenants", "list", "--data-dir", data)
    assert json.loads(run("doctor", "--data-dir", data, "--json"))["ok"] is True
    assert "/dashboard/auto-login?token=" in run("admin", "sign-in-link", "--data-dir", data)
    assert "password" in run("xapi-credentials", "create", "--data-dir", data)
    assert (
        "Dashboard password set"
        in subprocess.run(
            [str(binary), "admin", "set-password", "--data-dir", data, "--password-stdin"],
            input="a long password\n",
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_env,
        ).stdout
    )
    # The server-only build says plainly that it has no window.
    desktop = subprocess.run(
        [str(binary), "desktop", "--data-dir", data],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env,
    )
    assert desktop.returncode == 1 and "no desktop window" in desktop.stderr


@pytest.mark.desktop
def test_desktop_binary_window(tmp_path, screen):
    binary = built("SCORM_API_DESKTOP_BINARY")
    need("Xvfb", screen is not None)
    run_desktop_journey([str(binary)], screen, tmp_path, "desktop-binary")
