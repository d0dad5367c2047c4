"""Statement attachments: which parts a batch must carry, and their bytes kept per tenant.

An attachment is either a link (`fileUrl`) or raw data sent as a multipart/mixed part named by
its hash. Every attachment without fileUrl needs its part; a part no attachment names is an
error; signature attachments must verify (signatures.check). Bytes are stored once per (tenant,
hash) and returned with the statements that cite them when a GET asks for attachments=true.
"""

from __future__ import annotations

from scorm_api.errors import bad_request
from scorm_api.xapi import signatures
from scorm_api.xapi.models import Attachment
from scorm_api.xapi.multipart import Part


def required_parts(statements: list[dict], parts: list[Part]) -> list[Part]:
    """The parts to store for this batch (after checking the batch and parts agree)."""
    by_hash = {p.sha2: p for p in parts}
    used: set[str] = set()
    for i, st in enumerate(statements):
        path = f"statements[{i}]" if len(statements) > 1 else "statement"
        for j, att in enumerate(st.get("attachments") or ()):
            sha2 = att["sha2"].lower()
            if sha2 in by_hash:
                used.add(sha2)
            elif "fileUrl" not in att:
                raise bad_request(
                    f"{path}.attachments[{j}] has no fileUrl, so its data must be sent as a "
                    "multipart/mixed part with X-Experience-API-Hash: " + sha2
                )
        for j, att in enumerate(signatures.signature_attachments(st)):
            where = f"{path}: signature attachment {j}"
            if not signatures.is_octet_stream(att["contentType"]):
                raise bad_request(f"{where} must have contentType application/octet-stream")
            part = by_hash.get(att["sha2"].lower())
            if part is None:
                raise bad_request(f"{where} must be sent as a part, not a fileUrl")
            signatures.check(st, part.content, where)
    extra = set(by_hash) - used
    if extra:
        raise bad_request(f"{len(extra)} multipart part(s) match no attachment of the statements")
    return [by_hash[h] for h in by_hash if h in used]


def save(tenant_id: str, parts: list[Part], stored: str) -> None:
    """Inside the statements' write transaction: store the parts not stored yet."""
    if not parts:
        return
    have = {
        a.sha2
        for a in Attachment.select(Attachment.sha2).where(
            (Attachment.tenant == tenant_id) & Attachment.sha2.in_([p.sha2 for p in parts])
        )
    }
    rows = [
        dict(tenant=tenant_id, sha2=p.sha2, content_type=p.content_type, content=p.content, stored=stored)
        for p in parts
        if p.sha2 not in have
    ]
    if rows:
        Attachment.insert_many(rows).execute()


def for_statements(tenant_id: str, statements: list[dict]) -> list[Part]:
    """The stored parts the statements cite, each once, in the order first cited."""
    wanted: list[str] = []
    for st in statements:
        for att in st.get("attachments") or ():
            sha2 = att["sha2"].lower()
            if sha2 not in wanted:
                wanted.append(sha2)
    if not wanted:
        return []
    found = {
        a.sha2: a
        for a in Attachment.select().where((Attachment.tenant == tenant_id) & Attachment.sha2.in_(wanted))
    }
    return [Part(found[h].content_type, h, bytes(found[h].content)) for h in wanted if h in found]
