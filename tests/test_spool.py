"""Uploads spooled by waitress are linked into storage (one write), or copied when not linkable."""

import io
import os
import tempfile

from waitress import buffers

from scorm_api import spool
from scorm_api.storage import LocalStorage


def spooled(tmp_dir, data: bytes):
    spool.install(tmp_dir)
    buf = buffers.OverflowableBuffer(16)  # overflow at once into a spool file
    buf.append(data)
    f = buf.getfile()
    f.seek(0)
    return f


def test_spooled_body_is_linked_not_copied(settings):
    settings.ensure_dirs()
    storage = LocalStorage(settings, b"s" * 32)
    body = os.urandom(200_000)
    f = spooled(settings.tmp_dir, body)
    storage.put("uploads/t/u/a.zip", f, size=len(body))
    target = storage.path("uploads/t/u/a.zip")
    assert target.read_bytes() == body
    # The object is the spool file itself: same inode, so no second write happened.
    assert os.fstat(f.fileno()).st_ino == target.stat().st_ino
    assert list(settings.tmp_dir.iterdir()) == []


def test_unlinkable_sources_are_copied(settings):
    settings.ensure_dirs()
    storage = LocalStorage(settings, b"s" * 32)
    body = os.urandom(50_000)
    storage.put("uploads/t/u/b.zip", io.BytesIO(body), size=len(body))  # not a file at all
    assert storage.path("uploads/t/u/b.zip").read_bytes() == body
    with tempfile.TemporaryFile(dir=settings.tmp_dir) as plain:  # O_EXCL: cannot be linked
        plain.write(body)
        plain.seek(0)
        storage.put("uploads/t/u/c.zip", plain, size=len(body))
        assert os.fstat(plain.fileno()).st_ino != storage.path("uploads/t/u/c.zip").stat().st_ino
    assert storage.path("uploads/t/u/c.zip").read_bytes() == body


def test_short_spooled_body_is_refused_and_leaves_nothing(settings):
    import pytest

    from scorm_api.errors import ApiError

    settings.ensure_dirs()
    storage = LocalStorage(settings, b"s" * 32)
    f = spooled(settings.tmp_dir, b"x" * 100)
    with pytest.raises(ApiError):
        storage.put("uploads/t/u/d.zip", f, size=150)
    assert not storage.path("uploads/t/u/d.zip").exists()
    assert list(settings.tmp_dir.iterdir()) == []


def test_spooling_survives_a_missing_spool_dir(tmp_path):
    spool.install(tmp_path / "gone")
    buf = buffers.OverflowableBuffer(16)
    buf.append(b"y" * 100)
    f = buf.getfile()
    f.seek(0)
    assert f.read() == b"y" * 100
