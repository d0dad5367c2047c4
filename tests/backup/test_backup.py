"""Backup and restore of a data dir (scorm_api.backup): a restored copy answers the API as the
original did, its sealed secrets open, it has an identity of its own; a backup cut short,
altered (even consistently), opened with the wrong passphrase or built to escape the restore
folder is refused, and the refused restore leaves its data dir empty."""

import hashlib
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from scorm_api import state
from scorm_api.backup import protection, reader, writer
from scorm_api.backup.manifest import MANIFEST, BadBackup, parse
from scorm_api.backup.protection import WrongPassphrase
from scorm_api.config import Settings
from scorm_api.factory import create_app
from scorm_api.sync import targets
from scorm_api.tenants import services

from tests.support import bearer, fixture, upload_and_process

PASS = "correct horse battery"


@pytest.fixture(scope="module")
def keys():
    """scrypt's keys once for the module (the derivation is its slowest step)."""
    return protection.derive(PASS)


@pytest.fixture
def source(app, client, admin_key, settings):
    """A data dir with a real package, two sessions and a saved sync target (its key sealed)."""
    pkg, _ = upload_and_process(client, admin_key, fixture("golf_scorm12_runtime_basic.zip").read_bytes())
    sessions = [
        client.post(
            "/api/v1/sessions", headers=bearer(admin_key), json={"package_id": pkg["id"], "user_id": f"u{n}"}
        ).get_json()
        for n in range(2)
    ]
    tenant = services.system_tenant().id
    targets.save(
        tenant,
        state.of(app).secret,
        url="https://cloud.example.org",
        remote_tenant_id="remote-1",
        api_key="cloud-key-123456",
        schedule_minutes=None,
        allow_internal=True,
    )
    return {"settings": settings, "package": pkg, "sessions": sessions, "tenant": tenant, "app": app}


def test_a_restored_copy_answers_as_the_original_with_an_identity_of_its_own(
    source, admin_key, keys, tmp_path
):
    settings = source["settings"]
    client = source["app"].test_client()
    before = {
        path: client.get(path, headers=bearer(admin_key)).get_json()
        for path in ("/api/v1/packages", "/api/v1/sessions", f"/api/v1/packages/{source['package']['id']}")
    }
    original_id = client.get("/api/v1/appliance", headers=bearer(admin_key)).get_json()["appliance"][
        "instance_id"
    ]
    manifest = writer.create(settings, tmp_path / "b.tar", keys)
    assert manifest.instance_id == original_id
    assert manifest.counts["learner_session"] == 2 and manifest.file_count > 0
    assert reader.verify(tmp_path / "b.tar", PASS).seal == manifest.seal

    restored = tmp_path / "restored"
    reader.restore(tmp_path / "b.tar", restored, PASS)
    for rel in [p.relative_to(settings.files_dir) for p in settings.files_dir.rglob("*") if p.is_file()]:
        assert (restored / "files" / rel).read_bytes() == (settings.files_dir / rel).read_bytes(), rel
    copy = create_app(Settings(data_dir=restored, log_requests=False))
    copy_client = copy.test_client()
    for path, answer in before.items():
        assert copy_client.get(path, headers=bearer(admin_key)).get_json() == answer, path
    launch = urlsplit(source["sessions"][0]["launch_url"])
    assert copy_client.get(f"{launch.path}?{launch.query}").status_code == 200
    assert copy_client.get("/api/v1/appliance", headers=bearer(admin_key)).get_json()["appliance"][
        "instance_id"
    ] not in ("", original_id)
    # The saved sync target's key opens with the restored secret.
    dest = targets.destination(source["tenant"], state.of(copy).secret, allow_internal=True)
    assert dest.api_key == "cloud-key-123456"


def _backup(source, keys, tmp_path) -> Path:
    path = tmp_path / "b.tar"
    writer.create(source["settings"], path, keys)
    return path


