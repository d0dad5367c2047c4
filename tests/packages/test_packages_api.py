"""Packages over HTTP: the presigned flow, processing, multipart, quotas, download, delete,
content serving; and that every failure leaves nothing behind."""

import hashlib
import io
from urllib.parse import urlsplit

import pytest

from scorm_api import jobs, state
from scorm_api.packages.models import Package, Upload

from tests.packages import zips
from tests.packages.importable import IMPORTABLE
from tests.support import assert_envelope, bearer, fixture, mint, put_path, upload_and_process


def leftovers(settings) -> list[str]:
    """Files anywhere under files/ and tmp/ (packages' own folders excluded by the caller)."""
    found = []
    for root in (settings.files_dir / "uploads", settings.tmp_dir):
        found += [str(p) for p in root.rglob("*") if p.is_file()]
    return found


@pytest.fixture
def golf():
    return fixture("golf_scorm12_runtime_basic.zip").read_bytes()


def test_presigned_flow_end_to_end(client, admin_key, settings, golf):
    pkg, ticket = upload_and_process(client, admin_key, golf, "golf.zip")
    assert ticket["storage_path"].startswith("uploads/") and ticket["method"] == "PUT"
    assert ticket["required_put_headers"] == {"Content-Type": "application/zip"}
    assert pkg["status"] == "ready" and pkg["standard"] == "scorm_1_2" and pkg["version"] == "1.2"
    assert pkg["title"].startswith("Golf Explained - Run-time Basic")
    assert pkg["metadata"]["sco_count"] == 1
    assert pkg["file_size_bytes"] == len(golf) and pkg["sha256"] == hashlib.sha256(golf).hexdigest()
    assert pkg["launch_url"].endswith(f"/content/{pkg['id']}/shared/launchpage.html")
    assert pkg["manifest_url"].endswith(f"/content/{pkg['id']}/imsmanifest.xml")

    full = client.get(f"/api/v1/packages/{pkg['id']}", headers=bearer(admin_key)).get_json()
    assert full["metadata"]["organizations"][0]["items"][0]["identifierref"]
    assert {"launch", "resources", "mastery_score", "has_sequencing"} <= set(full["metadata"])
    listed = client.get("/api/v1/packages", headers=bearer(admin_key)).get_json()
    assert listed["count"] == 1 and "organizations" not in listed["packages"][0]["metadata"]

    launch = client.get(urlsplit(pkg["launch_url"]).path)
    assert launch.status_code == 200 and launch.mimetype == "text/html"
    manifest = client.get(urlsplit(pkg["manifest_url"]).path)
    assert manifest.status_code == 200 and b"<manifest" in manifest.data

    download = client.get(f"/api/v1/packages/{pkg['id']}/download", headers=bearer(admin_key))
    assert download.status_code == 200 and download.data == golf
    assert "golf.zip" in download.headers["Content-Disposition"]
    assert leftovers(settings) == []  # the staged zip moved into the package folder


def test_alias_upload_sessions(client, admin_key):
    resp = client.post(
        "/api/v1/packages/upload-sessions",
        headers=bearer(admin_key),
        json={"filename": "x.zip", "file_size": 10},
    )
    assert resp.status_code == 200 and resp.get_json()["presigned_url"]


def test_retrying_process_returns_the_same_package(client, admin_key, golf):
    pkg, ticket = upload_and_process(client, admin_key, golf)
    again = client.post(
        "/api/v1/packages/process", headers=bearer(admin_key), json={"storage_path": ticket["storage_path"]}
    )
    assert again.status_code == 200 and again.get_json()["id"] == pkg["id"]
    assert Package.select().count() == 1


# ---- the PUT ---------------------------------------------------------------------------


@pytest.fixture
def ticket(client, admin_key):
    return mint(client, admin_key, 100).get_json()


