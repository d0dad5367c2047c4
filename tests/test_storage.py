"""The storage contract (storage.interface.Storage), run against every implementation: the
local filesystem's now; an object store's joins the `store` fixture's parameters."""

import io
import time

import pytest

from scorm_api.errors import ApiError
from scorm_api.storage import LocalStorage, Storage


@pytest.fixture(params=["local"])
def store(request, settings) -> Storage:
    settings.ensure_dirs()
    return LocalStorage(settings, b"k" * 32)


def test_put_open_size_delete(store):
    stored = store.put("a/b/c.bin", io.BytesIO(b"hello world"), max_bytes=100)
    assert stored.size == 11 and stored.sha256.startswith("b94d27b9")
    assert store.exists("a/b/c.bin") and store.size("a/b/c.bin") == 11
    obj = store.open("a/b/c.bin")
    with obj.stream:
        assert obj.stream.read() == b"hello world"
    assert obj.size == 11 and obj.etag and obj.modified <= time.time() + 1
    store.delete("a/b/c.bin")
    store.delete("a/b/c.bin")  # a missing object is not an error
    assert not store.exists("a/b/c.bin") and store.open("a/b/c.bin") is None


def test_an_exact_put_refuses_a_short_body_and_keeps_nothing(store):
    with pytest.raises(ApiError) as e:
        store.put("short.bin", io.BytesIO(b"abc"), size=10)
    assert e.value.status == 400 and e.value.details == {"expected_bytes": 10}
    assert not store.exists("short.bin")
    assert store.sweep_partial() == 0  # nor a temporary file


def test_a_capped_put_refuses_a_longer_body_and_keeps_nothing(store):
    with pytest.raises(ApiError) as e:
        store.put("long.bin", io.BytesIO(b"x" * 11), max_bytes=10)
    assert e.value.status == 413 and e.value.details == {"limit": 10}
    assert not store.exists("long.bin")


def test_a_put_replaces_the_object_whole(store):
    store.put("doc.txt", io.BytesIO(b"first version"), max_bytes=100)
    store.put("doc.txt", io.BytesIO(b"second"), size=6)
    obj = store.open("doc.txt")
    with obj.stream:
        assert obj.stream.read() == b"second"


@pytest.mark.parametrize("key", ["../escape", "a/../../escape", "/etc/passwd", ""])
def test_keys_cannot_leave_the_store(store, key):
    with pytest.raises(ApiError):
        store.put(key, io.BytesIO(b"x"), size=1)
    assert store.open(key) is None


def test_a_folder_is_not_an_object(store):
    store.put("dir/file", io.BytesIO(b"x"), size=1)
    assert store.open("dir") is None and not store.exists("dir")


def test_fetch_makes_a_local_copy(store, tmp_path):
    store.put("zips/p.zip", io.BytesIO(b"PK..."), size=5)
    store.fetch("zips/p.zip", tmp_path / "copy.zip")
    assert (tmp_path / "copy.zip").read_bytes() == b"PK..."


def test_trees_are_published_whole_and_removed_whole(store, settings):
    staging = settings.tmp_dir / "tree.partial"
    (staging / "content" / "sub").mkdir(parents=True)
    (staging / "content" / "sub" / "page.html").write_text("<p>new</p>")
    store.put("pkgs/1/content/old.html", io.BytesIO(b"old"), size=3)  # a half-published earlier run
    store.put_tree("pkgs/1", staging)
    assert not staging.exists()  # consumed
    assert store.open("pkgs/1/content/old.html") is None
    assert store.size("pkgs/1/content/sub/page.html") == 10
    store.put("pkgs/2/x", io.BytesIO(b"x"), size=1)
    assert store.children("pkgs") == ["1", "2"]
    assert store.children("nothing-here") == []
    store.delete_tree("pkgs/1")
    assert store.children("pkgs") == ["2"] and store.open("pkgs/1/content/sub/page.html") is None


def test_presigned_put_grants_exactly_what_was_minted(store, monkeypatch):
    url, expires = store.presign_put("uploads/t/u/a.zip", 123, "application/zip", 60)
    args = dict(pair.split("=", 1) for pair in url.split("?", 1)[1].split("&"))
    grant = store.verify_put("uploads/t/u/a.zip", args, "application/zip")
    assert (grant.key, grant.size, grant.expires, grant.content_type) == (
        "uploads/t/u/a.zip",
        123,
        expires,
        "application/zip",
    )
    for key, changed, content_type in (
        ("uploads/t/u/b.zip", args, "application/zip"),
        ("uploads/t/u/a.zip", {**args, "X-Size": "124"}, "application/zip"),
        ("uploads/t/u/a.zip", args, "text/plain"),
        ("uploads/t/u/a.zip", {**args, "X-Expires": "soon"}, "application/zip"),
    ):
        with pytest.raises(ApiError) as e:
            store.verify_put(key, changed, content_type)
        assert e.value.status == 403
    monkeypatch.setattr(time, "time", lambda: expires + 1)
    with pytest.raises(ApiError) as e:
        store.verify_put("uploads/t/u/a.zip", args, "application/zip")
    assert e.value.status == 403 and e.value.details == {"expired_at": expires}
