"""The `scorm-api` command: serve, keys, tenants, doctor.

Each command imports what it uses when it runs, nothing at the top but click: `--help` then
loads neither the web framework nor the database driver, and `keys list` not the package
importer's XML parser or the token and schema libraries (tests/test_cli_imports.py)."""

from __future__ import annotations

import functools
import json
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from scorm_api.config import Settings
    from scorm_api.state import State

FIRST_RUN_HINT = """\
First run: created the default tenant and its admin API key. It is shown only this once:

    {key}

Use it with:  curl -H "Authorization: Bearer {key}" {base}/api/v1/packages
More keys:    scorm-api keys create --scopes read,write
"""


def _settings(**overrides) -> Settings:
    from scorm_api.config import SettingsError, settings_from_env

    try:
        return settings_from_env(**overrides)
    except SettingsError as e:
        raise click.UsageError(str(e)) from None


def data_dir_option(fn):
    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Data directory (env SCORM_API_DATA_DIR; default: the user data dir).",
    )
    @functools.wraps(fn)
    def wrapper(*args, data_dir=None, **kwargs):
        return fn(*args, data_dir=data_dir, **kwargs)

    return wrapper


def api_errors(fn):
    """Domain errors become a one-line message and exit status 1, not a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from scorm_api.datadir import DataDirUnwritable
        from scorm_api.errors import ApiError
        from scorm_api.instance import InstanceBusy

        try:
            return fn(*args, **kwargs)
        except ApiError as e:
            fields = e.details.get("fieldErrors") if e.details else None
            extra = "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items()) if fields else ""
            raise click.ClickException(f"{e.message}{' (' + extra + ')' if extra else ''}") from None
        except (DataDirUnwritable, InstanceBusy) as e:
            raise click.ClickException(str(e)) from None

    return wrapper


def open_for_cli(data_dir) -> State:
    """Open (and on first use create) the data dir as the server does; announce a first-run
    key on stderr."""
    from scorm_api.factory import open_state

    opened = open_state(_settings(data_dir=data_dir))
    if opened.first_run_key:
        click.echo(
            FIRST_RUN_HINT.format(key=opened.first_run_key.plaintext, base=opened.settings.base_url), err=True
        )
    return opened


def emit(data, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2) if as_json else text)


def table(headers: tuple[str, ...], rows: list[tuple[str, ...]], empty: str) -> str:
    """Columns under a header row, each as wide as its widest cell (the last one left ragged)."""
    if not rows:
        return empty
    widths = [max(len(str(r[i])) for r in (headers, *rows)) for i in range(len(headers))]
    return "\n".join(
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in (headers, *rows)
    )


JSON_HELP = "Print JSON (for scripts) instead of text."


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scorm-api-appliance", prog_name="scorm-api")
def main():
    """SCORM API appliance: a self-hosted, offline-first SCORM/xAPI API."""


# ---- serve ---------------------------------------------------------------------------


@main.command()
@data_dir_option
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 3001; 0 picks a free one).")
@click.option("--threads", type=click.IntRange(1, 256), default=None, help="Worker threads.")
@click.option("--public-url", default=None, help="Base URL used in links the API hands out.")
@click.option(
    "--rate-limits/--no-rate-limits", default=None, help="Enforce per-tenant rate limits (default on)."
)
@click.option(
    "--xapi-versions",
    default=None,
    help="xAPI versions the LRS accepts, comma-separated (default 1.0.3,2.0.0).",
)
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the log to this file, one JSON line per event (rotated at 5 MiB, 3 kept; "
    "the dashboard's Logs page shows it).",
)
@api_errors
def serve(data_dir, host, port, threads, public_url, rate_limits, xapi_versions, log_file):
    """Run the API server until Ctrl-C or SIGTERM."""
    from scorm_api import appliance, state
    from scorm_api.dashboard import passwords
    from scorm_api.datadir import check_writable
    from scorm_api.instance import RunningInstance, claim

    settings = _settings(
        data_dir=data_dir,
        host=host,
        port=port,
        threads=threads,
        public_url=public_url,
        rate_limits_enabled=rate_limits,
        xapi_versions=xapi_versions,
        log_file=log_file,
    )
    check_writable(settings.data_dir)  # before the lock, itself a file in it
    lock = claim(settings.data_dir)
    if isinstance(lock, RunningInstance):
        raise click.ClickException(
            f"{settings.data_dir} is already served by process {lock.pid} "
            f"at {lock.url}; stop it first, or pick another --data-dir"
        )
    try:
        try:
            running = appliance.start(settings)
        except appliance.PortUnavailable as e:
            raise click.ClickException(str(e)) from None
        lock.publish(running.url, "serve", running.settings.public_url)
        issued = state.of(running.app).first_run_key
        if issued:
            click.echo(FIRST_RUN_HINT.format(key=issued.plaintext, base=running.settings.base_url))
        server = running.server
        # Before the "Serving on" line: whoever waits for it may stop the server at once, and a
        # SIGTERM before the handler would kill it without its clean stop.
        server.install_signal_handlers()
        click.echo(f"Data dir: {running.settings.data_dir}")
        click.echo(f"Serving on {server.url}  (API docs: {server.url}/api/docs)", nl=True)
        click.echo(
            f"Dashboard: {server.url}/dashboard/"
            + ("" if passwords.is_set() else "  (open it to choose the admin password)")
        )
        sys.stdout.flush()
        server.serve_forever()
    finally:
        lock.release()


# ---- desktop -------------------------------------------------------------------------


@main.command()
@data_dir_option
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Log file (default: logs/scorm-api.log in the data dir).",
)
@api_errors
def desktop(data_dir, log_file):
    """Open the appliance in a desktop window.

    The server runs inside this process on a free local port and stops when the last
    dashboard window closes. A second launch on the same data dir opens a window on the
    running one."""
    from scorm_api.desktop import shell

    settings = _settings(data_dir=data_dir, log_file=log_file)
    try:
        code = shell.run(settings)
    except shell.DesktopUnavailable as e:
        raise click.ClickException(str(e)) from None
    shell.exit_now(code)


# ---- keys ----------------------------------------------------------------------------


@main.group()
def keys():
    """Create, list and revoke API keys."""


@keys.command("create")
@data_dir_option
@click.option("--scopes", required=True, help="Comma-separated: read,write,admin")
@click.option("--tenant", "tenant_id", default=None, help="Tenant id (default: the system tenant).")
@click.option("--name", default=None, help="A label to tell keys apart.")
@click.option("--expires-in-days", type=int, default=None, help="The key stops working after this many days.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@api_errors
def keys_create(data_dir, scopes, tenant_id, name, expires_in_days, as_json):
    """Create an API key; it is shown only once.

    Print it with its id, tenant and scopes; only a hash of it is stored."""
    from scorm_api.tenants import services

    open_for_cli(data_dir)
    issued = services.create_api_key(services.resolve_cli_tenant(tenant_id), scopes, name, expires_in_days)
    rec = issued.record
    emit(
        {"id": rec.id, "api_key": issued.plaintext, "tenant_id": rec.tenant_id, "scopes": rec.scope_list},
        as_json,
        f"{issued.plaintext}\n(id {rec.id}, tenant {rec.tenant_id}, scopes "
        f"{','.join(rec.scope_list)}; shown only once)",
    )


@keys.command("list")
@data_dir_option
@click.option("--tenant", "tenant_id", default=None, help="Only this tenant's keys.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@api_errors
def keys_list(data_dir, tenant_id, as_json):
    """List API keys (never the keys themselves).

    Each key's id, prefix, scopes, status, tenant and name."""
    from scorm_api.tenants import services

    open_for_cli(data_dir)
    rows, _ = services.list_api_keys(tenant_id, page=1, limit=10_000)
    data = [k.to_api() for k in rows]
    text = table(
        ("ID", "PREFIX", "SCOPES", "STATUS", "TENANT", "NAME"),
        [
            (k["id"], f"{k['prefix']}…", ",".join(k["scopes"]), k["status"], k["tenant_id"], k["name"] or "")
            for k in data
        ],
        "No API keys.",
    )
    emit(data, as_json, text)