def test_put_rejections_leave_nothing(client, settings, ticket):
    url = put_path(ticket["presigned_url"])
    body = b"x" * 100
    zip_ct = {"Content-Type": "application/zip"}
    cases = [
        (url.replace("X-Signature=", "X-Signature=0"), body, zip_ct, 403),
        (url.replace("X-Size=100", "X-Size=99"), body[:99], zip_ct, 403),  # tampered size
        (url, body, {"Content-Type": "text/plain"}, 403),  # not the signed type
        (url, body[:50], zip_ct, 400),  # wrong size
        (url, body + b"x", zip_ct, 400),
        (url.split("?")[0], body, zip_ct, 403),  # no signature at all
    ]
    for path, data, headers, status in cases:
        resp = client.put(path, data=data, headers=headers)
        assert resp.status_code == status, (path, resp.get_json())
        assert resp.get_json()["error"]["code"] in ("FORBIDDEN", "BAD_REQUEST")
    assert leftovers(settings) == []
    assert Upload.get(Upload.storage_path == ticket["storage_path"]).status == "pending"
    ok = client.put(url, data=body, headers=zip_ct)
    assert ok.status_code == 200 and ok.get_json()["size"] == 100
    second = client.put(url, data=body, headers=zip_ct)
    assert_envelope(second, 409, "CONFLICT")


def test_expired_url(client, admin_key, ticket, monkeypatch):
    import scorm_api.storage.local as storage_mod

    real = storage_mod.time.time
    monkeypatch.setattr(storage_mod.time, "time", lambda: real() + 7200)
    resp = client.put(
        put_path(ticket["presigned_url"]), data=b"x" * 100, headers={"Content-Type": "application/zip"}
    )
    body = assert_envelope(resp, 403, "FORBIDDEN")
    assert "expired" in body["error"]["message"]


def test_mint_validation_and_tenant(client, admin_key, make_tenant, settings):
    errors = mint(client, admin_key, 0).get_json()["error"]["details"]["fieldErrors"]
    assert errors == {"file_size": ["Must be at least 1"]}
    too_big = mint(client, admin_key, settings.max_package_bytes + 1).get_json()
    assert "file_size" in too_big["error"]["details"]["fieldErrors"]
    other = make_tenant()
    assert_envelope(mint(client, admin_key, 10, tenant_id=other.tenant_id), 403, "FORBIDDEN")
    assert_envelope(
        client.post(
            "/api/v1/packages/upload-url",
            headers=other.headers("read"),
            json={"filename": "a.zip", "file_size": 1},
        ),
        403,
        "FORBIDDEN",
    )


# ---- process ---------------------------------------------------------------------------


def test_process_errors(client, admin_key, make_tenant, ticket):
    body = {"storage_path": ticket["storage_path"]}
    assert_envelope(
        client.post("/api/v1/packages/process", headers=bearer(admin_key), json=body), 409, "CONFLICT"
    )  # nothing was PUT yet
    other = make_tenant()
    assert_envelope(
        client.post("/api/v1/packages/process", headers=other.headers("rw"), json=body), 404, "NOT_FOUND"
    )  # another tenant's upload does not exist for it
    assert_envelope(
        client.post(
            "/api/v1/packages/process", headers=bearer(admin_key), json={**body, "tenant_id": other.tenant_id}
        ),
        403,
        "FORBIDDEN",
    )
    assert_envelope(
        client.post(
            "/api/v1/packages/process", headers=bearer(admin_key), json={"storage_path": "../../etc/passwd"}
        ),
        404,
        "NOT_FOUND",
    )


@pytest.mark.parametrize(
    "name,reason",
    [
        ("broken_scorm12_malformed_xml.zip", "malformed_xml"),
        ("broken_scorm12_invalid_file_references.zip", "launch_file_missing"),
        ("adl_cts_2004_4ed_lms_test_corpus.zip", "missing_manifest"),
    ],
)
def test_refused_package_leaves_no_rows_and_no_files(client, admin_key, settings, name, reason):
    data = fixture(name).read_bytes()
    resp, _ = upload_and_process(client, admin_key, data, expect=400)
    assert resp["error"]["code"] == "VALIDATION_ERROR" and resp["error"]["details"]["reason"] == reason
    assert Package.select().count() == 0 and Upload.select().count() == 0
    assert leftovers(settings) == [] and list((settings.files_dir / "packages").iterdir()) == []


def test_not_a_zip(client, admin_key, settings):
    resp, _ = upload_and_process(client, admin_key, b"this is not a zip at all", expect=400)
    assert resp["error"]["details"]["reason"] == "not_a_zip"
    assert leftovers(settings) == []


