"""API keys that expire, as the cloud's do (`expires_in_days`): listed with their expiry,
refused with 401 once it has passed, bounded like every integer."""

import pytest

from scorm_api.tenants.models import ApiKey

from tests.support import assert_envelope, bearer


def create(client, key, **body):
    return client.post("/api/v1/api-keys", headers=bearer(key), json={"scopes": ["read"], **body})


def test_a_key_works_until_it_expires(client, admin_key):
    made = create(client, admin_key, name="ninety days", expires_in_days=90)
    assert made.status_code == 201, made.get_json()
    issued = made.get_json()
    assert issued["expires_at"] > issued["created_at"] and issued["status"] == "active"
    assert client.get("/api/v1/packages", headers=bearer(issued["api_key"])).status_code == 200

    ApiKey.update(expires_at="2020-01-01T00:00:00.000Z").where(ApiKey.id == issued["id"]).execute()
    body = assert_envelope(
        client.get("/api/v1/packages", headers=bearer(issued["api_key"])), 401, "UNAUTHORIZED"
    )
    assert "expired" in body["error"]["message"]
    listed = {
        k["id"]: k for k in client.get("/api/v1/api-keys", headers=bearer(admin_key)).get_json()["api_keys"]
    }
    assert listed[issued["id"]]["status"] == "expired"


def test_a_key_without_an_expiry_never_expires(client, admin_key):
    issued = create(client, admin_key).get_json()
    assert issued["expires_at"] is None and issued["status"] == "active"


@pytest.mark.parametrize("days", [0, -1, 3651, 2**63, "30", 1.5])
def test_expiry_out_of_range_or_not_an_integer(client, admin_key, days):
    before = client.get("/api/v1/api-keys", headers=bearer(admin_key)).get_json()["pagination"]["total"]
    assert_envelope(create(client, admin_key, expires_in_days=days), 400, "VALIDATION_ERROR")
    after = client.get("/api/v1/api-keys", headers=bearer(admin_key)).get_json()["pagination"]["total"]
    assert after == before


def test_the_cli_makes_expiring_keys(tmp_path):
    from click.testing import CliRunner

    from scorm_api.cli import main

    out = CliRunner().invoke(
        main,
        [
            "keys",
            "create",
            "--scopes",
            "read",
            "--expires-in-days",
            "7",
            "--json",
            "--data-dir",
            str(tmp_path / "d"),
        ],
    )
    assert out.exit_code == 0, out.output
    listed = CliRunner().invoke(main, ["keys", "list", "--json", "--data-dir", str(tmp_path / "d")])
    assert '"expires_at": "20' in listed.output
