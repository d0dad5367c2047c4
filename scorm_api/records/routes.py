"""/api/v1/records: training records (our extension). A learner's transcript and a compliance
report, as figures (JSON) or as an issued file (PDF or CSV, each with its verification code),
and the check of a file or a code. The work is figures.py, pdf.py, csvs.py and issuing.py's."""

from __future__ import annotations

from flask import Blueprint, Response, request

from scorm_api.endpoint import endpoint
from scorm_api.errors import validation_error
from scorm_api.records import figures, issuing, views
from scorm_api.schemas import TIMESTAMP, obj
from scorm_api.storage.responses import disposition_names

bp = Blueprint("records", __name__, url_prefix="/api/v1/records")
TAG = "Records"
LEARNER_ID = {"type": "string", "minLength": 1, "maxLength": 255}
IDS = {"type": "array", "maxItems": figures.MAX_REPORT_LEARNERS, "items": LEARNER_ID}
DAY = {"type": "string", "format": "date"}
TRANSCRIPT_BODY = obj({"learner_id": LEARNER_ID}, ["learner_id"])
REPORT_BODY = obj(
    {
        "package_ids": {
            "type": "array",
            "minItems": 1,
            "maxItems": figures.MAX_REPORT_COURSES,
            "items": {"type": "string", "minLength": 1, "maxLength": 64},
            "description": "The required courses (default: every course of the tenant)",
        },
        "learner_ids": {**IDS, "description": "The learners, a class (default: every learner)"},
        "since": {**DAY, "description": "The period's first day (UTC; default: no start)"},
        "until": {**DAY, "description": "The period's last day, included (UTC; default: no end)"},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
    }
)
RECORD = obj(
    {
        "code": {"type": "string"},
        "kind": {"enum": ["transcript", "compliance"]},
        "format": {"enum": ["pdf", "csv"]},
        "title": {"type": "string"},
        "learner_id": {"type": ["string", "null"]},
        "issued_at": TIMESTAMP,
        "issued_by": {"type": ["string", "null"]},
        "sha256": {"type": "string"},
        "size": {"type": "integer"},
        "summary": {"type": "object", "description": "The figures the file showed"},
    },
    ["code", "kind", "format", "title", "issued_at", "sha256", "size", "summary"],
)
VERDICT = obj(
    {
        "verdict": {"enum": ["valid", "altered", "unknown"]},
        "message": {"type": "string"},
        "record": {"oneOf": [RECORD, {"type": "null"}]},
    },
    ["verdict", "message", "record"],
)
ISSUED_NOTE = (
    " The answer's X-Record-Code header is the verification code the file carries; the file "
    "is kept as issued (its checksum) for POST /api/v1/records/verify."
)


def _file(issued: issuing.Issued) -> Response:
    resp = Response(issued.data, content_type=issued.content_type)
    resp.headers.set("Content-Disposition", "attachment", **disposition_names(issued.file_name))
    resp.headers["X-Record-Code"] = issued.code
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _issued_by(principal) -> str:
    return principal.key_id


def _transcript(principal, body, fmt: str) -> Response:
    t = figures.transcript(principal.tenant_id, body["learner_id"])
    return _file(issuing.issue_transcript(principal.tenant_id, t, fmt, _issued_by(principal)))


def _report(principal, body) -> figures.Compliance:
    since, until = body.get("since"), body.get("until")
    return figures.compliance(
        principal.tenant_id,
        body.get("package_ids"),
        body.get("learner_ids"),
        f"{since}T00:00:00.000Z" if since else None,
        f"{until}T23:59:59.999Z" if until else None,
        body.get("title"),
    )


def _report_file(principal, body, fmt: str) -> Response:
    report = _report(principal, body)
    if fmt == "pdf" and len(report.courses) > figures.MAX_PDF_COURSES:
        raise validation_error(
            {
                "package_ids": [
                    f"A PDF holds at most {figures.MAX_PDF_COURSES} required courses side by side: "
                    "choose them, or ask for the CSV"
                ]
            }
        )
    return _file(issuing.issue_compliance(principal.tenant_id, report, fmt, _issued_by(principal)))