def test_warnings_are_kept_on_the_package(client, admin_key):
    data = fixture("golf_scorm2004_4ed_seq_post_test_rollup.zip").read_bytes()
    pkg, _ = upload_and_process(client, admin_key, data)
    hazards = [w for w in pkg["warnings"] if w["code"] == "offline_hazard"]
    assert {w["url"] for w in hazards} == {
        "https://ajax.googleapis.com/ajax/libs/jquery/1.4.3/jquery.min.js",
        "https://ajax.googleapis.com/ajax/libs/jqueryui/1.8.5/jquery-ui.min.js",
    }
    assert all(w["file"] == "shared/launchpage.html" for w in hazards)
    assert pkg["launch_url"].endswith("shared/launchpage.html?content=playing")
    debugger, _ = upload_and_process(
        client, admin_key, fixture("scorm12_debugger_nested_prereq.zip").read_bytes()
    )
    assert "default_organization_missing" in {w["code"] for w in debugger["warnings"]}


def test_warnings_say_how_much_they_matter_the_offline_ones_first(client, admin_key):
    """The manifest's unlisted files are found before the CDN scripts, but the warning that
    ruins an offline class comes first, marked critical, in the list and on the package."""
    data = fixture("golf_scorm2004_4ed_seq_post_test_rollup.zip").read_bytes()
    pkg, _ = upload_and_process(client, admin_key, data)
    expected = [("offline_hazard", "critical")] * 2 + [("files_not_listed", "minor")]
    assert [(w["code"], w["severity"]) for w in pkg["warnings"]] == expected
    (listed,) = client.get("/api/v1/packages", headers=bearer(admin_key)).get_json()["packages"]
    shown = client.get(f"/api/v1/packages/{pkg['id']}", headers=bearer(admin_key)).get_json()
    assert listed["warnings"] == shown["warnings"] == pkg["warnings"]
    # Stored as found (what was imported before severities existed reads the same way).
    assert [w["code"] for w in Package.get_by_id(pkg["id"]).warnings][0] == "files_not_listed"


def test_background_processing(make_settings):
    from scorm_api.factory import create_app

    app = create_app(make_settings(sync_process_max_bytes=1))
    key = state.of(app).first_run_key.plaintext
    client = app.test_client()
    pkg, _ = upload_and_process(client, key, fixture("golf_scorm12_singlesco.zip").read_bytes(), expect=202)
    assert pkg["status"] == "processing" and pkg["launch_url"] is None
    broken, _ = upload_and_process(
        client, key, fixture("broken_scorm12_malformed_xml.zip").read_bytes(), expect=202
    )
    assert jobs.run_due_jobs(state.of(app)) == 2
    done = client.get(f"/api/v1/packages/{pkg['id']}", headers=bearer(key)).get_json()
    assert done["status"] == "ready" and done["metadata"]["sco_count"] == 1 and done["launch_url"]
    failed = client.get(f"/api/v1/packages/{broken['id']}", headers=bearer(key)).get_json()
    assert failed["status"] == "failed" and failed["failure"]["reason"] == "malformed_xml"
    assert "not well-formed" in failed["failure"]["message"]


# ---- multipart -------------------------------------------------------------------------


