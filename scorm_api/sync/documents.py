"""xAPI documents (activity state, activity profiles, agent profiles) travel through the
target's standard LRS resources (/xapi/activities/state, /xapi/activities/profile,
/xapi/agents/profile), which the cloud serves as a conformant LRS, with the LRS credentials the
user gives for the target. The bytes and content type go as they are, so the ETag (the SHA-1
of the bytes) is the same on both sides.

A document is written with a precondition: If-None-Match: * the first time, If-Match with
the ETag it had there after our last write afterwards. A 412 means someone wrote it there
since (or, the first time, that it was there already): it is reported as a conflict, and
neither side is overwritten."""

from __future__ import annotations

import json
from collections.abc import Iterator

from scorm_api.sync.client import Target, TargetError
from scorm_api.sync.links import Links
from scorm_api.sync.progress import Progress
from scorm_api.xapi.documents import etag_of
from scorm_api.xapi.models import Document

KIND = "document"
PAGE = 200
RESOURCES = {
    "state": ("/activities/state", "stateId"),
    "activity_profile": ("/activities/profile", "profileId"),
    "agent_profile": ("/agents/profile", "profileId"),
}


def agent_of(key: str) -> dict:
    """The Agent an identifier names (xapi/identity.actor_key's inverse)."""
    kind, _, value = key.partition(":")
    if kind == "account":
        home, _, name = value.partition("|")  # "|" cannot appear unescaped in an IRI
        return {"objectType": "Agent", "account": {"homePage": home, "name": name}}
    field = {"mbox": "mbox", "sha1": "mbox_sha1sum", "openid": "openid"}[kind]
    return {"objectType": "Agent", field: value}


def params_of(doc: Document) -> dict:
    path_id = RESOURCES[doc.kind][1]
    params = {path_id: doc.doc_id}
    if doc.activity_id:
        params["activityId"] = doc.activity_id
    if doc.agent_key:
        params["agent"] = json.dumps(agent_of(doc.agent_key), separators=(",", ":"))
    if doc.registration:
        params["registration"] = doc.registration
    return params


def _changed(tenant_id: str, links: Links, after: str):
    return (
        Document.select(Document.pk, Document.etag)
        .where((Document.tenant == tenant_id) & (Document.pk > after))
        .order_by(Document.pk)
        .limit(PAGE)
    )


def pending(tenant_id: str, links: Links) -> Iterator[Document]:
    """Documents whose current bytes the target does not have, a page at a time (their
    content read one at a time, when sent)."""
    after = ""
    while True:
        page = list(_changed(tenant_id, links, after))
        known = links.of(KIND, [d.pk for d in page])
        for d in page:
            link = known.get(d.pk)
            # a conflict waits (reported at the run that met it): neither side is overwritten
            if link is None or (
                link.state != "conflict" and (link.state != "synced" or link.local_version != d.etag)
            ):
                yield d
        if len(page) < PAGE:
            return
        after = page[-1].pk


def count_pending(tenant_id: str, links: Links) -> int:
    return sum(1 for _ in pending(tenant_id, links))


def send(lrs: Target, links: Links, pk: str, progress: Progress) -> None:
    doc = Document.get_or_none(Document.pk == pk)
    if doc is None:  # deleted here meanwhile: the deletions pass reports it
        return
    content = bytes(doc.content)
    link = links.get(KIND, doc.pk)
    sent_etag = link.remote_version if link and link.state == "synced" else None
    path = RESOURCES[doc.kind][0]
    headers = {
        "Content-Type": doc.content_type,
        **({"If-Match": sent_etag} if sent_etag else {"If-None-Match": "*"}),
    }
    try:
        lrs.request("PUT", path, params=params_of(doc), data=content, headers=headers)
    except TargetError as e:
        if e.status != 412:
            raise
        links.save(KIND, doc.pk, state="conflict", local_version=doc.etag)
        progress.note(
            KIND, "conflict", doc.pk, reason="The document was written on the target since the last sync"
        )
        return
    links.save(
        KIND,
        doc.pk,
        state="synced",
        remote_id=f"{doc.kind}:{doc.doc_id}"[:255],  # what the report names it by (its key is `where`)
        local_version=doc.etag,
        remote_version=etag_of(content),
        detail={"where": {"path": path, "params": params_of(doc)}},  # to delete it there later
    )
    progress.note(KIND, "updated" if sent_etag else "created", doc.pk, doc.doc_id)
