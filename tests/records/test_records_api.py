"""Transcripts and compliance reports over the API: the figures, the issued files, their check."""

from __future__ import annotations

import csv
import io

import pytest

from tests.records.pdfs import pdf_text
from tests.support import assert_envelope, bearer

pytestmark = pytest.mark.usefixtures("classroom")


def test_transcript_figures(client, admin_key, courses):
    first, second = courses
    resp = client.get(
        "/api/v1/records/transcript", headers=bearer(admin_key), query_string={"learner_id": "ana"}
    )
    assert resp.status_code == 200, resp.get_json()
    t = resp.get_json()
    assert t["learner_name"] == "Ana Łopez"
    by_id = {c["package_id"]: c for c in t["courses"]}
    assert set(by_id) == {first["id"], second["id"]}
    assert by_id[first["id"]]["result"] == "passed"
    assert by_id[first["id"]]["time_spent_seconds"] == 750
    two = by_id[second["id"]]
    assert [a["result"] for a in two["attempts"]] == ["failed", "passed"]
    assert two["result"] == "passed" and two["score"]["raw"] == 85
    assert two["time_spent_seconds"] == 300 + 435  # both attempts' reported time
    assert t["total_time_spent_seconds"] == 750 + 735
    assert t["total_time"] == "0:24:45"


def test_transcript_pdf_shows_the_api_figures(client, admin_key, courses, tmp_path):
    figures = client.get(
        "/api/v1/records/transcript", headers=bearer(admin_key), query_string={"learner_id": "ana"}
    )
    resp = client.post(
        "/api/v1/records/transcript.pdf", headers=bearer(admin_key), json={"learner_id": "ana"}
    )
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    code = resp.headers["X-Record-Code"]
    assert code in resp.headers["Content-Disposition"]
    text = pdf_text(resp.data, tmp_path)
    assert "Training transcript" in text and "Ana Łopez" in text and code in text
    for course in figures.get_json()["courses"]:
        line = next(ln for ln in text.splitlines() if course["title"] in ln and course["result"] in ln)
        assert course["time"] in line, line
        assert f"{round(course['score']['raw'])}%" in line, line  # raw of 100: the scaled score
        assert str(len(course["attempts"])) in line.split()
    assert "0:24:45" in text  # the total
    assert "session time each course reported" in text  # how it was counted


def test_compliance_figures_and_files(client, admin_key, courses, tmp_path):
    first, second = courses
    body = {"package_ids": [first["id"], second["id"]]}
    resp = client.post("/api/v1/records/compliance", headers=bearer(admin_key), json=body)
    assert resp.status_code == 200, resp.get_json()
    report = resp.get_json()
    rows = {r["learner_id"]: r for r in report["learners"]}
    assert set(rows) == {"ana", "ben", "cai"}
    assert rows["ana"]["compliant"] and rows["ana"]["missing"] == []
    assert rows["ben"]["missing"] == [first["id"], second["id"]]
    assert [c["result"] for c in rows["ben"]["courses"]] == ["failed", "not started"]
    assert rows["ben"]["time_spent_seconds"] == 3723
    assert rows["cai"]["courses"][0]["result"] == "not started" and rows["cai"]["time_spent_seconds"] == 0
    assert report["compliant"] == 1

    pdf = client.post("/api/v1/records/compliance.pdf", headers=bearer(admin_key), json=body)
    assert pdf.status_code == 200, pdf.get_data()[:200]
    text = pdf_text(pdf.data, tmp_path)
    assert "compliant: 1" in text and "learners: 3" in text
    ben = next(ln for ln in text.splitlines() if "(ben)" in ln)
    assert "Ben <b>Ortiz</b>" in ben  # a name is text, never markup
    assert "1.03" in ben  # 3723 s in hours

    sheet = client.post("/api/v1/records/compliance.csv", headers=bearer(admin_key), json=body)
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(sheet.get_data(as_text=True))))
    by = {r["learner_id"]: r for r in table}
    assert by["ana"]["compliant"] == "yes" and by["ben"]["compliant"] == "no"
    assert by["ben"][f"{first['title']}: result"] == "failed"
    assert by["ben"]["time_seconds"] == "3723"


