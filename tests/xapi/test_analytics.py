"""The seed's /api/v1/xapi/analytics/actors and /activities: running totals of the statements
stored (and voided), folded from a queue in batches (before each read, and every second by a
running server), every filter and sort, tenant isolation, the start-up reindex."""

import json
import sqlite3
import urllib.request

import pytest

from scorm_api.admin.models import write_setting
from scorm_api.xapi import analytics, reindex
from scorm_api.xapi.models import ActivityStats, ActorStats, AnalyticsPending

from tests.support import assert_envelope, bearer, statement, wait_until

URL = "/api/v1/xapi"
COURSE, QUIZ = "http://example.org/course/1", "http://example.org/quiz/9"
VERB = "http://adlnet.gov/expapi/verbs/"


def agent(name):
    return {"objectType": "Agent", "name": name.title(), "mbox": f"mailto:{name}@Example.org"}


def said(who, verb, what=COURSE, scaled=None, when="2025-01-02T10:00:00Z", kind=None):
    st = statement(actor=agent(who), verb={"id": VERB + verb}, object={"id": what}, timestamp=when)
    if kind:
        st["object"]["definition"] = {"type": kind}
    if scaled is not None:
        st["result"] = {"score": {"scaled": scaled}}
    return st


@pytest.fixture
def story(client, admin_key):
    batch = [
        said(
            "ann",
            "completed",
            scaled=0.9,
            when="2025-01-01T00:00:00Z",
            kind="http://adlnet.gov/expapi/activities/course",
        ),
        said("ann", "passed", scaled=0.8, when="2025-01-03T12:00:00+02:00"),
        said("ann", "failed", QUIZ, scaled=0.2),
        said("bob", "completed"),
        said("bob", "experienced", QUIZ, when="2025-02-01T00:00:00Z"),
    ]
    ids = client.post(f"{URL}/statements", headers=bearer(admin_key), json=batch).get_json()
    return ids


