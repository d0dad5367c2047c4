"""The CLI's sync by file: `scorm-api sync --to-file FILE` and `scorm-api import FILE` (the
commands are declared in cli.py; what they do is the sync domain's, sync/byfile/)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scorm_api.cli import FIRST_RUN_HINT, emit, exit_for, print_report
from scorm_api.config import Settings
from scorm_api.state import State


def sync_to_file(
    opened: State, to_file: str, tenant_id: str | None, destination: str, full: bool, as_json: bool
) -> None:
    from scorm_api.sync.byfile import export, keys
    from scorm_api.tenants import services

    local = services.resolve_cli_tenant(tenant_id)
    try:
        out = export.export(opened, local, Path(to_file), destination, full)
    except export.ExportError as e:
        raise click.ClickException(str(e)) from None
    fingerprint = keys.fingerprint(keys.public_hex(keys.load_or_create(opened.settings.data_dir)))
    summary = {
        "path": str(out.path),
        "file_id": out.file_id,
        "sequence": out.sequence,
        "follows": out.follows,
        "bytes": out.size,
        "counts": out.counts,
        "not_carried": out.not_carried,
        "instance_id": opened.instance_id,
        "fingerprint": fingerprint,
    }
    if as_json:
        emit(summary, True, "")
        return
    c = out.counts
    click.echo(
        f"Wrote {out.path} ({out.size / 1024 / 1024:.1f} MiB): file {out.sequence} to {destination!r}"
        + (" (everything)" if out.follows is None else "")
        + f", {c.get('packages', 0)} package versions, {c.get('sessions', 0)} sessions, "
        f"{c.get('statements', 0)} statements."
    )
    for item in out.not_carried:
        click.echo(f"  not carried: {item['kind']} {item['id']}: {item['reason']}")
    click.echo(f"Signed by instance {opened.instance_id}, key fingerprint {fingerprint}")
    click.echo("Import it on the other appliance with: scorm-api import FILE")


def import_file(
    settings: Settings, file: str, tenant_id: str | None, trust: bool, name: str | None, as_json: bool
) -> None:
    from scorm_api import state as app_state
    from scorm_api.factory import create_app
    from scorm_api.requestlog import quiet_console
    from scorm_api.sync import views
    from scorm_api.sync.byfile import bundle, importer
    from scorm_api.sync.models import SyncRun
    from scorm_api.tenants import services

    app = create_app(settings)
    quiet_console()
    opened = app_state.of(app)
    if opened.first_run_key:
        click.echo(
            FIRST_RUN_HINT.format(key=opened.first_run_key.plaintext, base=settings.base_url), err=True
        )
    local = services.resolve_cli_tenant(tenant_id)
    try:
        done = importer.import_file(app, local, Path(file), trust=trust, name=name)
    except (bundle.BadSyncFile, importer.ImportRefused) as e:
        raise click.ClickException(f"Refused, nothing imported: {e}") from None
    view = views.run_view(SyncRun.get_by_id(done.run.id), secret=opened.secret)
    signer = done.signer
    said = (
        f"Signed by instance {signer.instance_id}, key fingerprint {signer.fingerprint}"
        + (" (trusted now)" if signer.trusted_now else " (trusted)")
        + f"; file {done.header['sequence']} to {done.header['destination']!r}"
    )
    if as_json:
        emit({"signer": vars(signer), "file": done.header, "run": view}, True, "")
    else:
        click.echo(said)
        print_report(view)
    sys.stdout.flush()
    exit_for(view)
