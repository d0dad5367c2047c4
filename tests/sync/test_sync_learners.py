"""A session deleted here, and a learner erased here, are carried by the sync as the other
deletions are: reported until settled, deleted there only with --propagate-deletes; an
appliance target deletes a session alone and erases the learner, the cloud can do neither."""

from __future__ import annotations

import pytest

from tests.sync.support import SINGLE, counted, sync

pytestmark = pytest.mark.slow


def sessions_there(api) -> dict[str, str]:
    """user_id by session id on a server."""
    return {s["id"]: s["user_id"] for s in api.sessions()}


def test_a_deleted_session_and_an_erased_learner_reach_an_appliance(pair):
    laptop, target = pair
    course = laptop.upload(SINGLE)
    ann = laptop.session(course["id"], "ann")
    laptop.session(course["id"], "bob")
    laptop.session(course["id"], "bob", new_attempt=True)
    laptop.session(course["id"], "cy")
    code, first = sync(laptop, target)
    assert code == 0, first["report"]
    assert sorted(sessions_there(target).values()) == ["ann", "bob", "bob", "cy"]
    target.call("GET", "/api/v1/learners/cy")

    laptop.call("DELETE", f"/api/v1/sessions/{ann['id']}")
    laptop.call("DELETE", "/api/v1/learners/bob")
    code, dry = sync(laptop, target, "--dry-run")
    assert dry["report"]["plan"]["deleted_here"] == {"session": 3, "learner": 1}
    code, kept = sync(laptop, target)
    assert code == 0 and (counted(kept, "session", "gone"), counted(kept, "learner", "gone")) == (3, 1)
    assert sorted(sessions_there(target).values()) == ["ann", "bob", "bob", "cy"]

    code, deleted = sync(laptop, target, "--propagate-deletes")
    assert code == 0, deleted["report"]
    assert (counted(deleted, "session", "deleted"), counted(deleted, "learner", "deleted")) == (3, 1)
    assert sorted(sessions_there(target).values()) == ["cy"]
    target.call("GET", "/api/v1/learners/bob", expect=(404,))
    target.call("GET", "/api/v1/learners/ann")  # a session went, the learner stays

    code, after = sync(laptop, target, "--propagate-deletes")
    assert all(counted(after, k, o) == 0 for k in ("session", "learner") for o in ("gone", "deleted"))


def test_the_cloud_keeps_a_session_deleted_alone_and_says_why(pair, cloud):
    laptop, _ = pair
    course = laptop.upload(SINGLE)
    laptop.session(course["id"], "ann")
    assert sync(laptop, cloud)[0] == 0
    laptop.call("DELETE", "/api/v1/learners/ann")
    code, run = sync(laptop, cloud, "--propagate-deletes")
    assert code == 0 and (counted(run, "session", "gone"), counted(run, "learner", "gone")) == (1, 1)
    reasons = {e["kind"]: e["reason"] for e in run["report"]["gone"]}
    assert reasons == {
        "session": "The cloud's API cannot delete a session alone",
        "learner": "The cloud's API cannot erase a learner: erase them there by hand",
    }
    assert [s["user_id"] for s in cloud.sessions()] == ["ann"]