def test_a_period_counts_only_what_happened_in_it(client, admin_key, courses):
    body = {"since": "2001-01-01", "until": "2001-12-31"}
    report = client.post("/api/v1/records/compliance", headers=bearer(admin_key), json=body).get_json()
    assert report["compliant"] == 0
    assert all(r["time_spent_seconds"] == 0 for r in report["learners"])
    body = {"since": "2001-01-01"}
    report = client.post("/api/v1/records/compliance", headers=bearer(admin_key), json=body).get_json()
    assert report["compliant"] == 1


def test_a_class_is_the_learners_named(client, admin_key, courses):
    body = {"learner_ids": ["cai", "ana"]}
    report = client.post("/api/v1/records/compliance", headers=bearer(admin_key), json=body).get_json()
    assert [r["learner_id"] for r in report["learners"]] == ["ana", "cai"]  # by name


def test_transcript_csv_has_a_row_per_attempt(client, admin_key, courses):
    resp = client.post(
        "/api/v1/records/transcript.csv", headers=bearer(admin_key), json={"learner_id": "ana"}
    )
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert len(rows) == 3
    assert sorted(int(r["time_seconds"]) for r in rows) == [300, 435, 750]
    assert {r["course_result"] for r in rows} == {"passed"}


def _verify(client, key, data: bytes) -> dict:
    resp = client.post(
        "/api/v1/records/verify",
        headers={**bearer(key), "Content-Type": "application/octet-stream"},
        data=data,
    )
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_verify_valid_altered_unknown(client, admin_key, courses):
    issued = client.post(
        "/api/v1/records/transcript.pdf", headers=bearer(admin_key), json={"learner_id": "ana"}
    )
    code = issued.headers["X-Record-Code"]
    ok = _verify(client, admin_key, issued.data)
    assert ok["verdict"] == "valid" and ok["record"]["code"] == code
    assert ok["record"]["summary"]["total_time"] == "0:24:45"
    # One changed byte in the page content (a figure edited), the code still in the file.
    at = issued.data.index(b"stream") + 40
    altered = issued.data[:at] + bytes([issued.data[at] ^ 1]) + issued.data[at + 1 :]
    seen = _verify(client, admin_key, altered)
    assert seen["verdict"] == "altered" and seen["record"]["code"] == code
    assert _verify(client, admin_key, b"%PDF-1.4 not ours")["verdict"] == "unknown"
    sheet = client.post(
        "/api/v1/records/transcript.csv", headers=bearer(admin_key), json={"learner_id": "ana"}
    )
    assert _verify(client, admin_key, sheet.data)["verdict"] == "valid"
    # By the code typed off the paper: any case, without dashes.
    typed = client.get(f"/api/v1/records/issued/{code.replace('-', '').lower()}", headers=bearer(admin_key))
    assert typed.status_code == 200 and typed.get_json()["record"]["code"] == code
    listed = client.get("/api/v1/records/issued", headers=bearer(admin_key)).get_json()["records"]
    assert {r["code"] for r in listed[:2]} == {sheet.headers["X-Record-Code"], code}  # newest first


def test_another_tenant_cannot_see_or_verify(client, admin_key, courses, make_tenant):
    issued = client.post(
        "/api/v1/records/transcript.pdf", headers=bearer(admin_key), json={"learner_id": "ana"}
    )
    other = make_tenant("Other")
    assert _verify(client, other.keys["admin"], issued.data)["verdict"] == "unknown"
    code = issued.headers["X-Record-Code"]
    assert_envelope(
        client.get(f"/api/v1/records/issued/{code}", headers=other.headers()), 404, "RECORD_NOT_FOUND"
    )
    resp = client.get(
        "/api/v1/records/transcript", headers=other.headers(), query_string={"learner_id": "ana"}
    )
    assert_envelope(resp, 404, "LEARNER_NOT_FOUND")
    first, _ = courses
    resp = client.post(
        "/api/v1/records/compliance", headers=other.headers(), json={"package_ids": [first["id"]]}
    )
    assert_envelope(resp, 404, "PACKAGE_NOT_FOUND")
    assert client.get("/api/v1/records/issued", headers=other.headers()).get_json()["records"] == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"since": "2026-02-30"}, 400, "VALIDATION_ERROR"),
        ({"since": "2026-05-01", "until": "2026-04-01"}, 400, "VALIDATION_ERROR"),
        ({"package_ids": []}, 400, "VALIDATION_ERROR"),
        ({"package_ids": "all"}, 400, "VALIDATION_ERROR"),
        ({"learner_ids": ["nobody"]}, 404, "LEARNER_NOT_FOUND"),
        ({"title": "x" * 201}, 400, "VALIDATION_ERROR"),
    ],
)
def test_bad_report_requests(client, admin_key, body, status, code):
    assert_envelope(
        client.post("/api/v1/records/compliance.pdf", headers=bearer(admin_key), json=body), status, code
    )


