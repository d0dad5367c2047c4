"""GET /xapi/statements filters beyond the plain columns: related_activities, related_agents,
StatementRef targets (voided ones too), format=ids; merged Activity definitions; the enabled
versions setting; 1.0.3 profile PUT rules; the start-up reindex of older statements."""

import json
import uuid

import pytest

from scorm_api.admin.models import read_setting, write_setting
from scorm_api.factory import create_app
from scorm_api.tenants.services import system_tenant
from scorm_api.xapi import credentials, reindex
from scorm_api.xapi.models import ActivityDefinition, Related, Statement

from tests.support import assert_envelope, basic, statement

COURSE = "http://example.org/course/1"
MODULE = "http://example.org/module/7"
BOB = {"objectType": "Agent", "mbox": "mailto:bob@example.org"}


def ids(client, headers, **params) -> set[str]:
    resp = client.get("/xapi/statements", headers=headers, query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {s["id"] for s in resp.get_json()["statements"]}


def store(client, headers, st) -> str:
    resp = client.post("/xapi/statements", headers=headers, json=st)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()[0]


def test_related_activities_and_agents(client, lrs):
    direct = store(client, lrs, statement(object={"id": MODULE}))
    in_context = store(
        client, lrs, statement(context={"instructor": BOB, "contextActivities": {"parent": {"id": MODULE}}})
    )
    in_sub = store(
        client,
        lrs,
        statement(
            object={
                "objectType": "SubStatement",
                "actor": BOB,
                "verb": {"id": "http://example.org/v"},
                "object": {"id": MODULE},
            }
        ),
    )
    unrelated = store(client, lrs, statement())
    assert ids(client, lrs, activity=MODULE) == {direct}
    assert ids(client, lrs, activity=MODULE, related_activities="true") == {direct, in_context, in_sub}
    assert ids(client, lrs, agent='{"mbox": "mailto:bob@example.org"}') == set()
    assert ids(client, lrs, agent='{"mbox": "mailto:bob@example.org"}', related_agents="true") == {
        in_context,
        in_sub,
    }
    assert unrelated in ids(client, lrs, agent='{"mbox": "mailto:ann@example.org"}')
    # authority counts for related_agents: every statement here has the credentials' authority
    authority = client.get(f"/xapi/statements?statementId={direct}", headers=lrs).get_json()["authority"]
    assert len(ids(client, lrs, agent=json.dumps(authority), related_agents="true")) == 4


def test_statement_refs_follow_their_targets_even_when_voided(client, lrs):
    verb = f"http://example.org/verbs/{uuid.uuid4()}"
    target = store(client, lrs, statement(verb={"id": verb}))
    voiding = store(
        client,
        lrs,
        statement(
            verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
            object={"objectType": "StatementRef", "id": target},
        ),
    )
    referring = store(client, lrs, statement(object={"objectType": "StatementRef", "id": target}))
    chained = store(client, lrs, statement(object={"objectType": "StatementRef", "id": referring}))
    store(client, lrs, statement())
    assert ids(client, lrs, verb=verb) == {voiding, referring, chained}
    assert ids(client, lrs, verb=verb, since="2000-01-01T00:00:00Z", limit=10) == {
        voiding,
        referring,
        chained,
    }
    assert ids(client, lrs, verb="http://adlnet.gov/expapi/verbs/voided") == {voiding}


def test_format_ids_reduces_activities_to_their_id(client, lrs):
    sid = store(client, lrs, statement())
    got = client.get(f"/xapi/statements?statementId={sid}&format=ids", headers=lrs).get_json()
    assert got["object"] == {"id": COURSE}
    assert got["verb"] == {"id": "http://adlnet.gov/expapi/verbs/completed"}
    assert got["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@example.org"}


def test_activity_definitions_are_merged_across_statements(client, lrs):
    store(client, lrs, statement(object={"id": MODULE, "definition": {"name": {"en-US": "Meeting"}}}))
    store(
        client,
        lrs,
        statement(
            object={
                "id": MODULE,
                "definition": {
                    "name": {"fr-FR": "Réunion"},
                    "type": "http://adlnet.gov/expapi/activities/meeting",
                },
            }
        ),
    )
    store(
        client,
        lrs,
        statement(
            context={
                "contextActivities": {
                    "grouping": [{"id": MODULE, "definition": {"description": {"en-US": "Weekly"}}}]
                }
            }
        ),
    )
    got = client.get("/xapi/activities", headers=lrs, query_string={"activityId": MODULE}).get_json()
    assert got == {
        "objectType": "Activity",
        "id": MODULE,
        "definition": {
            "name": {"en-US": "Meeting", "fr-FR": "Réunion"},
            "type": "http://adlnet.gov/expapi/activities/meeting",
            "description": {"en-US": "Weekly"},
        },
    }
    unknown = client.get("/xapi/activities", headers=lrs, query_string={"activityId": "http://example.org/x"})
    assert unknown.get_json() == {"objectType": "Activity", "id": "http://example.org/x"}


def test_enabled_versions_decide_the_answer(make_settings):
    app = create_app(make_settings(xapi_versions="1.0.3"))
    client = app.test_client()
    row, password = credentials.create(system_tenant().id)
    auth = basic(row.username, password)
    assert client.get("/xapi/about").get_json() == {"version": ["1.0.3"]}
    missing = client.get("/xapi/statements", headers=auth)
    assert missing.status_code == 400 and missing.headers["X-Experience-API-Version"] == "1.0.3"
    assert_envelope(
        client.get("/xapi/statements", headers={**auth, "X-Experience-API-Version": "2.0.0"}),
        400,
        "BAD_REQUEST",
    )
    assert (
        client.get("/xapi/statements", headers={**auth, "X-Experience-API-Version": "1.0.1"}).status_code
        == 200
    )


def test_missing_version_is_answered_in_the_newest_enabled(client, lrs):
    no_version = {k: v for k, v in lrs.items() if k != "X-Experience-API-Version"}
    assert client.get("/xapi/statements", headers=no_version).headers["X-Experience-API-Version"] == "2.0.0"


@pytest.mark.parametrize(
    "path,params",
    [
        ("/xapi/activities/profile", {"activityId": COURSE, "profileId": "p"}),
        ("/xapi/agents/profile", {"agent": '{"mbox": "mailto:ann@example.org"}', "profileId": "p"}),
    ],
)
def test_profile_puts_need_a_precondition_in_1_0_3(client, lrs, path, params):
    v1 = {**lrs, "X-Experience-API-Version": "1.0.3"}
    assert_envelope(client.put(path, headers=v1, query_string=params, json={"a": 1}), 400, "BAD_REQUEST")
    assert (
        client.put(path, headers={**v1, "If-None-Match": "*"}, query_string=params, json={"a": 1}).status_code
        == 204
    )
    assert_envelope(client.put(path, headers=v1, query_string=params, json={"a": 2}), 409, "CONFLICT")
    # 2.0 lets a PUT create a document without one (it still needs one to overwrite).
    other = {**params, "profileId": "q"}
    assert client.put(path, headers=lrs, query_string=other, json={"b": 1}).status_code == 204
    # State documents are exempt in 1.0.3.
    state = {"activityId": COURSE, "agent": '{"mbox": "mailto:ann@example.org"}', "stateId": "s"}
    assert (
        client.put("/xapi/activities/state", headers=v1, query_string=state, json={"s": 1}).status_code == 204
    )


def test_reindex_rebuilds_derived_rows_resumably(client, lrs):
    verb = "http://example.org/verbs/reindexed"
    target = store(
        client,
        lrs,
        statement(verb={"id": verb}, object={"id": MODULE, "definition": {"name": {"en-US": "Module"}}}),
    )
    referring = store(client, lrs, statement(object={"objectType": "StatementRef", "id": target}))
    for n in range(5):
        store(client, lrs, statement(context={"contextActivities": {"parent": [{"id": MODULE}]}}))
    before = (Related.select().count(), ActivityDefinition.select().count())
    # As a data dir from before migration 11 would be: no derived rows, the cursor at the start.
    Related.delete().execute()
    ActivityDefinition.delete().execute()
    Statement.update(object_ref=None).execute()
    write_setting(reindex.CURSOR, "")
    reindex.BATCH, batch = 3, reindex.BATCH
    try:
        first_pk = Statement.select(Statement.pk).order_by(Statement.pk).first().pk
        write_setting(reindex.CURSOR, first_pk)  # as if a crash came after the first batch of one
        Statement.update(object_ref=None).execute()
        assert reindex.run_pending() == 6
        write_setting(reindex.CURSOR, "")
        assert reindex.run_pending() == 7  # running again from the start changes nothing
    finally:
        reindex.BATCH = batch
    assert read_setting(reindex.CURSOR) is None
    assert (Related.select().count(), ActivityDefinition.select().count()) == before
    assert ids(client, lrs, verb=verb) == {target, referring}
    # the module itself, the five with it as parent, and the one referring to the first
    assert len(ids(client, lrs, activity=MODULE, related_activities="true")) == 7
