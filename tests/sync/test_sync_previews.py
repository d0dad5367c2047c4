"""The dashboard's previews never travel: a sync to another appliance sends the learners'
sessions and statements, not the trainer's previews (nor statements made in them), and the
laptop's analytics never counted them."""

from __future__ import annotations

import uuid

import pytest

from scorm_api.sessions.previews import PREVIEW_USER_ID

from tests.support import statement
from tests.sync.support import analytics, sync

pytestmark = pytest.mark.slow


def test_previews_are_neither_synced_nor_counted(pair, laptop_data):
    laptop, cloud = pair
    single = laptop_data["packages"][0]
    preview = laptop.session(single["id"], PREVIEW_USER_ID, new_attempt=True)
    laptop.put(preview["id"], {"cmi_data": {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "10"}})
    # What xAPI content writes in a preview: its statements name the preview's registration.
    in_preview = statement(
        id=str(uuid.uuid4()),
        actor={"objectType": "Agent", "mbox": "mailto:trainer@example.org", "name": "Trainer"},
        context={"registration": preview["id"]},
        result={"score": {"scaled": 0.1}},
    )
    laptop.call("POST", "/api/v1/xapi/statements", json=in_preview)

    # Listed only when asked for, and marked.
    assert PREVIEW_USER_ID not in {s["user_id"] for s in laptop.sessions()}
    listed = laptop.call("GET", "/api/v1/sessions", params={"previews": "true", "limit": 100})["sessions"]
    assert [s["preview"] for s in listed if s["user_id"] == PREVIEW_USER_ID] == [True]
    # Not counted: nobody learned anything in the trainer's preview.
    assert "trainer@example.org" not in {a["actor_mbox"] for a in analytics(laptop, "actors")}

    code, run = sync(laptop, cloud)
    assert (code, run["status"]) == (0, "completed"), (run["error"], run["report"])
    assert run["report"]["counts"]["session"]["created"] == 3  # the learners' three, not the preview
    there = cloud.call("GET", "/api/v1/sessions", params={"previews": "true", "all_attempts": "true"})
    assert PREVIEW_USER_ID not in {s["user_id"] for s in there["sessions"]}
    sent = {s["id"] for s in cloud.statements()["statements"]}
    assert in_preview["id"] not in sent and sent  # the others went