def test_multipart_upload(client, admin_key, golf):
    resp = client.post(
        "/api/v1/packages/upload",
        headers=bearer(admin_key),
        data={"file": (io.BytesIO(golf), "golf.zip"), "uploaded_by": "trainer"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_json()
    pkg = resp.get_json()
    assert pkg["status"] == "ready" and pkg["uploaded_by"] == "trainer"
    assert pkg["original_filename"] == "golf.zip"


def test_multipart_errors(make_settings, golf):
    from scorm_api.factory import create_app

    app = create_app(make_settings(max_upload_bytes=50_000))
    key = state.of(app).first_run_key.plaintext
    client = app.test_client()
    too_big = client.post(
        "/api/v1/packages/upload",
        headers=bearer(key),
        data={"file": (io.BytesIO(golf), "golf.zip")},
        content_type="multipart/form-data",
    )
    assert_envelope(too_big, 413, "PAYLOAD_TOO_LARGE")
    missing = client.post(
        "/api/v1/packages/upload", headers=bearer(key), data={"x": "y"}, content_type="multipart/form-data"
    )
    assert assert_envelope(missing, 400, "VALIDATION_ERROR")["error"]["details"]["fieldErrors"] == {
        "file": ["Required"]
    }
    assert_envelope(
        client.post("/api/v1/packages/upload", headers=bearer(key), json={"file": "x"}), 400, "BAD_REQUEST"
    )
    assert Package.select().count() == 0


# ---- quotas, delete, isolation -------------------------------------------------------


def test_quota(client, admin_key, golf):
    from scorm_api.tenants.services import system_tenant

    tenant = system_tenant()
    tenant.max_packages = 1
    tenant.save()
    upload_and_process(client, admin_key, golf)
    body = assert_envelope(mint(client, admin_key, len(golf)), 403, "QUOTA_EXCEEDED")
    assert body["error"]["details"] == {"limit": 1, "current": 1}
    multipart = client.post(
        "/api/v1/packages/upload",
        headers=bearer(admin_key),
        data={"file": (io.BytesIO(golf), "g.zip")},
        content_type="multipart/form-data",
    )
    assert_envelope(multipart, 403, "QUOTA_EXCEEDED")


def test_delete_removes_row_and_files(client, admin_key, settings, golf, make_tenant):
    pkg, _ = upload_and_process(client, admin_key, golf)
    other = make_tenant()
    assert_envelope(
        client.delete(f"/api/v1/packages/{pkg['id']}", headers=other.headers()), 404, "PACKAGE_NOT_FOUND"
    )
    assert_envelope(
        client.delete(f"/api/v1/packages/{pkg['id']}", headers=other.headers("rw")), 403, "FORBIDDEN"
    )  # deletion needs admin
    resp = client.delete(f"/api/v1/packages/{pkg['id']}", headers=bearer(admin_key))
    assert resp.get_json() == {"success": True, "package_id": pkg["id"]}
    assert not (settings.files_dir / "packages" / pkg["id"]).exists()
    assert client.get(urlsplit(pkg["launch_url"]).path).status_code == 404
    assert_envelope(
        client.get(f"/api/v1/packages/{pkg['id']}", headers=bearer(admin_key)), 404, "PACKAGE_NOT_FOUND"
    )
    assert_envelope(
        client.get(f"/api/v1/packages/{pkg['id']}/download", headers=other.headers()),
        404,
        "PACKAGE_NOT_FOUND",
    )


# ---- content serving -------------------------------------------------------------------


def test_content_serving(client, admin_key, golf):
    pkg, _ = upload_and_process(client, admin_key, golf)
    base = f"/content/{pkg['id']}"
    js = client.get(f"{base}/shared/scormfunctions.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript"
    css = client.get(f"{base}/shared/style.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    etag = js.headers["ETag"]
    assert client.get(f"{base}/shared/scormfunctions.js", headers={"If-None-Match": etag}).status_code == 304
    ranged = client.get(f"{base}/shared/scormfunctions.js", headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.data == js.data[10:20]
    assert ranged.headers["Content-Range"].startswith("bytes 10-19/")
    assert "Last-Modified" in js.headers
    for bad in (
        "shared",
        "shared/",
        "../package.zip",
        "..%2fpackage.zip",
        "%2e%2e/package.zip",
        "shared/%2e%2e/%2e%2e/package.zip",
        "nope.html",
        "%252e%252e/package.zip",
    ):
        assert client.get(f"{base}/{bad}").status_code == 404, bad
    assert client.get("/content/not-a-uuid/index.html").status_code == 404
    assert client.get(f"/content/{pkg['id']}/../../signing.key").status_code == 404


# ---- other standards -------------------------------------------------------------------

CMI5 = b"""<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://example.com/course/1"><title><langstring lang="en-US">Fire safety</langstring></title>
    <description><langstring lang="en-US">Evacuation basics</langstring></description></course>
  <block id="https://example.com/block/1"><title><langstring lang="en-US">Part 1</langstring></title>
    <au id="https://example.com/au/1" moveOn="CompletedAndPassed" masteryScore="0.8">
      <title><langstring lang="en-US">Lesson</langstring></title><url>au1/index.html</url></au>
  </block>
  <au id="https://example.com/au/2"><title><langstring lang="en-US">Quiz</langstring></title>
    <url>au2/index.html</url></au>
</courseStructure>"""

TINCAN = b"""<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd"><activities>
  <activity id="http://example.com/course" type="http://adlnet.gov/expapi/activities/course">
    <name lang="en-US">Customer service</name><description lang="en-US">Calls</description>
    <launch lang="en-us">story.html</launch></activity>
  <activity id="http://example.com/course/q1" type="http://adlnet.gov/expapi/activities/cmi.interaction">
    <name>Q1</name></activity>
</activities></tincan>"""


def test_cmi5_and_xapi_packages(client, admin_key):
    cmi5 = zips.build({"cmi5.xml": CMI5, "au1/index.html": b"<html/>", "au2/index.html": b"<html/>"})
    pkg, _ = upload_and_process(client, admin_key, cmi5)
    assert pkg["standard"] == "cmi5" and pkg["title"] == "Fire safety"
    assert pkg["metadata"]["sco_count"] == 2 and pkg["launch_url"].endswith("/au1/index.html")
    full = client.get(f"/api/v1/packages/{pkg['id']}", headers=bearer(admin_key)).get_json()
    au = full["metadata"]["organizations"][0]["items"][0]["children"][0]
    assert au["au"]["moveOn"] == "CompletedAndPassed" and au["au"]["masteryScore"] == 0.8
    assert full["metadata"]["description"] == "Evacuation basics"

    xapi = zips.build({"tincan.xml": TINCAN, "story.html": b"<html/>"})
    pkg, _ = upload_and_process(client, admin_key, xapi)
    assert pkg["standard"] == "xapi" and pkg["title"] == "Customer service"
    assert pkg["launch_url"].endswith("/story.html")
    missing = zips.build({"tincan.xml": TINCAN})
    resp, _ = upload_and_process(client, admin_key, missing, expect=400)
    assert resp["error"]["details"]["reason"] == "launch_file_missing"


BILLION_LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY a "aaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<manifest><metadata><schemaversion>&c;</schemaversion></metadata></manifest>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<manifest><metadata><schemaversion>&x;</schemaversion></metadata></manifest>"""


@pytest.mark.parametrize(
    "data,reason",
    [
        (zips.build(zips.minimal(**{"../../evil.html": b"x"})), "unsafe_path"),
        (zips.build(zips.minimal(**{"/abs/evil.html": b"x"})), "unsafe_path"),
        (
            zips.with_info(zips.minimal(), "link.html", b"/etc/passwd", external_attr=0o120777 << 16),
            "symlink",
        ),
        (zips.with_info(zips.minimal(), "locked.html", b"x", flag_bits=0x1), "encrypted"),
        (zips.build(zips.minimal(**{"bomb.bin": b"\0" * (30 * 1024 * 1024)})), "zip_bomb"),
        (zips.build(list(zips.minimal().items()) + [("Index.html", b"dup")]), "duplicate_entry"),
        (zips.build({"imsmanifest.xml": BILLION_LAUGHS, "index.html": b"x"}), "xml_entities"),
        (zips.build({"imsmanifest.xml": XXE, "index.html": b"x"}), "xml_entities"),
        (zips.build({"readme.txt": b"no manifest here"}), "missing_manifest"),
    ],
)
def test_hostile_zips_over_http_are_refused_and_leave_nothing(client, admin_key, settings, data, reason):
    for via in ("presigned", "multipart"):
        if via == "presigned":
            body, _ = upload_and_process(client, admin_key, data, expect=400)
        else:
            resp = client.post(
                "/api/v1/packages/upload",
                headers=bearer(admin_key),
                data={"file": (io.BytesIO(data), "x.zip")},
                content_type="multipart/form-data",
            )
            assert resp.status_code == 400
            body = resp.get_json()
        assert body["error"]["code"] == "VALIDATION_ERROR" and body["error"]["details"]["reason"] == reason
    assert Package.select().count() == 0 and Upload.select().count() == 0
    assert leftovers(settings) == [] and list((settings.files_dir / "packages").iterdir()) == []


@pytest.mark.parametrize("name,standard,title,scos,launchable,seq,launch,warnings", IMPORTABLE)
def test_every_real_fixture_imports_over_http(
    client, admin_key, name, standard, title, scos, launchable, seq, launch, warnings
):
    pkg, _ = upload_and_process(client, admin_key, fixture(name).read_bytes(), name)
    assert (pkg["status"], pkg["standard"]) == ("ready", standard)
    assert pkg["title"].startswith(title)
    assert pkg["metadata"]["sco_count"] == scos and pkg["metadata"]["launchable_count"] == launchable
    assert pkg["metadata"]["has_sequencing"] is seq
    assert pkg["launch_url"].endswith(f"/content/{pkg['id']}/{launch}")
    assert {w["code"] for w in pkg["warnings"]} >= set(warnings)
    assert client.get(urlsplit(pkg["launch_url"]).path).status_code == 200