def test_bad_transcript_and_code_requests(client, admin_key):
    h = bearer(admin_key)
    assert_envelope(
        client.post("/api/v1/records/transcript.pdf", headers=h, json={}), 400, "VALIDATION_ERROR"
    )
    resp = client.post("/api/v1/records/transcript.pdf", headers=h, json={"learner_id": "nobody"})
    assert_envelope(resp, 404, "LEARNER_NOT_FOUND")
    assert_envelope(client.get("/api/v1/records/issued/not-a-code", headers=h), 400, "BAD_REQUEST")
    assert_envelope(
        client.get("/api/v1/records/issued/AAAA-AAAA-AAAA-AAAA", headers=h), 404, "RECORD_NOT_FOUND"
    )


def test_a_pdf_of_too_many_courses_is_refused_with_the_csv_offered(client, admin_key, monkeypatch):
    from scorm_api.records import figures

    monkeypatch.setattr(figures, "MAX_PDF_COURSES", 1)
    resp = client.post("/api/v1/records/compliance.pdf", headers=bearer(admin_key), json={})
    assert (
        "CSV"
        in assert_envelope(resp, 400, "VALIDATION_ERROR")["error"]["details"]["fieldErrors"]["package_ids"][0]
    )
    assert (
        client.post("/api/v1/records/compliance.csv", headers=bearer(admin_key), json={}).status_code == 200
    )


def test_an_erased_learner_takes_their_transcripts(client, admin_key):
    issued = client.post(
        "/api/v1/records/transcript.pdf", headers=bearer(admin_key), json={"learner_id": "ben"}
    )
    assert client.delete("/api/v1/learners/ben", headers=bearer(admin_key)).status_code == 200
    assert _verify(client, admin_key, issued.data)["verdict"] == "unknown"


def test_pdfs_render_on_paper_with_their_fonts_embedded(client, admin_key, tmp_path):
    """Rendered to images (kept with the screenshots, to look at); every font embedded."""
    from tests.records.pdfs import pdf_fonts, pdf_pages
    from tests.support import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    for stem, path, body in (
        ("record-transcript", "transcript.pdf", {"learner_id": "ana"}),
        ("record-compliance", "compliance.pdf", {}),
    ):
        resp = client.post(f"/api/v1/records/{path}", headers=bearer(admin_key), json=body)
        assert resp.status_code == 200
        fonts = pdf_fonts(resp.data, tmp_path)
        assert fonts and all(row[-5] == "yes" for row in fonts), fonts  # the "emb" column
        assert {row[0].split("+")[-1] for row in fonts} <= {"DejaVuSans", "DejaVuSans-Bold"}
        pages = pdf_pages(resp.data, ARTIFACTS, stem)
        assert len(pages) == 1 and pages[0].stat().st_size > 5000


def test_a_long_report_runs_over_pages_with_its_header_repeated(client, admin_key, tmp_path):
    from tests.records.pdfs import pdf_pages
    from tests.support import ARTIFACTS

    for i in range(60):
        body = {"learner_id": f"learner-{i:02d}", "name": f"Learner Ωmega {i:02d}"}
        assert client.post("/api/v1/learners", headers=bearer(admin_key), json=body).status_code == 201
    resp = client.post("/api/v1/records/compliance.pdf", headers=bearer(admin_key), json={})
    text = pdf_text(resp.data, tmp_path)
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 2
    assert all("Learner" in p and "Missing" in p for p in pages if "learner-" in p)  # each page's header
    assert "Learner Ωmega 59 (learner-59)" in text and f"Page {len(pages) - 1}" in text
    assert len(pdf_pages(resp.data, ARTIFACTS, "record-compliance-long")) >= 2
