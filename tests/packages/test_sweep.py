"""The start-up sweep removes leftovers of interrupted work and nothing else."""

import io

from scorm_api import state
from scorm_api.db import new_id, utcnow_iso
from scorm_api.packages.models import Upload
from scorm_api.packages.processing import sweep

from tests.support import bearer, fixture, upload_and_process


def make_upload(tenant_id, status, expires_at, ctx):
    key = f"uploads/{tenant_id}/{new_id()}/x.zip"
    ctx.storage.put(key, io.BytesIO(b"zip"), size=3)
    return Upload.create(
        id=new_id(),
        tenant=tenant_id,
        storage_path=key,
        filename="x.zip",
        file_size=3,
        content_type="application/zip",
        status=status,
        expires_at=expires_at,
        created_at=utcnow_iso(),
    )


def test_sweep(app, client, admin_key, settings):
    ctx = state.of(app)
    pkg, _ = upload_and_process(client, admin_key, fixture("golf_scorm12_singlesco.zip").read_bytes())
    tenant_id = pkg["tenant_id"]
    orphan = settings.files_dir / "packages" / new_id()
    (orphan / "content").mkdir(parents=True)
    partial = settings.tmp_dir / f"pkg-{new_id()}.partial"
    (partial / "content").mkdir(parents=True)
    (settings.tmp_dir / "put-abc").write_bytes(b"half a body")
    expired = make_upload(tenant_id, "pending", "2000-01-01T00:00:00.000Z", ctx)
    interrupted = make_upload(tenant_id, "uploading", "2999-01-01T00:00:00.000Z", ctx)
    finished = make_upload(tenant_id, "complete", "2000-01-01T00:00:00.000Z", ctx)

    removed = sweep(ctx)
    assert removed == {"staging": 2, "orphans": 1, "expired_uploads": 1}
    assert not orphan.exists() and not partial.exists() and list(settings.tmp_dir.iterdir()) == []
    assert Upload.get_or_none(Upload.id == expired.id) is None
    assert not ctx.storage.exists(expired.storage_path)
    assert Upload.get_by_id(interrupted.id).status == "pending"  # its PUT can be retried
    assert Upload.get_by_id(finished.id).status == "complete"
    assert ctx.storage.exists(finished.storage_path)
    # The published package is untouched.
    assert client.get(f"/content/{pkg['id']}/shared/launchpage.html").status_code == 200
    assert client.get(f"/api/v1/packages/{pkg['id']}", headers=bearer(admin_key)).status_code == 200
