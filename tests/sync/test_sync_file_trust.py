"""Whose sync files a tenant takes (sync/byfile/importer.py): an instance trusted once by its
id and key; the same id with another key is refused until trusted again; trust is the tenant's
own; a file whose predecessor was not imported is refused, a full one is not."""

from __future__ import annotations

import pytest

from scorm_api.sync.byfile import bundle, importer, keys
from scorm_api.sync.models import SyncImport, SyncTrust
from scorm_api.tenants import services


def read_from(tmp_path, name: str, **header) -> bundle.Read:
    folder = tmp_path / name
    folder.mkdir()
    key = keys.load_or_create(folder)
    return bundle.Read({"instance_id": "laptop-1", "public_key": keys.public_hex(key), **header}, folder)


def test_trusted_once_by_id_and_key(app, tmp_path):
    tenant = services.system_tenant().id
    other = services.create_tenant("Other").id
    laptop = read_from(tmp_path, "a")
    with pytest.raises(importer.ImportRefused, match="does not trust") as refused:
        importer._trusted(tenant, laptop, trust=False, name=None)
    assert refused.value.code == "UNTRUSTED"
    assert keys.fingerprint(laptop.public_key) in str(refused.value)
    assert importer._trusted(tenant, laptop, trust=True, name="Laptop 1").trusted_now
    assert not importer._trusted(tenant, laptop, trust=False, name=None).trusted_now
    row = SyncTrust.get(SyncTrust.tenant == tenant)
    assert (row.instance_id, row.name, row.public_key) == ("laptop-1", "Laptop 1", laptop.public_key)

    # Another key claiming the same instance: refused, until the operator trusts the new key.
    impostor = read_from(tmp_path, "b")
    with pytest.raises(importer.ImportRefused, match="another key") as changed:
        importer._trusted(tenant, impostor, trust=False, name=None)
    assert changed.value.code == "KEY_CHANGED"
    assert importer._trusted(tenant, impostor, trust=True, name=None).trusted_now
    assert SyncTrust.get(SyncTrust.tenant == tenant).public_key == impostor.public_key
    with pytest.raises(importer.ImportRefused):  # trust is per tenant
        importer._trusted(other, impostor, trust=False, name=None)


def test_files_in_order(app):
    tenant = services.system_tenant().id
    header = {"instance_id": "laptop-1", "file_id": "f2", "follows": "f1", "full": False}
    header.update(sequence=2, destination="office")
    with pytest.raises(importer.ImportRefused, match="file before it") as refused:
        importer._in_order(tenant, header)
    assert refused.value.code == "OUT_OF_ORDER"
    importer._in_order(tenant, {**header, "full": True})  # a full file: whatever came before
    importer._in_order(tenant, {**header, "follows": None})  # the first file
    SyncImport.create(
        id="i1",
        tenant=tenant,
        file_id="f1",
        source_instance="laptop-1",
        source_tenant="t",
        destination="office",
        sequence=1,
        follows=None,
        full_file=True,
        run_id="r1",
        status="failed",
        started_at="2026-12-04T00:00:00.000Z",
    )
    with pytest.raises(importer.ImportRefused):  # its predecessor failed: not imported
        importer._in_order(tenant, header)
    SyncImport.update(status="completed").execute()
    importer._in_order(tenant, header)
    # Another sender's file f1 is not this one's predecessor.
    with pytest.raises(importer.ImportRefused):
        importer._in_order(tenant, {**header, "instance_id": "laptop-2"})
