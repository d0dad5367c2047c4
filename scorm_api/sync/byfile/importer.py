"""Applying a sync file here: read and checked whole first (bundle.read: every part's checksum
and the sender's signature), the sender trusted (its instance id and key, as the operator
accepted them), the file the one after the last imported (`follows`), then applied as a sync
run of its own (trigger "import") with the HTTP sync's steps against this appliance itself
(local.LocalTarget): packages by checksum, sessions by launch and PUT with `version`, statements
by id. So importing a file twice changes nothing, and a session changed here since the last
import meets the sender's change as a conflict, with both versions kept.

The map is the HTTP sync's (links.Links), one per sender instance and tenant: the sender's
ids to this appliance's. A conflict's `local` side is this instance's session, its `remote`
the file's; the file's record is held on the link until someone chooses (conflicts.resolve)."""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from scorm_api import health
from scorm_api import state as app_state
from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.errors import ApiError
from scorm_api.packages import processing, uploads
from scorm_api.packages.models import Package
from scorm_api.sync import packages, runner, sessions, statements
from scorm_api.sync.byfile import bundle, keys
from scorm_api.sync.byfile.local import LocalTarget
from scorm_api.sync.client import TargetError
from scorm_api.sync.identities import Identities
from scorm_api.sync.links import Links, target_key
from scorm_api.sync.models import SyncConflict, SyncImport, SyncRun, SyncTrust
from scorm_api.sync.profile import Profile
from scorm_api.sync.progress import Progress

log = logging.getLogger(__name__)


class ImportRefused(RuntimeError):
    """A whole, signed file this appliance will not apply (an untrusted sender, a changed key,
    a file before it not imported yet): said in one sentence, with what to do."""

    def __init__(self, code: str, message: str, signer: Signer | None = None):
        super().__init__(message)
        self.code, self.signer = code, signer


def source_links(tenant_id: str, instance_id: str, source_tenant: str) -> Links:
    return Links(tenant_id, target_key(f"file-from:{instance_id}", source_tenant))


@dataclass
class Signer:
    instance_id: str
    fingerprint: str
    trusted_now: bool  # trusted by this import (--trust)


@dataclass
class Imported:
    run: SyncRun
    signer: Signer
    header: dict


@dataclass
class Prepared:
    """A file read, checked and accepted, its run started: what `apply` applies."""

    read: bundle.Read
    signer: Signer
    run: SyncRun
    record: SyncImport
    staging: Path

    @property
    def header(self) -> dict:
        return self.read.header


def import_file(
    app: Flask, tenant_id: str, path: Path, trust: bool = False, name: str | None = None
) -> Imported:
    """BadSyncFile for a file cut short, altered or not ours; ImportRefused for one this
    appliance does not take; else the run that applied it (completed, or failed with its
    error, everything applied before the failure kept and applied again as no-ops next time)."""
    prepared = prepare(app, tenant_id, path, trust, name)
    return apply(app, prepared)


def prepare(app: Flask, tenant_id: str, path: Path, trust: bool = False, name: str | None = None) -> Prepared:
    """Read and check the file whole, accept its sender and its place, start its run (409
    while another run of the tenant's is going). Nothing is applied yet."""
    state = app_state.of(app)
    state.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="sync-import-", dir=state.settings.tmp_dir))
    try:
        read = bundle.read(Path(path), staging)
        if read.instance_id == state.instance_id:
            raise ImportRefused(
                "OWN_FILE", "This file was written by this appliance itself: import it on the other one"
            )
        signer = _trusted(tenant_id, read, trust, name)
        _in_order(tenant_id, read.header)
        header = read.header
        run = runner.start_run(
            tenant_id, f"file:{header['instance_id']}", header["tenant_id"], dry_run=False, trigger="import"
        )
        with write_transaction():
            record = SyncImport.create(
                id=new_id(),
                tenant=tenant_id,
                file_id=header["file_id"],
                source_instance=header["instance_id"],
                source_tenant=header["tenant_id"],
                destination=header["destination"],
                sequence=header["sequence"],
                follows=header.get("follows"),
                full_file=header["full"],
                run_id=run.id,
                status="running",
                started_at=run.started_at,
            )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Prepared(read, signer, run, record, staging)


def apply(app: Flask, prepared: Prepared) -> Imported:
    try:
        _execute(app, prepared.run, prepared.read)
        with write_transaction():
            prepared.record.status, prepared.record.finished_at = prepared.run.status, utcnow_iso()
            prepared.record.save()
    finally:
        shutil.rmtree(prepared.staging, ignore_errors=True)
    return Imported(prepared.run, prepared.signer, prepared.header)


