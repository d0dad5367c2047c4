"""Every real fixture imports (or is refused/warned) as its README describes; hostile zips and
hostile XML are refused with a reason."""

import io
import zipfile

import pytest

from scorm_api.errors import ApiError
from scorm_api.packages.ingest import ZipLimits, extract, inspect_zip
from scorm_api.packages.inspection import inspect_package
from scorm_api.packages.manifest import parse_manifest

from tests.packages import zips
from tests.packages.importable import IMPORTABLE
from tests.support import fixture


def inspect_file(name: str):
    with zipfile.ZipFile(fixture(name)) as zf:
        return inspect_package(zf)


def inspect_bytes(data: bytes, limits: ZipLimits = ZipLimits()):
    return inspect_package(zipfile.ZipFile(io.BytesIO(data)), limits)


def refusal(fn, *args) -> ApiError:
    with pytest.raises(ApiError) as info:
        fn(*args)
    err = info.value
    assert err.status == 400 and err.code == "VALIDATION_ERROR" and err.message
    return err


@pytest.mark.parametrize("name,standard,title,scos,launchable,seq,launch,warnings", IMPORTABLE)
def test_real_packages_import(name, standard, title, scos, launchable, seq, launch, warnings):
    pkg = inspect_file(name)
    m = pkg.manifest
    assert m.standard == standard
    assert m.title.startswith(title)
    assert (m.sco_count, m.launchable_count) == (scos, launchable)
    assert m.has_sequencing is seq
    assert m.launch_href == launch
    assert [w["code"] for w in pkg.warnings] == warnings


# name, reason, words the message must contain, warnings the manifest alone carries
REFUSED = [
    ("broken_scorm12_malformed_xml.zip", "malformed_xml", ["not well-formed", "line 27"]),
    ("broken_scorm12_missing_launch_url.zip", "missing_launch_url", ["resource_1", "no href"]),
    ("broken_scorm12_item_nonexistent_resource.zip", "missing_resource", ["item_1", "non_existent_resource"]),
    (
        "broken_scorm12_invalid_file_references.zip",
        "launch_file_missing",
        ["content/nonexistent.html", "not in the zip"],
    ),
    ("broken_scorm2004_missing_org_identifier.zip", "launch_file_missing", ["index.html"]),
    ("broken_scorm2004_adlcts_bad_default_org.zip", "launch_file_missing", ["resources/SequencingTest.htm"]),
    ("adl_cts_2004_4ed_lms_test_corpus.zip", "missing_manifest", ["no imsmanifest.xml", "LMSTestPackage_"]),
]


@pytest.mark.parametrize("name,reason,words", REFUSED)
def test_broken_packages_are_refused_with_a_reason(name, reason, words):
    err = refusal(inspect_file, name)
    assert err.details["reason"] == reason
    for w in words:
        assert w in err.message


@pytest.mark.parametrize(
    "name", ["broken_scorm2004_missing_org_identifier.zip", "broken_scorm2004_adlcts_bad_default_org.zip"]
)
def test_bad_default_organization_is_a_warning_in_the_manifest(name):
    with zipfile.ZipFile(fixture(name)) as zf:
        m = parse_manifest(zf.read("imsmanifest.xml"))
    assert [w["code"] for w in m.warnings] == ["default_organization_missing"]


def test_debugger_package_structure():
    m = inspect_file("scorm12_debugger_nested_prereq.zip").manifest
    org = m.organizations[0]
    assert m.default_organization == org.identifier
    nested = org.items[3]
    assert nested.children and nested.children[0].children  # three levels deep
    flat = []

    def walk(items):
        for i in items:
            flat.append(i)
            walk(i.children)

    walk(org.items)
    assert any(not i.is_visible for i in flat)
    assert any(i.prerequisites for i in flat)


def test_mastery_score_and_sequencing_are_kept():
    m = inspect_file("golf_scorm2004_3ed_seq_forced_sequential.zip").manifest
    items = m.organizations[0].items
    assert m.organizations[0].sequencing and "controlMode" in m.organizations[0].sequencing
    assert any(i.sequencing for i in items)
    raw = zips.MINIMAL_MANIFEST.replace(
        b"<title>Only page</title>",
        b"<title>Only page</title><adlcp:masteryscore>80</adlcp:masteryscore>"
        b'<adlcp:prerequisites type="aicc_script">x</adlcp:prerequisites>',
    )
    item = parse_manifest(raw).organizations[0].items[0]
    assert item.mastery_score == 80.0 and item.prerequisites == "x"


def test_xml_base_and_sub_manifest():
    raw = b"""<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
      xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xml:base="course/">
      <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
      <organizations default="o"><organization identifier="o"><title>T</title>
        <item identifier="a" identifierref="sub"><title>Sub</title></item>
      </organization></organizations>
      <resources xml:base="res/"><resource identifier="r0" type="webcontent" adlcp:scormType="asset"
        href="intro.html" xml:base="a/"/></resources>
      <manifest identifier="sub">
        <organizations default="so"><organization identifier="so"><title>S</title>
          <item identifier="s1" identifierref="r1"><title>Inner</title></item>
        </organization></organizations>
        <resources><resource identifier="r1" type="webcontent" adlcp:scormType="sco"
          href="inner/start.html"/></resources>
      </manifest>
    </manifest>"""
    m = parse_manifest(raw)
    assert m.resources["r0"].href == "course/res/a/intro.html"
    assert m.launch_item == "s1" and m.launch_href == "course/inner/start.html"
    assert m.sco_count == 1


