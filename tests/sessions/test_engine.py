"""The sequencing engine's root score, read against the manifest's measure rollup: the golf
samples that roll up no score (every weight 0) have none, the post-test rollup has the test's."""

import json

from scorm_api.packages.structure import toc_for
from scorm_api.sessions import engine

from tests.support import fixture, upload_and_process

FORCED = "golf_scorm2004_3ed_seq_forced_sequential.zip"
POST_TEST = "golf_scorm2004_4ed_seq_post_test_rollup.zip"


def tree(app, client, admin_key, name: str) -> dict:
    pkg = upload_and_process(client, admin_key, fixture(name).read_bytes())[0]
    with app.app_context():
        return toc_for(pkg["id"], True)


def saved(measures: dict[str, float | None]) -> dict:
    """An engine state whose activities have these measures (None: unknown), as scorm-again
    serializes it; the root claims a known 0, as the engine does where nothing counts."""
    states = {
        item: {"objectiveMeasureStatus": value is not None, "objectiveNormalizedMeasure": value or 0}
        for item, value in measures.items()
    }
    states["golf_sample_default_org"] = {"objectiveMeasureStatus": True, "objectiveNormalizedMeasure": 0}
    return {"sequencing": {"activityStates": states}}


def test_a_manifest_that_rolls_up_no_score_has_none(app, client, admin_key):
    t = tree(app, client, admin_key, FORCED)
    # The assessment scored 100%, but its weight (like every activity's) is 0.
    state = saved({"playing_item": None, "assessment_item": 1.0})
    assert engine.measure(t, engine.activity_states(state)) is None
    assert engine.root_score(t, state, 0.0) is None


def test_a_manifest_that_rolls_up_the_test_keeps_its_score(app, client, admin_key):
    t = tree(app, client, admin_key, POST_TEST)
    # The content SCOs weigh 0 and the post-test 1: the course's score is the test's.
    state = saved({"playing_item": 0.2, "assessment_item": 0.8})
    assert engine.measure(t, engine.activity_states(state)) == 0.8
    assert engine.root_score(t, state, 0.8) == 0.8
    # Before the test is taken there is no score, whatever the engine says.
    assert engine.root_score(t, saved({"playing_item": 0.2}), 0.0) is None
    # No figure from the engine: none.
    assert engine.root_score(t, state, None) is None


def test_unreadable_states_have_no_activities():
    for text in (None, "", "two", "[1, 2]", json.dumps({"sequencing": []})):
        state = engine.parse(text)
        assert engine.activity_states(state) == {} and engine.global_objectives(state) == {}
    assert engine.parse(json.dumps({"a": 1})) == {"a": 1}