def _refused(path: Path, tmp_path: Path, match: str, passphrase: str = PASS, error=BadBackup) -> None:
    with pytest.raises(error, match=match):
        reader.verify(path, passphrase)
    target = tmp_path / "restore-target"
    with pytest.raises(error, match=match):
        reader.restore(path, target, passphrase)
    assert list(target.iterdir()) == []


@pytest.mark.parametrize("where", ["empty", "first header", "middle", "manifest header", "manifest"])
def test_a_backup_cut_short_is_refused(source, keys, tmp_path, where):
    path = _backup(source, keys, tmp_path)
    data = path.read_bytes()
    manifest_at = data.rindex(b'"app_version"')  # the manifest's first field
    cut = {
        "empty": 0,
        "first header": 100,
        "middle": len(data) // 2,
        "manifest header": manifest_at - 700,
        "manifest": manifest_at + 200,
    }[where]
    short = tmp_path / "short.tar"
    short.write_bytes(data[:cut])
    _refused(short, tmp_path, "cut short|not a backup|damaged")


def _members(path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path) as tar:
        return [(m, tar.extractfile(m).read()) for m in tar.getmembers()]


def _rewrite(members, dest: Path) -> Path:
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return dest


def test_an_altered_file_is_refused_by_its_checksum(source, keys, tmp_path):
    members = _members(_backup(source, keys, tmp_path))
    i = next(n for n, (m, _) in enumerate(members) if m.name.startswith("files/") and m.size > 10)
    info, data = members[i]
    members[i] = (info, data[:5] + bytes([data[5] ^ 1]) + data[6:])
    _refused(_rewrite(members, tmp_path / "x.tar"), tmp_path, "differs from its checksum")


def test_a_consistently_altered_backup_is_refused_by_its_seal(source, keys, tmp_path):
    """Someone changes a stored file and puts its new checksum in the manifest: every checksum
    matches, the seal (keyed by the passphrase) does not."""
    members = _members(_backup(source, keys, tmp_path))
    i = next(n for n, (m, _) in enumerate(members) if m.name.startswith("files/"))
    info, data = members[i]
    forged = b"<script>alert(1)</script>" + data
    members[i] = (info, forged)
    doc = json.loads(members[-1][1])
    for entry in doc["members"]:
        if entry[0] == info.name:
            entry[1:] = [len(forged), hashlib.sha256(forged).hexdigest()]
    members[-1] = (members[-1][0], json.dumps(doc).encode())
    assert parse(members[-1][1]).members[info.name].size == len(forged)
    _refused(_rewrite(members, tmp_path / "forged.tar"), tmp_path, "altered")


def test_a_wrong_passphrase_is_refused(source, keys, tmp_path):
    _refused(_backup(source, keys, tmp_path), tmp_path, "passphrase", "not the passphrase", WrongPassphrase)


@pytest.mark.parametrize(
    "name,kind",
    [
        ("files/../../escaped.txt", tarfile.REGTYPE),
        ("/tmp/abs.txt", tarfile.REGTYPE),
        ("files/link", tarfile.SYMTYPE),
        ("other.txt", tarfile.REGTYPE),
    ],
)
def test_a_backup_with_entries_of_no_backup_of_ours_is_refused(source, keys, tmp_path, name, kind):
    members = _members(_backup(source, keys, tmp_path))
    info = tarfile.TarInfo(name)
    info.type = kind
    if kind == tarfile.SYMTYPE:
        info.linkname = "/etc/passwd"
    members.insert(1, (info, b"" if kind == tarfile.SYMTYPE else b"hostile"))
    _refused(_rewrite(members, tmp_path / "hostile.tar"), tmp_path, "no backup of ours has")
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/abs.txt").exists()


def test_data_after_the_manifest_and_other_files_are_refused(source, keys, tmp_path):
    members = _members(_backup(source, keys, tmp_path))
    members.append((tarfile.TarInfo("files/late.txt"), b"late"))
    _refused(_rewrite(members, tmp_path / "late.tar"), tmp_path, "after its manifest")
    not_tar = tmp_path / "n.tar"
    not_tar.write_bytes(b"PK\x03\x04" + b"\x00" * 2000)
    _refused(not_tar, tmp_path, "cut short|damaged")
    manifest_only = _rewrite([(tarfile.TarInfo(MANIFEST), b'{"format": "zip"}')], tmp_path / "m.tar")
    _refused(manifest_only, tmp_path, "not a backup")


