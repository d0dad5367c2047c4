"""The seed's /api/v1/xapi statement endpoints over HTTP: store one or many, idempotent
replays, conflicts, all-or-nothing batches, voiding, filters, paging and tenant isolation."""

import uuid

from scorm_api.xapi.models import Statement

from tests.support import BASE, assert_envelope, bearer, statement

URL = "/api/v1/xapi/statements"


def test_store_one_and_many_and_read_back(client, admin_key):
    resp = client.post(URL, headers=bearer(admin_key), json=statement())
    assert resp.status_code == 200
    sid = resp.get_json()
    assert isinstance(sid, str) and uuid.UUID(sid)
    got = client.get(f"{URL}/{sid}", headers=bearer(admin_key)).get_json()
    assert got["id"] == sid and got["verb"] == BASE["verb"] and got["stored"].endswith("Z")
    assert got["timestamp"] == got["stored"] and got["authority"]["account"]["name"]
    ids = client.post(URL, headers=bearer(admin_key), json=[statement(), statement()]).get_json()
    assert len(ids) == 2 and len(set(ids)) == 2
    listing = client.get(URL, headers=bearer(admin_key)).get_json()
    assert listing["pagination"]["total"] == 3 and [s["id"] for s in listing["statements"]][0] in ids


def test_replays_are_no_ops_and_conflicts_409(client, admin_key):
    sid = str(uuid.uuid4())
    assert client.post(URL, headers=bearer(admin_key), json=statement(id=sid)).get_json() == sid
    assert client.post(URL, headers=bearer(admin_key), json=statement(id=sid.upper())).get_json() == sid
    assert Statement.select().count() == 1
    other = statement(id=sid, verb={"id": "http://adlnet.gov/expapi/verbs/passed"})
    assert_envelope(client.post(URL, headers=bearer(admin_key), json=other), 409, "CONFLICT")


def test_a_batch_is_all_or_nothing(client, admin_key):
    bad = statement(result={"score": {"scaled": 3}})
    resp = client.post(URL, headers=bearer(admin_key), json=[statement(), bad])
    assert_envelope(resp, 400, "BAD_REQUEST")
    assert resp.get_json()["error"]["details"]["path"] == "statements[1].result.score.scaled"
    sid = str(uuid.uuid4())
    assert_envelope(
        client.post(URL, headers=bearer(admin_key), json=[statement(id=sid), statement(id=sid)]),
        400,
        "BAD_REQUEST",
    )
    assert Statement.select().count() == 0
    for body in (b"nope", b"[]", b"5", b'"x"'):
        assert (
            client.post(
                URL, headers=bearer(admin_key), data=body, content_type="application/json"
            ).status_code
            == 400
        ), body


def test_voiding_hides_the_target(client, admin_key):
    sid = client.post(URL, headers=bearer(admin_key), json=statement()).get_json()
    void = statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"}, object={"objectType": "StatementRef", "id": sid}
    )
    void_id = client.post(URL, headers=bearer(admin_key), json=void).get_json()
    assert_envelope(client.get(f"{URL}/{sid}", headers=bearer(admin_key)), 404, "NOT_FOUND")
    listing = client.get(URL, headers=bearer(admin_key)).get_json()
    assert [s["id"] for s in listing["statements"]] == [void_id]
    revoid = statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
        object={"objectType": "StatementRef", "id": void_id},
    )
    assert_envelope(client.post(URL, headers=bearer(admin_key), json=revoid), 400, "BAD_REQUEST")


def test_filters_and_paging(client, admin_key):
    reg = str(uuid.uuid4())
    passed = {"id": "http://adlnet.gov/expapi/verbs/passed"}
    client.post(
        URL,
        headers=bearer(admin_key),
        json=[
            statement(verb=passed, context={"registration": reg}),
            statement(object={"id": "http://example.org/other"}),
            *[statement() for _ in range(3)],
        ],
    )
    q = lambda s: client.get(f"{URL}?{s}", headers=bearer(admin_key)).get_json()
    assert q("verb=http://adlnet.gov/expapi/verbs/passed")["pagination"]["total"] == 1
    assert q("activity=http://example.org/other")["pagination"]["total"] == 1
    assert q(f"registration={reg}")["statements"][0]["context"]["registration"] == reg
    page = q("limit=2&page=3")
    assert page["pagination"] == {"page": 3, "limit": 2, "total": 5, "total_pages": 3}
    assert len(page["statements"]) == 1
    first = q("limit=1")["statements"][0]
    assert q(f"statementId={first['id']}")["statements"] == [first]
    assert q(f"since={first['stored']}")["pagination"]["total"] == 0
    assert q(f"until={first['stored']}")["pagination"]["total"] == 5
    assert_envelope(client.get(f"{URL}?since=yesterday", headers=bearer(admin_key)), 400, "BAD_REQUEST")
    assert_envelope(client.get(f"{URL}?registration=x", headers=bearer(admin_key)), 400, "VALIDATION_ERROR")


def test_other_tenants_never_see_them(client, admin_key, make_tenant):
    sid = client.post(URL, headers=bearer(admin_key), json=statement()).get_json()
    other = make_tenant()
    assert_envelope(client.get(f"{URL}/{sid}", headers=other.headers()), 404, "NOT_FOUND")
    assert client.get(URL, headers=other.headers()).get_json()["pagination"]["total"] == 0
    # The same id in another tenant is that tenant's own statement, not a conflict.
    mine = statement(id=sid, verb={"id": "http://adlnet.gov/expapi/verbs/passed"})
    assert client.post(URL, headers=other.headers(), json=mine).get_json() == sid
    assert_envelope(client.post(URL, json=statement()), 401, "UNAUTHORIZED")


def test_context_activities_come_back_as_arrays_also_in_substatements(client, admin_key):
    parent = {"id": "http://example.org/parent"}
    sub = {
        "objectType": "SubStatement",
        "actor": BASE["actor"],
        "verb": BASE["verb"],
        "object": {"id": "http://example.org/o"},
        "context": {"contextActivities": {"parent": parent}},
    }
    sid = client.post(
        URL,
        headers=bearer(admin_key),
        json=statement(object=sub, context={"contextActivities": {"grouping": parent}}),
    ).get_json()
    got = client.get(f"{URL}/{sid}", headers=bearer(admin_key)).get_json()
    assert got["context"]["contextActivities"]["grouping"] == [parent]
    assert got["object"]["context"]["contextActivities"]["parent"] == [parent]
