"""The migration guide's own curl + jq script works against the appliance, byte for byte:
taken from the seed file at test time, with only its base URLs, keys and ids substituted."""

import json
import re
import shutil
import subprocess

import pytest
import requests

from tests.support import FIXTURES, bearer, fixture

SEED = FIXTURES.parents[1] / "seeds" / "migration-guide.txt"

pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq (.ci/run installs them)"
)


def seed_script() -> str:
    text = SEED.read_text()
    m = re.search(r"For each package in your self-hosted instance:\n(.*?)\nStep 4", text, re.S)
    assert m, "the migration guide's script was not found"
    return m.group(1)


def test_migration_guide_script_moves_a_package_between_two_appliances(live_server_factory, tmp_path):
    laptop, cloud = live_server_factory(), live_server_factory()
    original = fixture("golf_scorm2004_3ed_seq_forced_sequential.zip").read_bytes()

    # A package on the "self-hosted" instance, uploaded through its own API.
    up = requests.post(
        laptop.url + "/api/v1/packages/upload",
        headers=bearer(laptop.admin_key),
        files={"file": ("course.zip", original)},
        timeout=60,
    )
    assert up.status_code == 201, up.text
    package_id = up.json()["id"]
    tenant_id = requests.get(
        cloud.url + "/api/v1/tenants", headers=bearer(cloud.admin_key), timeout=10
    ).json()["tenants"][0]["id"]

    script = (
        seed_script()
        .replace("http://localhost:3001", laptop.url)
        .replace("{packageId}", package_id)
        .replace("old-api-key", laptop.admin_key)
        .replace("https://app.allureconnect.com", cloud.url)
        .replace("new-api-key", cloud.admin_key)
        .replace("new-tenant-id", tenant_id)
    )
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "package.zip").read_bytes() == original

    created = json.loads(run.stdout)
    assert created["status"] == "ready" and created["tenant_id"] == tenant_id
    assert created["standard"] == "scorm_2004_3rd_edition" and created["metadata"]["sco_count"] == 5
    moved = requests.get(
        f"{cloud.url}/api/v1/packages/{created['id']}/download", headers=bearer(cloud.admin_key), timeout=30
    )
    assert moved.content == original
    launch = requests.get(created["launch_url"], timeout=10)
    assert launch.status_code == 200 and launch.headers["Content-Type"].startswith("text/html")