def get(client, key, path, **params):
    resp = client.get(f"{URL}/analytics/{path}", headers=bearer(key), query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_actor_figures(client, admin_key, story):
    got = get(client, admin_key, "actors")
    assert got["pagination"] == {"page": 1, "limit": 20, "total": 2, "total_pages": 1}
    ann = got["actors"][0]
    assert {k: ann[k] for k in ann if k != "actor"} == {
        "actor_mbox": "ann@example.org",
        "actor_name": "Ann",
        "total_statements": 3,
        "unique_activities": 2,
        "completed_count": 1,
        "passed_count": 1,
        "failed_count": 1,
        "avg_score_scaled": pytest.approx(0.6333, abs=1e-4),
        "scored_count": 3,
        "first_activity": "2025-01-01T00:00:00.000Z",
        "last_activity": "2025-01-03T10:00:00.000Z",
    }
    assert ann["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@Example.org"}
    bob = got["actors"][1]
    assert (bob["total_statements"], bob["unique_activities"], bob["avg_score_scaled"]) == (2, 2, None)
    assert bob["scored_count"] == 0  # no score is not a score of 0


def test_activity_figures(client, admin_key, story):
    got = get(client, admin_key, "activities", sort="activity_id", order="asc")
    course, quiz = got["activities"]
    assert course == {
        "activity_id": COURSE,
        "activity_type": "http://adlnet.gov/expapi/activities/course",
        "package_id": None,
        "total_statements": 3,
        "unique_learners": 2,
        "completed_count": 2,
        "passed_count": 1,
        "failed_count": 0,
        "avg_score_scaled": pytest.approx(0.85),
        "scored_count": 2,
        "first_activity": "2025-01-01T00:00:00.000Z",
        "last_activity": "2025-01-03T10:00:00.000Z",
    }
    assert (quiz["activity_id"], quiz["unique_learners"], quiz["failed_count"]) == (QUIZ, 2, 1)


def test_filters_and_sorts(client, admin_key, story):
    assert [
        a["actor_name"]
        for a in get(client, admin_key, "actors", actor_mbox="mailto:ANN@example.org")["actors"]
    ] == ["Ann"]
    assert get(client, admin_key, "actors", min_activities=3)["actors"] == []
    assert [a["actor_name"] for a in get(client, admin_key, "actors", sort="last_activity")["actors"]] == [
        "Bob",
        "Ann",
    ]
    # no score sorts last either way
    assert [
        a["actor_name"]
        for a in get(client, admin_key, "actors", sort="avg_score_scaled", order="asc")["actors"]
    ] == ["Ann", "Bob"]
    page2 = get(client, admin_key, "actors", limit=1, page=2)
    assert len(page2["actors"]) == 1 and page2["pagination"]["total_pages"] == 2
    assert [
        a["activity_id"]
        for a in get(
            client, admin_key, "activities", activity_type="http://adlnet.gov/expapi/activities/course"
        )["activities"]
    ] == [COURSE]
    assert [
        a["activity_id"] for a in get(client, admin_key, "activities", activity_id=QUIZ)["activities"]
    ] == [QUIZ]
    assert get(client, admin_key, "activities", min_learners=3)["activities"] == []
    for bad in ({"sort": "nope"}, {"order": "up"}, {"limit": 101}, {"min_learners": -1}, {"package_id": "x"}):
        assert_envelope(
            client.get(f"{URL}/analytics/activities", headers=bearer(admin_key), query_string=bad),
            400,
            "VALIDATION_ERROR",
        )


def test_storing_queues_and_a_read_counts_everything_stored(client, admin_key, story):
    assert AnalyticsPending.select().count() == len(story)
    assert ActorStats.select().count() == 0
    assert get(client, admin_key, "actors")["pagination"]["total"] == 2
    assert AnalyticsPending.select().count() == 0
    # what arrives later is counted by the next read
    client.post(f"{URL}/statements", headers=bearer(admin_key), json=said("cy", "completed"))
    assert get(client, admin_key, "actors")["pagination"]["total"] == 3


def test_folding_goes_in_batches_and_repeats_harmlessly(client, admin_key, story):
    assert analytics.fold(batch=2) == len(story)
    assert analytics.fold(batch=2) == 0 and analytics.fold_pending() == 0
    ann = get(client, admin_key, "actors", actor_mbox="ann@example.org")["actors"][0]
    assert (ann["total_statements"], ann["unique_activities"]) == (3, 2)


@pytest.mark.parametrize("counted_first", [False, True], ids=["voided-while-queued", "voided-once-counted"])
def test_voiding_takes_a_statement_back_once(client, admin_key, story, counted_first):
    if counted_first:
        assert analytics.fold() == len(story)
    void = statement(verb={"id": VERB + "voided"}, object={"objectType": "StatementRef", "id": story[2]})
    for _ in range(2):
        assert client.post(f"{URL}/statements", headers=bearer(admin_key), json=dict(void)).status_code == 200
        void.pop("id", None)
    ann = get(client, admin_key, "actors", actor_mbox="ann@example.org")["actors"][0]
    # 3 - the voided one + the two voiding statements (sent as Ann too), which target no activity
    assert (ann["total_statements"], ann["failed_count"], ann["unique_activities"]) == (4, 0, 1)
    assert ann["avg_score_scaled"] == pytest.approx(0.85)
    quiz = get(client, admin_key, "activities", activity_id=QUIZ)["activities"][0]
    assert (quiz["total_statements"], quiz["unique_learners"]) == (1, 1)


def test_tenants_see_only_their_own(client, admin_key, story, make_tenant):
    other = make_tenant("B")
    resp = client.get(f"{URL}/analytics/actors", headers=other.headers())
    assert resp.status_code == 200 and resp.get_json()["actors"] == []
    assert client.get(f"{URL}/analytics/activities", headers=other.headers()).get_json()["activities"] == []


def test_reindex_counts_from_nothing(client, admin_key, story):
    before = [get(client, admin_key, p) for p in ("actors", "activities")]
    ActorStats.delete().execute()
    ActivityStats.delete().execute()
    write_setting(reindex.CURSOR, "")
    reindex.run_pending()
    write_setting(reindex.CURSOR, "")
    reindex.run_pending()  # twice: nothing is counted twice
    assert [get(client, admin_key, p) for p in ("actors", "activities")] == before


def test_a_running_server_folds_the_queue_without_a_read(live_server):
    """The job runner's periodic fold: the queue empties by itself, and a crash-free stop
    leaves nothing half-counted."""
    body = json.dumps([said("ann", "completed"), said("bob", "passed", scaled=1.0)]).encode()
    req = urllib.request.Request(
        f"{live_server.url}{URL}/statements",
        data=body,
        method="POST",
        headers={**bearer(live_server.admin_key), "Content-Type": "application/json"},
    )
    assert urllib.request.urlopen(req).status == 200
    db = live_server.data_dir / "scorm-api.db"

    def counted():
        with sqlite3.connect(db) as conn:
            pending = conn.execute("SELECT COUNT(*) FROM xapi_analytics_pending").fetchone()[0]
            actors = conn.execute("SELECT COUNT(*) FROM xapi_actor_stats").fetchone()[0]
        return pending == 0 and actors == 2

    wait_until(counted, timeout=10)