@keys.command("revoke")
@data_dir_option
@click.argument("key_id")
@api_errors
def keys_revoke(data_dir, key_id):
    """Revoke an API key: it stops working at once.

    KEY_ID is the key's id, as `keys list` shows it."""
    from scorm_api.tenants import services

    open_for_cli(data_dir)
    key = services.revoke_api_key(key_id, None)
    click.echo(f"Revoked {key.id} at {key.revoked_at}")


# ---- admin (the dashboard's password) ---------------------------------------------------


@main.group()
def admin():
    """The dashboard: its password, a sign-in link."""


@admin.command("set-password")
@data_dir_option
@click.option(
    "--password-stdin",
    "from_stdin",
    is_flag=True,
    help="Read the password from standard input (for scripted installs).",
)
@api_errors
def admin_set_password(data_dir, from_stdin):
    """Set or change the dashboard's password.

    Every browser signed in is signed out."""
    from scorm_api.dashboard import logins, passwords

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New dashboard password", hide_input=True, confirmation_prompt=True)
    open_for_cli(data_dir)
    passwords.set_password(password)
    logins.end_all_except(None)
    click.echo("Dashboard password set.")


@admin.command("sign-in-link")
@data_dir_option
@click.option(
    "--public-url", default=None, help="The server's address (default: where the running server listens)."
)
@api_errors
def admin_sign_in_link(data_dir, public_url):
    """Print a one-time dashboard sign-in link.

    The link signs one browser in, once, within two minutes; it points at where this data
    dir's server listens."""
    from scorm_api.dashboard import logins
    from scorm_api.instance import as_served

    settings, running = as_served(open_for_cli(data_dir).settings)
    base = public_url or settings.base_url
    if running is None and not public_url:
        click.echo(
            f"No server is running on {settings.data_dir}: start `scorm-api serve` and open the "
            "link within two minutes.",
            err=True,
        )
    click.echo(f"{base.rstrip('/')}/dashboard/auto-login?token={logins.one_time_token()}")