@endpoint(
    bp,
    "/transcript",
    "GET",
    tag=TAG,
    scope="read",
    errors=(404,),
    query=obj({"learner_id": LEARNER_ID}, ["learner_id"]),
    summary="A learner's transcript, as figures",
    description="Every course the learner attempted, its result (the best attempt), score, "
    "completion date and time, with every attempt. Previews are left out. " + figures.TIME_RULE,
    response={"type": "object"},
)
def transcript(principal, query):
    return views.transcript(figures.transcript(principal.tenant_id, query["learner_id"]))


@endpoint(
    bp,
    "/transcript.pdf",
    "POST",
    tag=TAG,
    errors=(404,),
    body=TRANSCRIPT_BODY,
    content_type="application/pdf",
    summary="Issue a learner's transcript as PDF",
    description="The transcript on A4, fonts embedded, with its verification code on every page."
    + ISSUED_NOTE,
)
def transcript_pdf(principal, body):
    return _transcript(principal, body, "pdf")


@endpoint(
    bp,
    "/transcript.csv",
    "POST",
    tag=TAG,
    errors=(404,),
    body=TRANSCRIPT_BODY,
    content_type="text/csv",
    summary="Issue a learner's transcript as CSV (one row per attempt)",
    description="The same figures as the PDF." + ISSUED_NOTE,
)
def transcript_csv(principal, body):
    return _transcript(principal, body, "csv")


@endpoint(
    bp,
    "/compliance",
    "POST",
    tag=TAG,
    scope="read",
    errors=(404,),
    body=REPORT_BODY,
    summary="A compliance report, as figures: learners against required courses",
    description="For each learner (a class: the ones named) and each required course: met "
    "(completed or passed, the completion inside the period) or not, the result, completion "
    "date, score and the time of the attempts active in the period. " + figures.TIME_RULE,
    response={"type": "object"},
)
def compliance(principal, body):
    return views.compliance(_report(principal, body))


@endpoint(
    bp,
    "/compliance.pdf",
    "POST",
    tag=TAG,
    errors=(404,),
    body=REPORT_BODY,
    content_type="application/pdf",
    summary="Issue a compliance report as PDF",
    description=f"Landscape A4, at most {figures.MAX_PDF_COURSES} required courses side by side "
    "(400 beyond: ask the CSV)." + ISSUED_NOTE,
)
def compliance_pdf(principal, body):
    return _report_file(principal, body, "pdf")


@endpoint(
    bp,
    "/compliance.csv",
    "POST",
    tag=TAG,
    errors=(404,),
    body=REPORT_BODY,
    content_type="text/csv",
    summary="Issue a compliance report as CSV (one row per learner)",
    description="The same figures as the PDF, for any number of required courses up to "
    f"{figures.MAX_REPORT_COURSES}." + ISSUED_NOTE,
)
def compliance_csv(principal, body):
    return _report_file(principal, body, "csv")


@endpoint(
    bp,
    "/verify",
    "POST",
    tag=TAG,
    scope="read",
    errors=(413,),
    body_content_type="application/octet-stream",
    body_doc={"type": "string", "format": "binary", "description": "The PDF or CSV file's bytes"},
    response=VERDICT,
    summary="Check a record: issued by this appliance, and unaltered?",
    description="valid: these exact bytes were issued (by this tenant); altered: the file names "
    "a record issued here but its bytes differ (the record shows what was issued); unknown: "
    "not issued here, or withdrawn (an erased learner's transcripts are).",
)
def verify(principal):
    return issuing.verify(request.get_data(cache=False), principal.tenant_id)


@endpoint(
    bp,
    "/issued",
    "GET",
    tag=TAG,
    scope="read",
    response=obj({"records": {"type": "array", "items": RECORD}}, ["records"]),
    summary="The records issued most recently (100)",
)
def list_issued(principal):
    return {"records": issuing.listed(principal.tenant_id)}


@endpoint(
    bp,
    "/issued/<code>",
    "GET",
    tag=TAG,
    scope="read",
    errors=(400, 404),
    response=obj({"record": RECORD}, ["record"]),
    summary="An issued record by the verification code printed on it",
    description="Letters in any case, with or without the dashes (O reads as 0, I and L as 1).",
)
def issued(principal, code):
    return {"record": issuing.by_code(principal.tenant_id, code)}
