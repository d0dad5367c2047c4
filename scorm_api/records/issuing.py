"""Issuing a record and checking one. Each file handed out gets a verification code (random,
printed on the PDF) and a row holding the SHA-256 of its exact bytes: a file is "issued here
and unaltered" when a row has its checksum. A PDF whose bytes match no row but which carries
one of our codes was altered (or is not the copy issued): the answer says so and shows what the
issued record said, for the person holding it to compare.

Why a checksum kept here rather than a signature inside the PDF: the question an auditor asks
is "did this appliance issue this document, unchanged", which only the issuer can answer, and
a kept row answers it for CSV files as well. The rows travel in backups with the rest of the
database, so a restored appliance still verifies what the lost one issued."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from scorm_api.db import utcnow_iso, write_transaction
from scorm_api.errors import ApiError
from scorm_api.records import csvs, pdf, shown
from scorm_api.records.figures import Compliance, Transcript
from scorm_api.records.models import IssuedRecord
from scorm_api.tenants.models import Tenant

# Crockford's base32 less the look-alikes: a code read off paper and typed in.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE = re.compile(rb"scorm-api-record:\s*([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})")
MAX_RECORD_BYTES = 64 * 2**20  # a record file is far smaller; a bigger one is not ours
TYPED_CODE = re.compile(r"^[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}-?[0-9A-Za-z]{4}$")


@dataclass(frozen=True)
class Issued:
    code: str
    data: bytes
    file_name: str
    content_type: str


def new_code() -> str:
    """80 random bits, as four groups of four."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normal_code(typed: str) -> str:
    """A typed code as stored: upper case, grouped; O and I/L read as 0 and 1."""
    raw = typed.strip().upper().replace("-", "").replace("O", "0").replace("I", "1").replace("L", "1")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def issuer_name(tenant_id: str) -> str:
    tenant = Tenant.get_or_none(Tenant.id == tenant_id)
    return tenant.name if tenant is not None else tenant_id


def _issue(
    tenant_id: str,
    kind: str,
    fmt: str,
    title: str,
    summary: dict,
    render: Callable[[str], bytes],
    file_stem: str,
    learner_id: str | None,
    issued_by: str | None,
) -> Issued:
    code = new_code()
    data = render(code)
    with write_transaction():
        IssuedRecord.create(
            code=code,
            tenant=tenant_id,
            kind=kind,
            format=fmt,
            learner_id=learner_id,
            title=title[:600],
            summary=summary,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            issued_at=utcnow_iso(),
            issued_by=(issued_by or "")[:200] or None,
        )
    content_type = "application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8"
    return Issued(code, data, f"{file_stem}-{code}.{fmt}", content_type)


def _stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "record"


def transcript_summary(t: Transcript) -> dict:
    return {
        "learner_id": t.learner_id,
        "learner_name": t.name,
        "courses": [
            {
                "title": c.title,
                "result": c.best.result,
                "score": shown.score(c.best.score_scaled, c.best.score_raw),
                "completed_at": c.best.completed_at,
                "attempts": len(c.attempts),
                "time": shown.duration(c.seconds),
            }
            for c in t.courses[:200]
        ],
        "total_time": shown.duration(t.total_seconds),
        "generated_at": t.generated_at,
    }


def compliance_summary(r: Compliance) -> dict:
    return {
        "courses": [title for _, title in r.courses],
        "since": r.since,
        "until": r.until,
        "learners": len(r.rows),
        "compliant": r.compliant,
        "total_hours": shown.hours(r.total_seconds),
        "generated_at": r.generated_at,
    }


def issue_transcript(tenant_id: str, t: Transcript, fmt: str, issued_by: str | None) -> Issued:
    issuer = issuer_name(tenant_id)
    title = f"Training transcript: {t.name or t.learner_id}"

    def render(code: str) -> bytes:
        return pdf.transcript(t, issuer, code) if fmt == "pdf" else csvs.transcript(t)

    stem = "transcript-" + _stem(t.learner_id)
    return _issue(
        tenant_id, "transcript", fmt, title, transcript_summary(t), render, stem, t.learner_id, issued_by
    )


def issue_compliance(tenant_id: str, r: Compliance, fmt: str, issued_by: str | None) -> Issued:
    issuer = issuer_name(tenant_id)

    def render(code: str) -> bytes:
        return pdf.compliance(r, issuer, code) if fmt == "pdf" else csvs.compliance(r)

    return _issue(
        tenant_id, "compliance", fmt, r.title, compliance_summary(r), render, "compliance", None, issued_by
    )


def view(row: IssuedRecord) -> dict:
    return {
        "code": row.code,
        "kind": row.kind,
        "format": row.format,
        "title": row.title,
        "learner_id": row.learner_id,
        "issued_at": row.issued_at,
        "issued_by": row.issued_by,
        "sha256": row.sha256,
        "size": row.size,
        "summary": row.summary,
    }


def _scoped(tenant_id: str | None, *conditions):
    query = IssuedRecord.select()
    if conditions:
        query = query.where(*conditions)
    return query.where(IssuedRecord.tenant == tenant_id) if tenant_id is not None else query


def verify(data: bytes, tenant_id: str | None) -> dict:
    """What a file is: issued here unaltered, altered (it carries a code of ours, its bytes
    differ), or unknown. `tenant_id` None: any tenant's (the operator's CLI)."""
    digest = hashlib.sha256(data).hexdigest()
    row = _scoped(tenant_id, IssuedRecord.sha256 == digest).first()
    if row is not None:
        return {"verdict": "valid", "message": "Issued by this appliance and unaltered.", "record": view(row)}
    found = _CODE.search(data)
    row = _scoped(tenant_id, IssuedRecord.code == found.group(1).decode()).first() if found else None
    if row is not None:
        return {
            "verdict": "altered",
            "message": "This file names a record this appliance issued, but its content differs from "
            "the file issued: it was changed after it was issued. Compare it with the record below.",
            "record": view(row),
        }
    return {
        "verdict": "unknown",
        "message": "This appliance did not issue this file (or the record was withdrawn).",
        "record": None,
    }


def by_code(tenant_id: str, typed: str) -> dict:
    if not TYPED_CODE.match(typed.strip()):
        raise ApiError(
            400, "BAD_REQUEST", "A verification code is 16 letters and digits, as XXXX-XXXX-XXXX-XXXX"
        )
    row = _scoped(tenant_id, IssuedRecord.code == normal_code(typed)).first()
    if row is None:
        raise ApiError(404, "RECORD_NOT_FOUND", "No record with this code was issued here")
    return view(row)


def withdraw_learner(tenant_id: str, learner_id: str, **_) -> None:
    """An erased learner's transcripts go with them (the records show their name and results):
    a copy then verifies as not issued here."""
    IssuedRecord.delete().where(
        (IssuedRecord.tenant == tenant_id) & (IssuedRecord.learner_id == learner_id)
    ).execute()


def listed(tenant_id: str, limit: int = 100) -> list[dict]:
    rows = _scoped(tenant_id).order_by(IssuedRecord.issued_at.desc()).limit(limit)
    return [view(r) for r in rows]
