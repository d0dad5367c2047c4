"""The sync file's format on its own (sync/byfile/bundle.py, keys.py), without a data dir:
what is written reads back; any change to any part, a part added or left out, or another
key's signature, is refused before anything of it is used."""

from __future__ import annotations

import base64
import io
import json
import tarfile

import pytest

from scorm_api.sync.byfile import bundle, keys

HEADER = {
    "file_id": "f1",
    "instance_id": "a" * 32,
    "tenant_id": "t1",
    "destination": "office",
    "sequence": 1,
    "follows": None,
    "full": True,
    "created_at": "2026-12-04T00:00:00.000Z",
    "bases": ["http://127.0.0.1:8000"],
}


@pytest.fixture
def written(tmp_path):
    key = keys.load_or_create(tmp_path)
    records = {}
    for name in bundle.RECORDS:
        records[name] = tmp_path / name
        records[name].write_text(json.dumps({"of": name}) + "\n")
    zipped = b"PK\x03\x04" + bytes(range(256)) * 40
    dest = tmp_path / "out.sync"
    zips = [(bundle.zip_member("p1"), lambda: io.BytesIO(zipped), len(zipped))]
    bundle.write(dest, HEADER, zips, records, key)
    return dest, key, zipped


def members(path):
    with tarfile.open(path) as tar:
        return [(m, tar.extractfile(m).read()) for m in tar.getmembers()]


def rewrite(path, parts):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in parts:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(buf.getvalue())


def test_what_is_written_reads_back(written, tmp_path):
    path, key, zipped = written
    read = bundle.read(path, tmp_path / "in")
    assert read.header["public_key"] == keys.public_hex(key)
    assert read.header["destination"] == "office" and read.instance_id == "a" * 32
    assert read.path(bundle.zip_member("p1")).read_bytes() == zipped
    assert list(read.records(bundle.SESSIONS)) == [{"of": bundle.SESSIONS}]
    names = [m.name for m, _ in members(path)]
    assert names[0] == bundle.HEADER and names[-1] == bundle.SIGNATURE
    # The key is the data dir's: the same one again, 0600, and its fingerprint is stable.
    assert keys.public_hex(keys.load_or_create(tmp_path)) == keys.public_hex(key)
    assert (tmp_path / keys.KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert len(keys.fingerprint(keys.public_hex(key)).split()) == 8


@pytest.mark.parametrize(
    "change", ["zip byte", "header", "records", "extra part", "missing part", "resigned"]
)
def test_a_changed_file_is_refused(written, tmp_path, change):
    path, _, _ = written
    parts = members(path)
    if change == "zip byte":
        info, data = parts[1]
        parts[1] = (info, data[:10] + bytes([data[10] ^ 1]) + data[11:])
    elif change == "header":  # another sender named, the checksums left as they were
        info, data = parts[0]
        parts[0] = (info, data.replace(b'"office"', b'"elsewhere"'))
    elif change == "records":
        info, _ = parts[3]
        parts[3] = (info, b'{"of": "forged"}\n')
    elif change == "extra part":
        parts.insert(2, (tarfile.TarInfo(bundle.zip_member("p2")), b"PK\x03\x04more"))
    elif change == "missing part":
        del parts[1]
    else:  # everything listed again and signed, but by another key than the header names
        (tmp_path / "other").mkdir()
        other = keys.load_or_create(tmp_path / "other")
        info, data = parts[-1]
        doc = json.loads(data)
        doc["signature"] = base64.b64encode(other.sign(bundle._signed(doc["members"]))).decode()
        parts[-1] = (info, json.dumps(doc).encode())
    rewrite(path, parts)
    with pytest.raises(bundle.BadSyncFile, match=r"altered|differ"):
        bundle.read(path, tmp_path / "in")


def test_cut_short_or_not_ours(written, tmp_path):
    path, _, _ = written
    data = path.read_bytes()
    # A third in; inside the signature, the last part (what follows it is the tar's padding,
    # which a file read whole does not need).
    for cut in (len(data) // 3, data.rindex(b'"signature"')):
        path.write_bytes(data[:cut])
        with pytest.raises(bundle.BadSyncFile, match="cut short"):
            bundle.read(path, tmp_path / f"in{cut}")
    path.write_bytes(b"not a tar at all" * 100)
    with pytest.raises(bundle.BadSyncFile):
        bundle.read(path, tmp_path / "in-x")
    rewrite(path, [(tarfile.TarInfo("../escape"), b"x")])
    with pytest.raises(bundle.BadSyncFile, match="header"):
        bundle.read(path, tmp_path / "in-y")
    assert not (tmp_path / "escape").exists()
