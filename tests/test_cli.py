import json

import click
import pytest
from click.testing import CliRunner

from scorm_api.cli import main


@pytest.fixture
def run(tmp_path):
    data_dir = str(tmp_path / "data")

    def invoke(*args, env=None, data_dir_flag=True):
        argv = list(args) + (["--data-dir", data_dir] if data_dir_flag else [])
        return CliRunner().invoke(main, argv, env=env, catch_exceptions=False)

    invoke.data_dir = data_dir
    return invoke


def test_first_use_announces_the_admin_key_once(run):
    first = run("keys", "list")
    assert first.exit_code == 0
    assert "shown only this once" in first.stderr and "ac_live_" in first.stderr
    assert "Initial admin key" in first.stdout
    second = run("keys", "list")
    assert "ac_live_" not in second.stderr


def test_keys_create_json_list_and_revoke(run):
    created = run("keys", "create", "--scopes", "read,write", "--json")
    assert created.exit_code == 0, created.output
    data = json.loads(created.stdout)
    assert set(data) == {"id", "api_key", "tenant_id", "scopes"}
    assert data["scopes"] == ["read", "write"] and data["api_key"].startswith("ac_live_")

    listed = json.loads(run("keys", "list", "--json").stdout)
    assert data["id"] in {k["id"] for k in listed}
    assert data["api_key"] not in run("keys", "list").stdout

    revoked = run("keys", "revoke", data["id"])
    assert revoked.exit_code == 0 and "Revoked" in revoked.stdout
    listed = {k["id"]: k for k in json.loads(run("keys", "list", "--json").stdout)}
    assert listed[data["id"]]["status"] == "revoked"


def test_tenants_create_and_keys_for_it(run):
    tenant = json.loads(run("tenants", "create", "Acme", "--json").stdout)
    assert set(tenant) == {"id", "name"} and tenant["name"] == "Acme"
    key = json.loads(run("keys", "create", "--scopes", "admin", "--tenant", tenant["id"], "--json").stdout)
    assert key["tenant_id"] == tenant["id"]
    only = json.loads(run("keys", "list", "--tenant", tenant["id"], "--json").stdout)
    assert [k["id"] for k in only] == [key["id"]]
    names = run("tenants", "list").stdout.splitlines()
    assert names[0].split() == ["ID", "NAME", "SYSTEM"]
    rows = {line.split()[1]: line.split()[2:] for line in names[1:]}
    assert rows == {"Default": ["yes"], "Acme": []}


def test_keys_list_has_a_header_row_over_its_columns(run):
    run("keys", "create", "--scopes", "read", "--name", "LMS", "--json")
    lines = run("keys", "list").stdout.splitlines()
    assert lines[0].split() == ["ID", "PREFIX", "SCOPES", "STATUS", "TENANT", "NAME"]
    assert len(lines) == 3  # the first-run admin key and this one
    # Each column starts where its header does.
    for header in ("PREFIX", "SCOPES", "STATUS", "TENANT", "NAME"):
        at = lines[0].index(header)
        assert all(line[at - 2 : at] == "  " and line[at] != " " for line in lines[1:]), (header, lines)
    mine = next(line.split() for line in lines[1:] if line.endswith("  LMS"))
    assert mine[2:4] == ["read", "active"]


def commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def test_every_command_group_and_option_says_what_it_does():
    """`--help` is how a new user finds their way: no command, group or option without help,
    and no command's one-line summary cut off in its group's list."""
    ctx = click.Context(main)
    for path, command in commands(main):
        assert command.help, f"`scorm-api {' '.join(path)}` has no help"
        summary = command.get_short_help_str(limit=45)
        assert not summary.endswith("..."), f"`scorm-api {' '.join(path)}`: summary cut off: {summary}"
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                record = param.get_help_record(ctx)
                assert record and record[1], f"`scorm-api {' '.join(path)} {param.opts[0]}` has no help"


def test_data_dir_from_environment(run, tmp_path):
    env_dir = tmp_path / "from-env"
    result = run(
        "tenants", "create", "Env", "--json", env={"SCORM_API_DATA_DIR": str(env_dir)}, data_dir_flag=False
    )
    assert result.exit_code == 0
    assert (env_dir / "scorm-api.db").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (("keys", "create", "--scopes", "read,root"), "Unknown scope"),
        (("keys", "create", "--scopes", ""), "At least one scope"),
        (("keys", "create", "--scopes", "read", "--tenant", "no-such-tenant"), "Tenant not found"),
        (("keys", "revoke", "no-such-key"), "API key not found"),
        (("tenants", "create", "   "), "name"),
    ],
)
def test_errors_are_one_line_and_exit_1(run, args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output


def test_bad_environment_setting_is_a_usage_error(run):
    result = run("doctor", env={"SCORM_API_PORT": "eighty"})
    assert result.exit_code == 2 and "SCORM_API_PORT must be an integer" in result.output


def test_doctor_reports_healthy_and_broken_data_dirs(run, tmp_path):
    fresh = run("doctor", "--json")
    assert fresh.exit_code == 0
    run("keys", "list")
    report = json.loads(run("doctor", "--json").stdout)
    assert report["ok"] is True
    names = {c["name"]: c for c in report["checks"]}
    assert names["schema"]["ok"] and names["journal mode"]["detail"] == "wal"
    assert report["settings"]["data_dir"] == run.data_dir

    from scorm_api.db import database

    database.close()
    db = tmp_path / "data" / "scorm-api.db"
    with db.open("r+b") as f:  # a damaged file: its header is gone
        f.write(b"\x00garbage" * 20)
    broken = run("doctor")
    assert broken.exit_code == 1 and "FAIL" in broken.stdout


def test_cli_key_works_against_the_api(run, make_settings):
    data = json.loads(run("keys", "create", "--scopes", "read", "--json").stdout)
    from pathlib import Path

    from scorm_api.factory import create_app

    app = create_app(make_settings(data_dir=Path(run.data_dir)))
    resp = app.test_client().get("/api/v1/packages", headers={"X-API-Key": data["api_key"]})
    assert resp.status_code == 200
