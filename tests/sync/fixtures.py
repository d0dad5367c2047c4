"""The sync tests' fixtures, for tests/sync and the dashboard's sync page: two real servers
(the laptop and the "cloud") and the laptop's data. The root conftest registers this module
with pytest_plugins."""

import pytest

from tests.support import start_server
from tests.sync.support import INTERACTIONS, MULTI, MULTI_SECOND_ITEM, SINGLE, Api, CloudApi


@pytest.fixture
def pair(live_server_factory):
    return Api(live_server_factory()), Api(live_server_factory())


@pytest.fixture
def laptop_data(pair):
    """Two packages (one with several SCOs), three sessions (one learner on a second attempt),
    rich CMI data, and xAPI statements of the laptop's own."""
    laptop, _ = pair
    single, multi = laptop.upload(SINGLE), laptop.upload(MULTI)
    ann1 = laptop.session(single["id"], "ann")
    laptop.put(
        ann1["id"],
        {
            "cmi_data": {
                "cmi.core.lesson_status": "failed",
                "cmi.core.score.raw": "40",
                "cmi.suspend_data": "page=3",
                **INTERACTIONS,
            },
            "session_time": "PT10M",
        },
    )
    ann2 = laptop.session(single["id"], "ann", new_attempt=True)
    laptop.put(
        ann2["id"],
        {
            "cmi_data": {
                "cmi.core.lesson_status": "passed",
                "cmi.core.score.raw": "90",
                "cmi.core.score.min": "0",
                "cmi.core.score.max": "100",
                "cmi.suspend_data": "done",
            },
            "session_time": "PT25M30S",
        },
    )
    bob = laptop.session(multi["id"], "bob")
    laptop.put(
        bob["id"],
        {
            "cmi_data": {"cmi.core.lesson_status": "completed", "cmi.core.lesson_location": "p2"},
            "activities": [
                {
                    "item_id": MULTI_SECOND_ITEM,
                    "cmi_data": {"cmi.core.lesson_status": "incomplete", "cmi.suspend_data": "second"},
                }
            ],
            "session_time": "PT1H",
        },
    )
    laptop.call(
        "POST",
        "/api/v1/xapi/statements",
        json=[
            {
                "actor": {"mbox": f"mailto:learner{i}@example.org"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": f"http://example.org/page/{i}"},
            }
            for i in range(5)
        ],
    )
    return {"packages": [single, multi], "sessions": [ann1["id"], ann2["id"], bob["id"]]}


@pytest.fixture
def cloud(tmp_path):
    """A target in cloud-contract mode: a stand-in for the cloud (contract.py)."""
    srv = start_server(tmp_path / "cloud", env={"SCORM_API_CONTRACT": "cloud"})
    yield CloudApi(srv)
    srv.stop()
