"""Writing a sync file: what a sync to the same destination would send now (the packages'
versions not sent there, the sessions whose version it does not have, the statements past its
cursor), read with the HTTP sync's own queries over a map of its own per destination.

The map is written only once the file is whole under its name: a file that was never written
leaves the next one to carry the same again. Each file names the one before it (`follows`),
so the office refuses a file whose predecessor it never imported (a lost USB stick), and a
`full` file, made after forgetting the destination's map, carries everything again (the office
applies what it has as the no-op it is)."""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from scorm_api.db import new_id, utcnow_iso, write_transaction
from scorm_api.packages import processing
from scorm_api.sessions import serialize
from scorm_api.state import State
from scorm_api.sync import packages, sessions, statements
from scorm_api.sync.byfile import bundle, keys
from scorm_api.sync.links import Links, target_key
from scorm_api.sync.models import SyncLink
from scorm_api.version import __version__
from scorm_api.xapi import attachments, own_urls

KIND = "file"  # the destination's own link: the last file's sequence and id
LAST = "last"
DEFAULT_DESTINATION = "office"


class ExportError(RuntimeError):
    """A sync file cannot be written: said in one sentence."""


def destination_links(tenant_id: str, destination: str) -> Links:
    return Links(tenant_id, target_key(f"file:{destination}", ""))


@dataclass
class Exported:
    path: Path
    file_id: str
    sequence: int
    follows: str | None
    size: int
    counts: dict[str, int] = field(default_factory=dict)
    not_carried: list[dict] = field(default_factory=list)
    links: Links | None = None
    sent_packages: list[tuple[str, str]] = field(default_factory=list)
    sent_sessions: list[tuple[str, int, str]] = field(default_factory=list)
    cursor: dict = field(default_factory=dict)

    def mark(self) -> None:
        """What the file carries counts as sent to its destination (the file is kept)."""
        links = self.links
        assert links is not None
        for pkg_id, sha256 in self.sent_packages:
            links.save(packages.KIND, pkg_id, state="synced", local_version=sha256)
        for session_id, version, package_id in self.sent_sessions:
            links.save(
                sessions.KIND,
                session_id,
                state="synced",
                local_version=str(version),
                detail={"package_id": package_id},
            )
        links.save(statements.KIND, statements.CURSOR, state="synced", detail=self.cursor)
        links.save(KIND, LAST, state="synced", detail={"sequence": self.sequence, "file_id": self.file_id})


def export(
    state: State, tenant_id: str, dest: Path, destination: str = DEFAULT_DESTINATION, full: bool = False
) -> Exported:
    """Write the file at `dest`, then count what it carries as sent."""
    out = write(state, tenant_id, dest, destination, full)
    out.mark()
    return out


def write(
    state: State, tenant_id: str, dest: Path, destination: str = DEFAULT_DESTINATION, full: bool = False
) -> Exported:
    """Write the file at `dest`; nothing counts as sent until the caller, once the file is
    where it stays, calls its `mark()`."""
    dest = Path(dest).absolute()
    if not dest.parent.is_dir():
        raise ExportError(f"The folder {dest.parent} does not exist")
    if not destination or len(destination) > 200:
        raise ExportError("A destination is a name of 1 to 200 characters")
    links = destination_links(tenant_id, destination)
    if full:
        with write_transaction():  # everything goes again; the office skips what it has
            SyncLink.delete().where(
                (SyncLink.tenant == tenant_id) & (SyncLink.target_key == links.key)
            ).execute()
    last = links.get(KIND, LAST)
    before = (last.detail or {}) if last else {}
    header = {
        "file_id": new_id(),
        "instance_id": state.instance_id,
        "app_version": __version__,
        "tenant_id": tenant_id,
        "destination": destination,
        "sequence": int(before.get("sequence", 0)) + 1,
        "follows": None if full else before.get("file_id"),
        "full": full or not before,
        "created_at": utcnow_iso(),
        "bases": sorted({state.settings.base_url, state.settings.content_base_url, *own_urls.every()} - {""}),
    }
    state.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sync-file-", dir=state.settings.tmp_dir))
    try:
        out = Exported(dest, header["file_id"], header["sequence"], header["follows"], 0, links=links)
        zips, out.sent_packages = _packages(state, tenant_id, links, work / bundle.PACKAGES, out)
        out.sent_sessions = _sessions(tenant_id, links, work / bundle.SESSIONS, out)
        out.cursor = _statements(tenant_id, links, work / bundle.STATEMENTS, out)
        records = {name: work / name for name in bundle.RECORDS}
        out.size = bundle.write(dest, header, zips, records, keys.load_or_create(state.settings.data_dir))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _packages(
    state: State, tenant_id: str, links: Links, path: Path, out: Exported
) -> tuple[list[bundle.Zip], list[tuple[str, str]]]:
    zips: list[bundle.Zip] = []
    sent = []
    with open(path, "w", encoding="utf-8") as f:
        for pkg in packages.pending(tenant_id, links):
            key = processing.zip_key(pkg.id)
            size = state.storage.size(key)
            if size is None:  # deleted since it was listed
                continue
            name = bundle.zip_member(pkg.id)
            zips.append((name, functools.partial(_open, state, key), size))
            record = {
                "id": pkg.id,
                "family_id": pkg.family_id,
                "version_number": pkg.version_number,
                "sha256": pkg.sha256,
                "filename": pkg.original_filename or f"{pkg.id}.zip",
                "title": pkg.title,
                "member": name,
            }
            f.write(json.dumps(record) + "\n")
            sent.append((pkg.id, pkg.sha256))
    out.counts["packages"] = len(sent)
    return zips, sent


def _open(state: State, key: str):
    stored = state.storage.open(key)
    if stored is None:
        raise ExportError(f"A package's zip went missing while the file was written ({key})")
    return stored.stream


def _sessions(tenant_id: str, links: Links, path: Path, out: Exported) -> list[tuple[str, int, str]]:
    sent = []
    with open(path, "w", encoding="utf-8") as f:
        for session in sessions.pending(tenant_id, links):
            body, first, times = sessions.whole(session)
            record = {
                "id": session.id,
                "user_id": session.user_id,
                "package_id": session.package_id,
                "version": session.version,
                "body": body,
                "first_item": first,
                "times": times,
                "detail": serialize.detail(session),  # what a conflict there shows of it
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            sent.append((session.id, session.version, session.package_id))
    out.counts["sessions"] = len(sent)
    return sent


def _statements(tenant_id: str, links: Links, path: Path, out: Exported) -> dict:
    """The statements past the cursor, and the cursor after them. A statement that cites an
    attachment's bytes is kept back (its bytes travel by the HTTP sync to an LRS): listed as
    not carried, and tried again by every file."""
    cursor = statements.cursor_marks(links)
    held: list[int] = []
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for rows in statements.batches(tenant_id, links):
            for r in rows:
                cursor["seq"] = max(cursor["seq"], r.seq)
                if r.body.get("attachments") and attachments.for_statements(tenant_id, [r.body]):
                    held.append(r.seq)
                    if len(out.not_carried) < 200:
                        out.not_carried.append(
                            {
                                "kind": statements.KIND,
                                "id": r.statement_id,
                                "reason": "It cites attachments: they travel by the sync over the network",
                            }
                        )
                    continue
                row = {
                    "seq": r.seq,
                    "statement_id": r.statement_id,
                    "body": r.body,
                    "package_id": r.package_id,
                    "registration": r.registration,
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    out.counts["statements"] = count
    out.counts["statements_not_carried"] = len(held)
    return {"seq": cursor["seq"], "sending": cursor["seq"], "retry": held}