def test_restore_refuses_a_data_dir_that_is_not_empty(source, keys, tmp_path):
    path = _backup(source, keys, tmp_path)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "scorm-api.db").write_bytes(b"precious")
    with pytest.raises(reader.RestoreError, match="not empty"):
        reader.restore(path, busy, PASS)
    assert (busy / "scorm-api.db").read_bytes() == b"precious"


def test_the_commands_back_up_verify_and_restore(source, tmp_path):
    """`scorm-api backup`, `backup --verify` and `restore` as a user runs them; their refusals
    are one sentence and exit status 1."""
    data_dir = source["settings"].data_dir

    def run(*args, passphrase=PASS):
        return subprocess.run(
            [sys.executable, "-m", "scorm_api", *args, "--passphrase-stdin"],
            input=passphrase + "\n",
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )

    made = run("backup", str(tmp_path / "cli.tar"), "--data-dir", str(data_dir), "--json")
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["rows"]["learner_session"] == 2 and summary["files"] > 0
    checked = run("backup", "--verify", str(tmp_path / "cli.tar"))
    assert checked.returncode == 0 and "whole and unaltered" in checked.stdout, checked.stderr
    wrong = run("backup", "--verify", str(tmp_path / "cli.tar"), passphrase="wrong passphrase")
    assert wrong.returncode == 1 and "passphrase does not open" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    short = run("backup", str(tmp_path / "x.tar"), "--data-dir", str(data_dir), passphrase="short")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    restored = run("restore", str(tmp_path / "cli.tar"), "--data-dir", str(tmp_path / "r"))
    assert restored.returncode == 0, restored.stderr
    assert "new instance id" in restored.stdout
    again = run("restore", str(tmp_path / "cli.tar"), "--data-dir", str(tmp_path / "r"))
    assert again.returncode == 1 and "not empty" in again.stderr


def test_a_data_dir_from_before_the_instance_id_file_keeps_its_identity(tmp_path):
    """Sync targets know a data dir by its instance id: one made before the id had a file of
    its own (it was derived from the secret) keeps the id it had."""
    import hashlib
    import hmac

    from scorm_api.signing import INSTANCE_ID_FILE, load_or_create_instance_id

    secret = b"s" * 32
    derived = hmac.new(secret, b"scorm-api instance id", hashlib.sha256).hexdigest()[:32]
    assert load_or_create_instance_id(tmp_path, secret) == derived
    assert (tmp_path / INSTANCE_ID_FILE).read_text().strip() == derived
    (tmp_path / INSTANCE_ID_FILE).write_text("another\n")
    assert load_or_create_instance_id(tmp_path, secret) == "another"


def test_a_backup_inside_the_files_folder_is_refused(source, keys):
    files = source["settings"].files_dir
    with pytest.raises(writer.BackupError, match="inside the data dir's files/"):
        writer.create(source["settings"], files / "packages" / "b.tar", keys)
    assert not list(files.rglob("*b.tar*"))


def test_a_backup_from_a_newer_version_is_not_restored(source, keys, tmp_path, monkeypatch):
    path = _backup(source, keys, tmp_path)
    monkeypatch.setattr(reader, "latest_version", lambda: 1)  # as if this program were older
    target = tmp_path / "older"
    with pytest.raises(reader.RestoreError, match="newer version of the appliance"):
        reader.restore(path, target, PASS)
    assert list(target.iterdir()) == []
    assert reader.verify(path, PASS).counts  # the file itself is sound


def test_a_data_dir_on_a_database_server_is_not_backed_up_here(settings, keys, tmp_path):
    on_server = settings.replace(database_url="postgresql://user@db.example/appliance")
    with pytest.raises(writer.BackupError, match="database server"):
        writer.create(on_server, tmp_path / "b.tar", keys)
    assert list(tmp_path.glob("*b.tar*")) == []
