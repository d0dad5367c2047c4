"""Zip entry names that break a file system, collide on one, or that other tools read
differently: each refused with its reason before anything is written."""

import io
import unicodedata
import zipfile

import pytest

from scorm_api.errors import ApiError
from scorm_api.packages.inspection import inspect_package

from tests.packages import zips


def reason(data: bytes) -> str:
    with pytest.raises(ApiError) as info:
        inspect_package(zipfile.ZipFile(io.BytesIO(data)))
    assert info.value.status == 400 and info.value.code == "VALIDATION_ERROR" and info.value.message
    return info.value.details["reason"]


def with_entries(*names: str) -> bytes:
    return zips.build(zips.minimal(**{n: b"x" for n in names}))


@pytest.mark.parametrize(
    "name",
    ["a" * 256 + ".html", "media/" + "é" * 128 + ".png", "/".join(["deep"] * 300) + "/x.html"],
)
def test_names_longer_than_file_systems_hold(name):
    assert reason(with_entries(name)) == "name_too_long"


@pytest.mark.parametrize(
    "names",
    [("media", "media/a.png"), ("media/img", "media/img/b.png"), ("Media", "media/a.png")],
)
def test_a_file_and_a_folder_of_the_same_name(names):
    assert reason(with_entries(*names)) == "path_conflict"


def test_a_file_and_an_explicit_folder_entry_of_the_same_name():
    entries = [*zips.minimal().items(), ("media", b"x"), ("media/", b"")]
    assert reason(zips.build(entries)) == "path_conflict"


def test_names_equal_after_unicode_normalisation():
    nfc, nfd = unicodedata.normalize("NFC", "café.html"), unicodedata.normalize("NFD", "café.html")
    assert nfc != nfd
    assert reason(with_entries(nfc, nfd)) == "duplicate_entry"


@pytest.mark.parametrize(
    "name",
    ["CON", "aux.html", "media/nul.txt", "Com1.js", "LPT9", "prn.tar.gz", "notes.", "media./a.png", "space "],
)
def test_names_windows_cannot_hold(name):
    assert reason(with_entries(name)) == "unsafe_name"


@pytest.mark.parametrize("name", ["index.html::$DATA", "page.html:Zone.Identifier", "media/x:y.png"])
def test_ntfs_streams_and_colons(name):
    assert reason(with_entries(name)) == "unsafe_name"


def test_names_that_only_look_reserved_are_fine():
    pkg = inspect_package(
        zipfile.ZipFile(io.BytesIO(with_entries("console.html", "auxiliary/x.js", "con-tent.css", "a.b.c")))
    )
    assert {"console.html", "auxiliary/x.js", "con-tent.css", "a.b.c"} <= pkg.plan.files


def test_an_archive_appended_to_another():
    """`cat a.zip b.zip`: Python reads the last archive, unzip and browsers' tools the first."""
    first = zips.build(zips.minimal())
    second = zips.build(zips.minimal(**{"evil.html": b"<script>alert(1)</script>"}))
    assert reason(first + second) == "appended_archive"


def test_a_self_extractor_stub_before_the_archive():
    assert reason(b"MZ" + b"\0" * 4096 + zips.build(zips.minimal())) == "appended_archive"


def test_entries_that_overlap():
    """Two central-directory entries pointing at the same bytes (the overlapping zip bomb)."""
    data = bytearray(zips.build(zips.minimal(**{"b.html": b"y" * 100})))
    cd = data.rfind(b"PK\x01\x02")  # the last central directory entry (b.html)
    first_local = int.from_bytes(
        data[data.find(b"PK\x01\x02") + 42 : data.find(b"PK\x01\x02") + 46], "little"
    )
    data[cd + 42 : cd + 46] = (first_local + 1).to_bytes(
        4, "little"
    )  # b.html now starts inside the first entry
    assert reason(bytes(data)) in ("overlapping_entries", "corrupt_entry")
