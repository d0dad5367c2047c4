"""CLI commands that serve nothing import only what they use: each runs in a process of its own
and reports the modules loaded when it exits. The heavy ones (the web framework, the schema,
XML, token and HTTP libraries, the scheduler, the desktop's GUI) are loaded by the commands
and requests that need them (scorm_api/cli.py, docs/architecture.md's start-up note)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# What no command below needs.
NEVER = {
    "jsonschema",
    "lxml",
    "jwt",
    "cryptography",
    "requests",
    "urllib3",
    "apscheduler",
    "webview",
    "PySide6",
}
# What a command that opens no app needs neither: Flask and werkzeug's routing.
NO_APP = NEVER | {"flask", "werkzeug", "jinja2"}

# Run the CLI as `python -m scorm_api` does, and write the top-level packages loaded at exit.
REPORT = """
import atexit, json, sys
atexit.register(lambda: open(sys.argv[1], "w").write(json.dumps(sorted({m.split(".")[0] for m in sys.modules}))))
from scorm_api.cli import main
main(sys.argv[2:], prog_name="scorm-api")
"""


def loaded(tmp_path: Path, *args: str) -> set[str]:
    report = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCORM_API_")}
    out = subprocess.run(
        [sys.executable, "-c", REPORT, str(report), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return set(json.loads(report.read_text()))


def test_help_loads_neither_the_app_nor_the_database(tmp_path):
    modules = loaded(tmp_path, "--help")
    assert "click" in modules  # the report sees what the command loaded
    assert modules.isdisjoint(NO_APP | {"peewee", "playhouse"}), modules & (NO_APP | {"peewee"})


@pytest.fixture
def data_dir(tmp_path):
    """A data dir opened once (its database and first key made), as a command finds one."""
    loaded(tmp_path, "tenants", "list", "--data-dir", str(tmp_path / "data"))
    return tmp_path / "data"


def test_keys_list_loads_none_of_the_heavy_libraries(tmp_path, data_dir):
    modules = loaded(tmp_path, "keys", "list", "--data-dir", str(data_dir))
    assert "peewee" in modules  # it did read the database
    assert modules.isdisjoint(NEVER), modules & NEVER


def test_doctor_loads_no_app(tmp_path, data_dir):
    modules = loaded(tmp_path, "doctor", "--data-dir", str(data_dir))
    assert "peewee" in modules  # it did open the database
    assert modules.isdisjoint(NO_APP), modules & NO_APP


def test_doctor_checks_the_file_the_api_docs_serve():
    from scorm_api import doctor, openapi

    assert doctor.SCALAR == openapi.VENDOR_DIR / "scalar" / "standalone.js"


def test_the_version_is_the_installed_one():
    from importlib.metadata import version

    from scorm_api import __version__

    assert __version__ == version("scorm-api-appliance")  # pyproject.toml reads version.py
