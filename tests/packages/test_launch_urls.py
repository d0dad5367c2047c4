"""What a package may launch: never a script URL; a SCO only from inside the package; content
on the web only where the standard allows it, with a warning (and for Tin Can, the warning
that the learner's credentials travel in that URL)."""

import io
import zipfile

import pytest

from scorm_api.errors import ApiError
from scorm_api.packages.inspection import inspect_package

from tests.launches.cmi5_au import COURSE_XML, TINCAN_XML
from tests.packages import zips

TWO_ITEMS = """<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Course</title>
    <item identifier="i1" identifierref="r1"><title>First</title></item>
    <item identifier="i2" identifierref="r2"><title>Second</title></item>
  </organization></organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html"/>
    <resource identifier="r2" type="webcontent" adlcp:scormtype="{kind}" href="{href}"/>
  </resources>
</manifest>"""


def inspect(files: dict) -> object:
    return inspect_package(zipfile.ZipFile(io.BytesIO(zips.build(files))))


def scorm(href: str, kind: str = "sco") -> dict:
    escaped = href.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    manifest = TWO_ITEMS.replace("{kind}", kind).replace("{href}", escaped)
    return {"imsmanifest.xml": manifest.encode(), "index.html": b"<html>hi</html>"}


def refused(files: dict) -> ApiError:
    with pytest.raises(ApiError) as info:
        inspect(files)
    assert info.value.status == 400 and info.value.code == "VALIDATION_ERROR"
    return info.value


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "blob:http://localhost/uuid",
        "about:blank",
        "ftp://example.org/course.html",
    ],
)
@pytest.mark.parametrize("kind", ["sco", "asset"])
def test_script_and_other_scheme_urls_are_refused_for_any_item(href, kind):
    err = refused(scorm(href, kind))  # the second item: every item is checked, not the first alone
    assert err.details["reason"] in ("unsafe_launch_url", "invalid_launch_url"), err.details
    assert "i2" in err.message


@pytest.mark.parametrize("href", ["java script:alert(1)", "index.html\x7f", "a:b.html"])
def test_urls_with_blanks_or_control_characters_are_refused(href):
    assert refused(scorm(href)).details["reason"] in ("invalid_launch_url", "unsafe_launch_url")


def test_a_file_name_with_spaces_is_still_a_file_of_the_package():
    files = scorm("second page.html", "sco")
    files["second page.html"] = b"<html>2</html>"
    assert not [w for w in inspect(files).warnings if w["code"] == "offline_hazard"]


@pytest.mark.parametrize(
    "href", ["http://elsewhere.example/sco.html", "https://cdn.example/x", "//cdn.example/x"]
)
def test_a_sco_on_another_site_is_refused(href):
    err = refused(scorm(href, "sco"))
    assert err.details["reason"] == "external_sco" and "inside the package" in err.message


def test_an_asset_on_the_web_is_kept_with_an_offline_warning():
    pkg = inspect(scorm("https://example.org/reading.html", "asset"))
    hazards = [w for w in pkg.warnings if w["code"] == "offline_hazard"]
    assert len(hazards) == 1 and hazards[0]["url"] == "https://example.org/reading.html"
    assert "credentials" not in hazards[0]["message"]


def test_a_tin_can_activity_on_the_web_warns_that_credentials_travel():
    xml = TINCAN_XML.replace("story.html", "https://elsewhere.example/story.html")
    pkg = inspect({"tincan.xml": xml.encode()})
    (hazard,) = [w for w in pkg.warnings if w["code"] == "offline_hazard"]
    assert "credentials" in hazard["message"] and hazard["url"] == "https://elsewhere.example/story.html"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"])
def test_tin_can_and_cmi5_refuse_script_urls(url):
    tincan = {"tincan.xml": TINCAN_XML.replace("story.html", url).encode()}
    assert refused(tincan).details["reason"] == "unsafe_launch_url"
    cmi5 = {"cmi5.xml": COURSE_XML.replace("poster.html", url).encode(), "intro/index.html": b"x"}
    assert refused(cmi5).details["reason"] == "unsafe_launch_url"


def test_a_cmi5_au_on_the_web_is_allowed_with_a_warning():
    files = {
        "cmi5.xml": COURSE_XML.replace("poster.html", "https://aus.example/poster").encode(),
        "intro/index.html": b"x",
        "quiz/index.html": b"x",
    }
    hazards = [w for w in inspect(files).warnings if w["code"] == "offline_hazard"]
    assert [h["url"] for h in hazards] == ["https://aus.example/poster"]
    assert "credentials" not in hazards[0]["message"]  # cmi5 hands them over by the fetch URL
