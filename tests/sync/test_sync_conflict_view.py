"""A conflict as the Sync page shows it before a trainer chooses: whose session, which course,
and what differs between this instance's version and the target's."""

from scorm_api.db import new_id, utcnow_iso
from scorm_api.sync import conflicts
from scorm_api.sync.models import SyncConflict
from scorm_api.tenants.services import system_tenant

from tests.support import bearer

LOCAL = {
    "user_id": "ann",
    "user_name": "Ann Lee",
    "package_id": "p-1",
    "package": {"title": "Fire safety", "version": "1.2"},
    "completion_status": "completed",
    "success_status": "passed",
    "score": {"scaled": 0.9, "raw": 90, "min": None, "max": 100},
    "time_spent_seconds": 600,
    "attempts": 1,
    "updated_at": "2026-01-02T10:00:00.000Z",
    "cmi_data": {"cmi.core.lesson_location": "p9", "cmi.suspend_data": "same", "cmi.core.exit": "suspend"},
}
REMOTE = {
    "completion_status": "incomplete",
    "success_status": "passed",
    "score": {"scaled": 0.9, "raw": 90, "max": 100},  # the same score, without its empty part
    "time_spent_seconds": 600,
    "attempts": 1,
    "updated_at": "2026-01-02T11:00:00Z",
    "cmi_data": {"cmi.core.lesson_location": "p4", "cmi.suspend_data": "same", "cmi.core.entry": "resume"},
}


def test_differences_are_the_fields_and_cmi_elements_that_differ():
    assert conflicts.differences(LOCAL, REMOTE) == [
        {"field": "completion_status", "local": "completed", "remote": "incomplete"},
        {"field": "cmi.core.entry", "local": None, "remote": "resume"},
        {"field": "cmi.core.exit", "local": "suspend", "remote": None},
        {"field": "cmi.core.lesson_location", "local": "p9", "remote": "p4"},
    ]
    assert conflicts.differences(LOCAL, LOCAL) == []
    assert (
        conflicts.differences({**LOCAL, "score": None}, {**LOCAL, "score": {"scaled": None, "raw": None}})
        == []
    )
    assert conflicts.differences(LOCAL, None) == []  # the target's version could not be read


def test_the_conflict_list_names_the_learner_the_course_and_both_sides(client, admin_key):
    def conflict(remote):
        return SyncConflict.create(
            id=new_id(),
            tenant=system_tenant().id,
            target_key="k",
            run_id="r",
            kind="session",
            local_id=new_id(),
            local=LOCAL,
            remote=remote,
            created_at=utcnow_iso(),
        )

    read, unread = conflict(REMOTE), conflict(None)
    listed = client.get("/api/v1/sync/conflicts", headers=bearer(admin_key)).get_json()["conflicts"]
    by_id = {c["id"]: c for c in listed}
    seen = by_id[read.id]
    assert (seen["learner"], seen["learner_name"], seen["course"], seen["package_id"]) == (
        "ann",
        "Ann Lee",
        "Fire safety",
        "p-1",
    )
    assert seen["differences"] == conflicts.differences(LOCAL, REMOTE) and seen["remote_known"] is True
    assert (seen["local_updated_at"], seen["remote_updated_at"]) == (
        LOCAL["updated_at"],
        REMOTE["updated_at"],
    )
    blind = by_id[unread.id]
    assert (
        blind["remote_known"] is False and blind["differences"] == [] and blind["remote_updated_at"] is None
    )
    full = client.get(f"/api/v1/sync/conflicts/{read.id}", headers=bearer(admin_key)).get_json()["conflict"]
    assert full["local"] == LOCAL and full["remote"] == REMOTE and full["differences"] == seen["differences"]