def _trusted(tenant_id: str, read: bundle.Read, trust: bool, name: str | None) -> Signer:
    instance_id, key = read.instance_id, read.public_key
    signer = Signer(instance_id, keys.fingerprint(key), False)
    row = SyncTrust.get_or_none((SyncTrust.tenant == tenant_id) & (SyncTrust.instance_id == instance_id))
    if row is not None and row.public_key == key:
        return signer
    if not trust:
        if row is None:
            raise ImportRefused(
                "UNTRUSTED",
                f"This file was signed by instance {instance_id} (key fingerprint {signer.fingerprint}), "
                "which this appliance does not trust yet. Check the fingerprint with the sender "
                "(scorm-api sync --to-file prints it), then import again trusting it "
                "(--trust; trust=true in the API).",
                signer,
            )
        raise ImportRefused(
            "KEY_CHANGED",
            f"Instance {instance_id} signed this file with another key (fingerprint {signer.fingerprint}, "
            f"trusted: {keys.fingerprint(row.public_key)}). If the sender's appliance was reinstalled, "
            "check the new fingerprint with them and import trusting it (--trust; trust=true in the "
            "API); else refuse the file.",
            signer,
        )
    with write_transaction():
        if row is None:
            SyncTrust.create(
                tenant=tenant_id, instance_id=instance_id, public_key=key, name=name, trusted_at=utcnow_iso()
            )
        else:
            row.public_key, row.trusted_at = key, utcnow_iso()
            row.name = name or row.name
            row.save()
    signer.trusted_now = True
    return signer


def _in_order(tenant_id: str, header: dict) -> None:
    """A file that follows another applies only after it (a lost file would lose its changes);
    a full file, or the same file again, always applies."""
    follows = header.get("follows")
    if header["full"] or not follows:
        return
    done = SyncImport.select().where(
        (SyncImport.tenant == tenant_id)
        & (SyncImport.source_instance == header["instance_id"])
        & ((SyncImport.file_id == follows) | (SyncImport.file_id == header["file_id"]))
        & (SyncImport.status == "completed")
    )
    if not done.exists():
        raise ImportRefused(
            "OUT_OF_ORDER",
            f"This is file {header['sequence']} from instance {header['instance_id']} to "
            f"{header['destination']!r}; the file before it was not imported here. Import that "
            "file first, or have the sender write a full file (scorm-api sync --to-file FILE --full).",
        )


def _execute(app: Flask, run: SyncRun, read: bundle.Read) -> None:
    state = app_state.of(app)
    header = read.header
    progress = Progress(run)
    links = source_links(run.tenant_id, header["instance_id"], header["tenant_id"])
    target = LocalTarget(app, run.tenant_id, state.settings.base_url, f"import:{run.id}")
    here = Profile("appliance", frozenset(health.FEATURES), state.instance_id)
    try:
        progress.plan(sum(1 for name in bundle.RECORDS for _ in read.records(name)), 0)
        progress.phase("packages")
        for rec in read.records(bundle.PACKAGES):
            runner.one(
                progress,
                packages.KIND,
                rec["family_id"],
                lambda rec=rec: _package(state, links, read, rec, progress),
            )
            progress.advance(items=1)
        progress.phase("sessions")
        for rec in read.records(bundle.SESSIONS):
            session = FromFile(rec, run.tenant_id)
            runner.one(
                progress,
                sessions.KIND,
                session.id,
                lambda s=session: _session(target, links, s, run.id, progress, here),
            )
            progress.advance(items=1)
        progress.phase("statements")
        ids = Identities(links, tuple(header["bases"]), state.settings.base_url)
        rows = (StatementRow(**r) for r in read.records(bundle.STATEMENTS))
        while batch := list(itertools.islice(rows, statements.BATCH)):
            statements.send(target, links, batch, progress, None, ids, True)
        run.status = "completed"
    except TargetError as e:
        run.status, run.error = "failed", f"{e.status or ''} {e.code}: {e.message}".strip()
    except Exception as e:  # recorded on the run, which must not stay 'running'
        log.exception("sync file import failed", extra={"fields": {"run_id": run.id}})
        run.status, run.error = "failed", f"Internal error: {type(e).__name__}: {e}"
    finally:
        run.phase, run.finished_at = None, utcnow_iso()
        progress.flush(force=True)


# ---- packages -----------------------------------------------------------------------------


def _package(state, links: Links, read: bundle.Read, rec: dict, progress: Progress) -> None:
    """A version the map has with these bytes is skipped; one this tenant holds with these bytes
    (imported before the map was written, or uploaded here too) is linked; else imported."""
    tenant_id = links.tenant_id
    link = links.get(packages.KIND, rec["id"])
    if link is not None and link.state == "synced" and link.local_version == rec["sha256"]:
        progress.note(packages.KIND, "skipped", rec["family_id"], link.remote_id)
        return
    family = None if rec["id"] == rec["family_id"] else packages.remote_package(links, rec["family_id"])
    if rec["id"] != rec["family_id"] and family is None:
        raise TargetError(None, "PACKAGE_FAMILY", "An earlier version of this package is not here yet")
    same = Package.select().where((Package.tenant == tenant_id) & (Package.sha256 == rec["sha256"]))
    if family is not None:
        same = same.where(Package.family_id == family.remote_id)
    found = same.order_by(Package.created_at.desc()).first()
    if found is None:
        try:
            room = processing.check_room(tenant_id, family.remote_id if family else None)
            with open(read.path(rec["member"]), "rb") as zipped:
                upload = uploads.store(state, tenant_id, zipped, rec["filename"], packages.UPLOADED_BY)
            found = processing.import_now(state, upload, packages.UPLOADED_BY, rec["filename"], room)
        except ApiError as e:
            raise TargetError(e.status, e.code, e.message) from None
    links.save(
        packages.KIND, rec["id"], state="synced", remote_id=found.family_id, local_version=rec["sha256"]
    )
    progress.note(
        packages.KIND,
        "created",
        rec["family_id"],
        found.family_id,
        title=rec.get("title"),
        version_number=rec.get("version_number"),
    )