# ---- xAPI LRS credentials ----------------------------------------------------------------


@main.group("xapi-credentials")
def xapi_credentials():
    """Credentials for the xAPI LRS at /xapi/.

    Basic-auth credentials for the standard xAPI LRS."""


@xapi_credentials.command("create")
@data_dir_option
@click.option("--tenant", "tenant_id", default=None, help="Tenant id (default: the system tenant).")
@click.option("--name", default=None, help="A label to tell credentials apart.")
@click.option("--read-only", is_flag=True, help="May read statements, not write them.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@api_errors
def xapi_credentials_create(data_dir, tenant_id, name, read_only, as_json):
    """Create LRS credentials; shown only once.

    Print the LRS endpoint (where this data dir's server answers), the username and the
    password."""
    from scorm_api.instance import as_served
    from scorm_api.tenants import services
    from scorm_api.xapi import credentials

    settings, _ = as_served(open_for_cli(data_dir).settings)
    row, password = credentials.create(
        services.resolve_cli_tenant(tenant_id), name, ("read",) if read_only else ("read", "write")
    )
    endpoint_url = settings.base_url + "/xapi/"
    emit(
        {
            "endpoint": endpoint_url,
            "username": row.username,
            "password": password,
            "tenant_id": row.tenant_id,
        },
        as_json,
        f"endpoint {endpoint_url}\nusername {row.username}\npassword {password}\n(shown only once)",
    )


# ---- tenants -------------------------------------------------------------------------


@main.group()
def tenants():
    """Create and list tenants."""


@tenants.command("create")
@data_dir_option
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@api_errors
def tenants_create(data_dir, name, as_json):
    """Create a tenant and print its id.

    NAME is shown on the dashboard; `keys create --tenant ID` then gives the tenant keys."""
    from scorm_api.tenants import services

    open_for_cli(data_dir)
    t = services.create_tenant(name)
    emit({"id": t.id, "name": t.name}, as_json, f"{t.id}  {t.name}")


@tenants.command("list")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@api_errors
def tenants_list(data_dir, as_json):
    """List tenants and their ids.

    The system tenant is the one the other commands use when --tenant is left out."""
    from scorm_api.tenants.models import Tenant

    open_for_cli(data_dir)
    data = [t.to_api() for t in Tenant.select().order_by(Tenant.created_at)]
    emit(
        data,
        as_json,
        table(
            ("ID", "NAME", "SYSTEM"),
            [(t["id"], t["name"], "yes" if t["is_system"] else "") for t in data],
            "No tenants.",
        ),
    )


# ---- doctor --------------------------------------------------------------------------


@main.command()
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@api_errors
def doctor(data_dir, as_json):
    """Check the data dir; print the configuration.

    The configuration is the one this data dir's server has (its address while one runs,
    and the settings stored from the dashboard); exit status 1 when a check fails."""
    from scorm_api.doctor import run_checks, shown
    from scorm_api.instance import as_served

    settings, running = as_served(_stored_settings(_settings(data_dir=data_dir)))
    checks = run_checks(settings, running)
    ok = all(c["ok"] for c in checks)
    effective = shown(settings)
    if as_json:
        click.echo(json.dumps({"ok": ok, "settings": effective, "checks": checks}, indent=2))
    else:
        click.echo(
            "Effective configuration"
            + (f" (of the server running, process {running.pid}):" if running else ":")
        )
        width = max(map(len, effective))
        for k, v in effective.items():
            click.echo(f"  {k:<{width}} {v}")
        click.echo("Checks:")
        for c in checks:
            click.echo(f"  [{'ok' if c['ok'] else 'FAIL'}] {c['name']}: {c['detail']}")
    sys.exit(0 if ok else 1)


def _stored_settings(settings: Settings) -> Settings:
    """`settings` with what the operator stored in the data dir (from the dashboard) laid
    over, as a server started now would have them. Reads only: no database, no change."""
    import peewee

    from scorm_api.admin import overrides
    from scorm_api.admin.models import AdminSetting
    from scorm_api.doctor import open_existing

    try:
        db = open_existing(settings)
    except peewee.PeeweeException:
        return settings  # a damaged database: doctor's database check says so
    if db is None:
        return settings
    try:
        with AdminSetting.bind_ctx(db):
            return overrides.effective(settings, overrides.load())
    except peewee.PeeweeException:  # a schema from before the settings table: none stored
        return settings
    finally:
        db.close()


# ---- backup and restore --------------------------------------------------------------------


def _passphrase(from_stdin: bool, confirm: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=confirm)


def _backup_errors(fn):
    """A backup's refusals are one sentence and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from scorm_api.backup.manifest import BadBackup
        from scorm_api.backup.protection import WeakPassphrase, WrongPassphrase
        from scorm_api.backup.reader import RestoreError
        from scorm_api.backup.writer import BackupError

        try:
            return fn(*args, **kwargs)
        except (BadBackup, WrongPassphrase, WeakPassphrase, RestoreError, BackupError) as e:
            raise click.ClickException(str(e)) from None
        except FileNotFoundError as e:
            raise click.ClickException(f"No such file: {e.filename}") from None

    return wrapper


PASSPHRASE_STDIN = "Read the passphrase from standard input (for scripts)."


@main.command()
@data_dir_option
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--verify", is_flag=True, help="Check FILE (a backup) without restoring it.")
@click.option("--passphrase-stdin", "from_stdin", is_flag=True, help=PASSPHRASE_STDIN)
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@api_errors
@_backup_errors
def backup(data_dir, file, verify, from_stdin, as_json):
    """Back up the data dir into one file.

    The file holds the database, the stored packages and the secret. The server may keep
    running: the database is copied as of one moment. The data dir's
    secret (it opens stored sync and webhook secrets) is encrypted with a passphrase you
    choose; restoring needs it. With --verify, check a backup file instead."""
    from pathlib import Path

    from scorm_api.backup import protection, reader, writer

    passphrase = _passphrase(from_stdin, confirm=not verify)
    if verify:
        manifest = reader.verify(Path(file), passphrase)
        verb = "is whole and unaltered"
    else:
        protection.check_passphrase(passphrase)
        manifest = writer.create(_settings(data_dir=data_dir), Path(file), protection.derive(passphrase))
        verb = "written"
    summary = {
        "file": str(file),
        "created_at": manifest.created_at,
        "instance_id": manifest.instance_id,
        "app_version": manifest.app_version,
        "rows": manifest.counts,
        "files": manifest.file_count,
        "file_bytes": manifest.file_bytes,
    }
    emit(
        summary,
        as_json,
        f"Backup {file} {verb}: taken {manifest.created_at} of instance {manifest.instance_id}, "
        f"{sum(manifest.counts.values()):,} rows, {manifest.file_count:,} files "
        f"({manifest.file_bytes / 1e6:,.1f} MB).",
    )


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--data-dir", required=True, type=click.Path(file_okay=False), help="An empty folder to restore into."
)
@click.option("--passphrase-stdin", "from_stdin", is_flag=True, help=PASSPHRASE_STDIN)
@api_errors
@_backup_errors
def restore(file, data_dir, from_stdin):
    """Restore a backup into a new data dir.

    The data dir must be empty or not exist yet. Every part is checked against the backup's
    sealed manifest before it is used. The copy gets an instance id of its own, so a sync
    target tells it from the original."""
    from pathlib import Path

    from scorm_api.backup import reader
    from scorm_api.datadir import keep_private

    keep_private()
    manifest = reader.restore(Path(file), Path(data_dir), _passphrase(from_stdin, confirm=False))
    state = open_for_cli(data_dir)  # the schema brought up to this version
    click.echo(
        f"Restored the backup of {manifest.created_at} into {data_dir} "
        f"(new instance id {state.instance_id}). Start it with: scorm-api serve --data-dir {data_dir}"
    )


@main.command("verify-record")
@data_dir_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
def verify_record(data_dir, file, as_json):
    """Check a record file: issued here, unaltered?

    Valid: this appliance issued these exact bytes. Altered: the file names a record issued
    here, but its content differs (the issued record's figures are shown to compare).
    Unknown: not issued here. Exit status 0 only when valid."""
    from scorm_api.records import issuing

    open_for_cli(data_dir)
    with open(file, "rb") as f:
        found = issuing.verify(f.read(issuing.MAX_RECORD_BYTES + 1), None)
    record = found["record"]
    lines = [f"{found['verdict'].upper()}: {found['message']}"]
    if record:
        lines += [f"  {k}: {record[k]}" for k in ("code", "title", "issued_at", "format")]
        lines += [f"  {k}: {v}" for k, v in record["summary"].items() if not isinstance(v, list)]
    emit(found, as_json, "\n".join(lines))
    sys.exit(0 if found["verdict"] == "valid" else 1)


def main_with_default(command: str) -> None:
    """The binaries' entry: started with no arguments (a double-click), run `command`."""
    if len(sys.argv) == 1:
        sys.argv.append(command)
    main(prog_name="scorm-api")


if __name__ == "__main__":
    main()


# ---- sync to cloud -------------------------------------------------------------------------


def _bar(view: dict) -> str:
    p = view["progress"]
    total = p["items_total"] or 1
    filled = int(30 * min(1.0, p["items_done"] / total))
    mib = 1024 * 1024
    eta = f", ETA {p['eta_seconds']:.0f} s" if p["eta_seconds"] is not None else ""
    if p.get("waiting"):
        eta = f", waiting {p['waiting']['seconds']:.0f} s ({p['waiting']['reason']})"
    return (
        f"\r[{'#' * filled}{'.' * (30 - filled)}] {p['items_done']}/{p['items_total']} items, "
        f"{p['bytes_done'] / mib:.1f}/{p['bytes_total'] / mib:.1f} MiB, "
        f"{p['bytes_per_second'] / mib:.1f} MiB/s{eta} ({view['phase'] or 'finishing'})   "
    )


def _dry_run_text(url: str, plan: dict) -> str:
    lines = [
        f"Dry run to {url} ({plan.get('target', '?')}): would send {plan.get('packages', 0)} packages "
        f"({plan.get('package_bytes', 0) / 1024 / 1024:.1f} MiB), {plan.get('sessions', 0)} sessions, "
        f"{plan.get('statements', 0)} statements, {plan.get('webhooks', 0)} webhooks and "
        f"{plan.get('dispatches', 0)} dispatches.",
        f"The target would count {plan.get('launches', 0)} launches (one per new session); its rate "
        f"limits make this take at least {plan.get('rate_limited_seconds', 0) / 60:.0f} min.",
    ]
    gone = plan.get("deleted_here") or {}
    if gone:
        action = (
            "would be deleted there too"
            if plan.get("propagate_deletes")
            else "stay there (--propagate-deletes deletes them)"
        )
        lines.append(
            "Deleted here since synced: "
            + ", ".join(f"{n} {k}s" for k, n in gone.items())
            + f"; they {action}."
        )
    for item in plan.get("not_carried") or []:
        unit = item["unit"].removesuffix("s") if item["count"] == 1 else item["unit"]
        lines.append(f"Not carried, {item['count']} {unit}: {item['description']}")
    return "\n".join(lines)


@main.command()
@data_dir_option
@click.option("--to", "url", default=None, help="The target's base URL (default: the saved target).")
@click.option(
    "--api-key",
    default=None,
    envvar="SCORM_API_SYNC_KEY",
    help="An API key of the target (env SCORM_API_SYNC_KEY; default: the saved one).",
)
@click.option("--tenant-id", "remote_tenant_id", default=None, help="The tenant id on the target.")
@click.option(
    "--tenant", "tenant_id", default=None, help="The local tenant to sync (default: the system tenant)."
)
@click.option(
    "--lrs-key",
    default=None,
    envvar="SCORM_API_SYNC_LRS_KEY",
    help="A key of the target's LRS (/xapi/), for xAPI documents and attachments "
    "(env SCORM_API_SYNC_LRS_KEY; default: the saved one).",
)
@click.option(
    "--lrs-secret",
    default=None,
    envvar="SCORM_API_SYNC_LRS_SECRET",
    help="Its secret (env SCORM_API_SYNC_LRS_SECRET).",
)
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option(
    "--propagate-deletes",
    is_flag=True,
    help="Delete on the target what was deleted here after it was synced (default: report it).",
)
@click.option(
    "--max-retries",
    type=click.IntRange(0, 100),
    default=7,
    show_default=True,
    help="Retries of a request that meets a network error or a 5xx (backoff doubling "
    "from 0.5 s, at most 30 s apart); a 429 waits as long as the target asks.",
)
@click.option(
    "--to-file",
    "to_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write what a sync would send into this file instead (for an appliance without a network "
    "to this one: scorm-api import FILE there).",
)
@click.option(
    "--destination",
    default="office",
    show_default=True,
    help="With --to-file: which appliance the file is for (each destination's files follow one another).",
)
@click.option(
    "--full", is_flag=True, help="With --to-file: everything, not only what changed since the last file."
)
@click.option("--json", "as_json", is_flag=True, help="Print the run and its report as JSON.")
@api_errors
def sync(
    data_dir,
    to_file,
    destination,
    full,
    url,
    api_key,
    remote_tenant_id,
    tenant_id,
    lrs_key,
    lrs_secret,
    dry_run,
    propagate_deletes,
    max_retries,
    as_json,
):
    """Copy this data dir's work to the cloud.

    Packages, sessions and xAPI statements. Safe to run again: only what changed travels.
    Exit status: 0 done, 1 the run failed, 2 done with failures or conflicts."""
    if to_file:
        from scorm_api import filesync_cli

        filesync_cli.sync_to_file(open_for_cli(data_dir), to_file, tenant_id, destination, full, as_json)
        return
    import threading

    from scorm_api.sync import runner, targets, views
    from scorm_api.sync.client import Retry
    from scorm_api.sync.models import SyncRun
    from scorm_api.tenants import services

    opened = open_for_cli(data_dir)
    local = services.resolve_cli_tenant(tenant_id)
    # Whoever runs the CLI on this machine is its operator: any target is theirs to choose.
    if bool(lrs_key) != bool(lrs_secret):
        raise click.UsageError("--lrs-key and --lrs-secret go together")
    lrs = (lrs_key, lrs_secret) if lrs_key else None
    dest = targets.destination(
        local,
        opened.secret,
        url,
        api_key,
        remote_tenant_id,
        allow_internal=True,
        lrs=lrs,
        propagate_deletes=propagate_deletes,
    )
    run = runner.create_run(local, dest, dry_run=dry_run, trigger="cli")
    worker = threading.Thread(
        target=runner.execute, daemon=True, args=(run, dest, opened, Retry(attempts=max_retries + 1))
    )
    worker.start()
    show = not as_json and sys.stderr.isatty()
    while worker.is_alive():
        worker.join(0.5)
        if show:
            click.echo(_bar(views.run_view(SyncRun.get_by_id(run.id), report=False)), nl=False, err=True)
    view = views.run_view(SyncRun.get_by_id(run.id), secret=opened.secret)
    if show:
        click.echo(err=True)
    report = view["report"]
    if as_json:
        emit(view, True, "")
    elif dry_run:
        click.echo(_dry_run_text(dest.url, report["plan"] or {}))
    else:
        print_report(view)
    exit_for(view)


def print_report(view: dict) -> None:
    """A run's report as the sync and the import print it."""
    report = view["report"]
    for kind, counts in report["counts"].items():
        click.echo(f"{kind:>10}: " + ", ".join(f"{n} {o}" for o, n in counts.items() if n))
    for entry in report["failed"] + report["conflict"]:
        click.echo(f"  {entry['kind']} {entry['local_id']}: {entry.get('reason', '')}")
    for hook in report["webhook_secrets"]:  # shown this once: the target made them
        said = f"secret {hook['secret']}" if hook["secret"] else hook.get("note") or "secret not shown"
        click.echo(f"  webhook {hook['remote_id']} ({hook['event_type']} -> {hook['url']}): {said}")
    click.echo(
        f"Run {view['id']}: {view['status']}"
        + (f": {view['error']}" if view["error"] else "")
        + f" in {view['progress']['elapsed_seconds']:.1f} s"
    )


def exit_for(view: dict) -> None:
    """Exit status: 1 the run failed, 2 done with failures or conflicts (0 otherwise)."""
    if view["status"] != "completed":
        sys.exit(1)
    if any(c.get("failed") or c.get("conflict") for c in view["report"]["counts"].values()):
        sys.exit(2)


@main.command("import")
@data_dir_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--tenant",
    "tenant_id",
    default=None,
    help="The local tenant to import into (default: the system tenant).",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Trust the instance that signed the file (after checking its key fingerprint with the sender).",
)
@click.option("--name", default=None, help="A name for the trusted instance (with --trust), e.g. 'Laptop 3'.")
@click.option("--json", "as_json", is_flag=True, help="Print the run and its report as JSON.")
@api_errors
def import_(data_dir, file, tenant_id, trust, name, as_json):
    """Apply a sync file another appliance wrote.

    Checked whole first: a file cut short, altered, or signed by an instance not trusted here is
    refused and changes nothing. Safe to import again. Exit status: 0 done, 1 refused or
    failed, 2 done with failures or conflicts."""
    from scorm_api import filesync_cli

    filesync_cli.import_file(_settings(data_dir=data_dir), file, tenant_id, trust, name, as_json)