@pytest.mark.parametrize(
    "xml,reason",
    [
        (
            b"""<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY a "aaaaaaaaaa">
         <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
         <manifest><title>&c;</title></manifest>""",
            "xml_entities",
        ),
        (
            b"""<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
         <manifest><title>&xxe;</title></manifest>""",
            "xml_entities",
        ),
        (
            b"""<?xml version="1.0"?><!DOCTYPE manifest SYSTEM "http://127.0.0.1:1/evil.dtd">
         <manifest/>""",
            "external_dtd",
        ),
        (b"""<?xml version="1.0"?><!DOCTYPE manifest SYSTEM "/etc/passwd"><manifest/>""", "external_dtd"),
        (b"""<?xml version="1.0"?><!DOCTYPE manifest SYSTEM "/dev/zero"><manifest/>""", "external_dtd"),
        (
            b"""<?xml version="1.0"?><!DOCTYPE manifest PUBLIC "-//X//Y" "file:///dev/urandom"><manifest/>""",
            "external_dtd",
        ),
        (b"""<?xml version="1.0"?><notamanifest/>""", "not_a_manifest"),
        (
            b"""<manifest xmlns="urn:other"><metadata><schemaversion>7</schemaversion></metadata></manifest>""",
            "unknown_version",
        ),
        (b"\xff\xfe<\x00m\x00", "malformed_xml"),
        (b"<manifest>" + b"<a>" * 300 + b"</a>" * 300 + b"</manifest>", "malformed_xml"),
    ],
)
def test_hostile_or_wrong_xml_is_refused(xml, reason):
    err = refusal(parse_manifest, xml)
    assert err.details["reason"] == reason


def test_package_in_one_top_folder_is_accepted_with_a_warning():
    pkg = inspect_bytes(zips.build({f"My Course/{k}": v for k, v in zips.minimal().items()}))
    assert pkg.plan.root_prefix == "My Course/"
    assert pkg.plan.files == {"imsmanifest.xml", "index.html"}
    assert [w["code"] for w in pkg.warnings] == ["package_in_top_folder"]


def test_mac_litter_is_ignored():
    pkg = inspect_bytes(zips.build(zips.minimal(**{"__MACOSX/._index.html": b"x", ".DS_Store": b"x"})))
    assert pkg.plan.files == {"imsmanifest.xml", "index.html"}


@pytest.mark.parametrize(
    "entry",
    ["../evil.html", "a/../../evil.html", "/etc/evil", "C:/evil.html", "c:evil.html", "a\\..\\evil.html"],
)
def test_path_traversal_is_refused(entry):
    # (Names with NUL never reach us: Python's zipfile cuts a name at its first NUL.)
    err = refusal(inspect_bytes, zips.build(zips.minimal(**{entry: b"x"})))
    assert err.details["reason"] == "unsafe_path" and err.details["entry"] == entry


def test_symlink_is_refused():
    data = zips.with_info(zips.minimal(), "link.html", b"/etc/passwd", external_attr=(0o120777 << 16))
    assert refusal(inspect_bytes, data).details["reason"] == "symlink"


def test_encrypted_entry_is_refused():
    data = zips.with_info(zips.minimal(), "secret.html", b"x", flag_bits=0x1)
    assert refusal(inspect_bytes, data).details["reason"] == "encrypted"


@pytest.mark.parametrize("second", ["index.html", "INDEX.HTML"])
def test_duplicate_names_are_refused(second):
    entries = list(zips.minimal().items()) + [(second, b"other")]
    assert refusal(inspect_bytes, zips.build(entries)).details["reason"] == "duplicate_entry"


def test_zip_bomb_by_ratio_is_refused():
    data = zips.build(zips.minimal(**{"bomb.bin": b"\0" * (50 * 1024 * 1024)}))
    assert len(data) < 200_000
    err = refusal(inspect_bytes, data)
    assert err.details["reason"] == "zip_bomb" and "bomb.bin" in err.message


def test_caps_on_count_and_total_size():
    many = zips.build(zips.minimal(**{f"f{i}.txt": b"x" for i in range(30)}))
    err = refusal(inspect_bytes, many, ZipLimits(max_files=10))
    assert err.details["reason"] == "too_many_files" and err.details["limit"] == 10
    big = zips.build(zips.minimal(**{"big.bin": bytes(range(256)) * 4096}))
    err = refusal(inspect_bytes, big, ZipLimits(max_total_bytes=100_000))
    assert err.details["reason"] == "too_large"


@pytest.mark.parametrize("declared", [5, 100_000])
def test_declared_size_that_lies_aborts_extraction(tmp_path, declared):
    raw = zips.build(zips.minimal(**{"data.bin": b"A" * 1000}), compression=zipfile.ZIP_STORED)
    data = zips.lie_about_size(raw, "data.bin", declared)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        plan = inspect_zip(zf)
        err = refusal(extract, zf, plan, tmp_path / "out")
    assert err.details["reason"] in ("size_mismatch", "corrupt_entry")


def test_extract_writes_the_planned_files(tmp_path):
    with zipfile.ZipFile(fixture("golf_scorm12_runtime_basic.zip")) as zf:
        plan = inspect_zip(zf)
        extract(zf, plan, tmp_path / "pkg")
        for info, rel in plan.entries:
            assert (tmp_path / "pkg" / rel).read_bytes() == zf.read(info)


def test_not_a_zip_at_all():
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(b"this is not a zip"))