# ---- sessions -----------------------------------------------------------------------------


@dataclass
class FromFile:
    """A session as a sync file carries it (export._sessions), sent to this appliance."""

    record: dict
    tenant_id: str
    direction = "imported"

    @property
    def id(self) -> str:
        return self.record["id"]

    @property
    def user_id(self) -> str:
        return self.record["user_id"]

    @property
    def package_id(self) -> str:
        return self.record["package_id"]

    @property
    def version(self) -> int:
        return int(self.record["version"])

    def body(self, profile: Profile, time_sent: dict[str, float]) -> tuple[dict, dict[str, float]]:
        times = {k: float(v) for k, v in self.record["times"].items()}
        return sessions.timed(self.record["body"], times, self.record["first_item"], time_sent), times

    def detail(self) -> dict:
        return self.record["detail"]

    def held(self) -> dict | None:
        return self.record


def _session(
    target: LocalTarget, links: Links, session: FromFile, run_id: str, progress: Progress, here: Profile
) -> None:
    link = links.get(sessions.KIND, session.id)
    if (
        link is not None
        and link.state in ("synced", "conflict")
        and link.local_version == str(session.version)
    ):
        progress.note(sessions.KIND, "skipped", session.id, link.remote_id)  # this version came before
        return
    if link is not None and link.state == "conflict":
        _newer_in_conflict(links, session, link, progress)
        return
    sessions.send(target, links, session, run_id, progress, here)


def _newer_in_conflict(links: Links, session: FromFile, link, progress: Progress) -> None:
    """The sender changed a session again while its conflict here waits: the conflict shows
    (and keeps to apply) the newest of the sender's versions."""
    with write_transaction():
        SyncConflict.update(remote=session.detail()).where(
            (SyncConflict.tenant == links.tenant_id)
            & (SyncConflict.target_key == links.key)
            & (SyncConflict.kind == sessions.KIND)
            & (SyncConflict.local_id == session.id)
            & (SyncConflict.status == "open")
        ).execute()
    links.save(
        sessions.KIND,
        session.id,
        local_version=str(session.version),
        detail={**(link.detail or {}), "held": session.record},
    )
    progress.note(
        sessions.KIND,
        "conflict",
        session.id,
        link.remote_id,
        reason="Changed here since the last import (the conflict now shows the sender's newest version)",
    )


def apply_held(app: Flask, conflict: SyncConflict) -> None:
    """Keep "remote" of an imported conflict: the file's version written over the session
    here, against the version the conflict showed (if it changed here again since: 409)."""
    state = app_state.of(app)
    links = Links(conflict.tenant_id, conflict.target_key)
    link = links.get(sessions.KIND, conflict.local_id)
    held = (link.detail or {}).get("held") if link is not None else None
    if link is None or held is None or not link.remote_id:
        raise ApiError(
            409, "CONFLICT", "The file's version of this session is not held here: import the file again"
        )
    session = FromFile(held, conflict.tenant_id)
    here = Profile("appliance", frozenset(health.FEATURES), state.instance_id)
    body, after = session.body(here, (link.detail or {}).get("time_sent") or {})
    body["version"] = (conflict.local or {}).get("version")
    target = LocalTarget(app, conflict.tenant_id, state.settings.base_url, f"resolve:{conflict.id}")
    try:
        _, answer = target.call("PUT", f"/api/v1/sessions/{link.remote_id}", json=body)
    except TargetError as e:
        if e.status == 409:
            raise ApiError(
                409,
                "CONFLICT",
                "The session changed here again since this conflict: reload it and choose again",
            ) from None
        raise ApiError(e.status or 500, e.code, e.message) from None
    links.save(
        sessions.KIND,
        session.id,
        state="synced",
        local_version=str(session.version),
        remote_version=answer.get("version"),
        detail={"time_sent": after, "package_id": session.package_id},
    )


# ---- statements ---------------------------------------------------------------------------


@dataclass
class StatementRow:
    """A statement as a sync file carries it: what statements.send reads of a stored one."""

    seq: int
    statement_id: str
    body: dict
    package_id: str | None
    registration: str | None
