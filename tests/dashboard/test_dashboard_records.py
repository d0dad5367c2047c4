"""The Records page in Debian's Chromium against a real server: a compliance report shown and
issued as PDF, a transcript issued from the page and from the Learners page, and the check of a
record handed in (the file as issued, an altered copy, the code typed off the paper)."""

import pytest

from tests.dashboard.data import upload
from tests.dashboard.pages import first_sign_in
from tests.records.pdfs import pdf_text
from tests.support import screenshot
from tests.sync.support import Api

pytestmark = pytest.mark.browser

PASSED = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "88"}


def save(page, button, path):
    with page.expect_download() as download:
        button.click()
    download.value.save_as(path)
    return path


def test_records_issued_and_checked_from_the_dashboard(dash, tmp_path):
    srv, page = dash
    api = Api(srv)
    course = upload(srv, "golf_scorm12_runtime_basic.zip")
    session = api.session(course["id"], "ann.lee")
    api.put(session["id"], {"cmi_data": PASSED, "session_time": "PT20M"})
    api.call("POST", "/api/v1/learners", json={"learner_id": "bo.chen", "name": "Bo Chen"})
    first_sign_in(srv, page)

    page.get_by_role("link", name="Records", exact=True).click()
    page.get_by_role("heading", name="Compliance report").wait_for()
    page.locator("#report-courses input:checked").first.wait_for()
    page.get_by_role("button", name="Show").click()
    page.get_by_text("1 of 2 learners compliant").wait_for()
    assert "✗ not started" in page.locator("tr[data-learner='bo.chen']").inner_text()
    assert "20 min" in page.locator("tr[data-learner='ann.lee']").inner_text()
    screenshot(page, "dashboard-records-report")
    report = save(page, page.locator("#report-pdf"), tmp_path / "report.pdf")
    text = pdf_text(report.read_bytes(), tmp_path)
    assert "Compliance report" in text and "compliant: 1" in text and "Bo Chen (bo.chen)" in text

    card = page.locator(".card", has_text="Transcript")
    card.get_by_label("Learner", exact=True).fill("ann")
    card.get_by_role("button", name="Ann.Lee (ann.lee)").click()
    transcript = save(page, page.locator("#transcript-pdf"), tmp_path / "transcript.pdf")
    figures = api.call("GET", "/api/v1/records/transcript", params={"learner_id": "ann.lee"})
    assert figures["courses"][0]["result"] == "passed" and figures["total_time"] == "0:20:00"
    assert figures["total_time"] in pdf_text(transcript.read_bytes(), tmp_path)

    # Checked: the file as issued, then a copy with one figure changed.
    page.get_by_label("The file (PDF or CSV)").set_input_files(str(transcript))
    page.get_by_role("button", name="Check the file").click()
    page.locator(".verdict.ok", has_text="Valid").wait_for()
    assert "ann.lee" in page.locator(".verdict").inner_text()
    screenshot(page, "dashboard-records-valid")
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(transcript.read_bytes().replace(b"Training transcript", b"Training transcripT"))
    page.get_by_label("The file (PDF or CSV)").set_input_files(str(altered))
    page.get_by_role("button", name="Check the file").click()
    page.locator(".verdict.bad", has_text="Altered").wait_for()
    screenshot(page, "dashboard-records-altered")
    code = page.locator("tr[data-code]").first.get_attribute("data-code")
    page.get_by_label("Or the code printed on it").fill(code.replace("-", "").lower())
    page.get_by_role("button", name="Look up the code").click()
    page.locator(".verdict.ok", has_text=code).wait_for()

    # The Learners page issues one too.
    page.get_by_role("link", name="Learners", exact=True).click()
    row = page.locator("tr[data-learner='ann.lee']")
    save(page, row.get_by_role("button", name="Transcript"), tmp_path / "from-learners.pdf")
    issued = api.call("GET", "/api/v1/records/issued")["records"]
    assert len(issued) == 3 and {r["kind"] for r in issued} == {"transcript", "compliance"}
