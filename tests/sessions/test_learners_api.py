"""The learners API: listed and searched (the launch dialog's picker), made explicitly,
renamed, merged; lasting launch links that open until revoked or expired."""

from __future__ import annotations

from urllib.parse import urlsplit

from scorm_api import state
from scorm_api.db import database, utcnow_iso
from scorm_api.factory import create_app, open_data_dir
from scorm_api.learners.models import Learner, LearnerLink
from scorm_api.migrations import current_version, latest_version
from scorm_api.openapi import build_openapi
from scorm_api.sessions.models import Session

from tests.sessions.learners import lasting_link
from tests.sessions.runtime import new_session, page_config
from tests.support import assert_envelope, bearer, database_at


def learners(client, key, **query) -> list[dict]:
    resp = client.get("/api/v1/learners", headers=bearer(key), query_string=query)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["learners"]


def test_sessions_make_learners_and_the_list_searches_them(client, admin_key, pkg12, make_tenant):
    new_session(client, admin_key, pkg12, user="ann.lee@example.org", user_name="Ann Lee")
    new_session(client, admin_key, pkg12, user="bob", user_name="Bob Stone")
    new_session(client, admin_key, pkg12, user="bob", new_attempt=True)
    # The dashboard's Preview is not a learner: not listed, not offered in the picker.
    new_session(client, admin_key, pkg12, user="dashboard-preview", user_name="Preview", new_attempt=True)
    listed = learners(client, admin_key)
    assert [(x["learner_id"], x["name"], x["sessions"]) for x in listed] == [
        ("ann.lee@example.org", "Ann Lee", 1),
        ("bob", "Bob Stone", 2),
    ]
    assert [x["learner_id"] for x in learners(client, admin_key, search="STONE")] == ["bob"]
    assert [x["learner_id"] for x in learners(client, admin_key, search="lee@")] == ["ann.lee@example.org"]
    assert learners(client, admin_key, search="nobody") == []
    assert learners(client, admin_key, search="preview") == []
    other = make_tenant()
    assert learners(client, other.keys["read"]) == []  # another tenant sees none of them


def test_a_learner_made_explicitly_then_renamed(client, admin_key, pkg12):
    made = client.post(
        "/api/v1/learners", headers=bearer(admin_key), json={"learner_id": "cy", "name": " Cy Young "}
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["learner"] == {
        **made.get_json()["learner"],
        "learner_id": "cy",
        "name": "Cy Young",
        "sessions": 0,
    }
    again = client.post("/api/v1/learners", headers=bearer(admin_key), json={"learner_id": "cy"})
    assert_envelope(again, 409, "CONFLICT")
    bad = client.post("/api/v1/learners", headers=bearer(admin_key), json={"learner_id": "a\nb"})
    assert_envelope(bad, 400, "VALIDATION_ERROR")
    session = new_session(client, admin_key, pkg12, user="cy", user_name="C. Young").get_json()["session"]
    assert learners(client, admin_key)[0]["name"] == "Cy Young"  # a launch does not rename them

    renamed = client.patch("/api/v1/learners/cy", headers=bearer(admin_key), json={"name": "Cyrus Young"})
    assert renamed.status_code == 200 and renamed.get_json()["learner"]["name"] == "Cyrus Young"
    got = client.get(f"/api/v1/sessions/{session['id']}", headers=bearer(admin_key)).get_json()["session"]
    assert got["user_name"] == "Cyrus Young" and got["version"] == session["version"] + 1
    assert_envelope(
        client.patch("/api/v1/learners/zed", headers=bearer(admin_key), json={"name": "Z"}),
        404,
        "LEARNER_NOT_FOUND",
    )


def test_a_learner_id_with_a_slash_is_one_path_part(client, admin_key, pkg12):
    new_session(client, admin_key, pkg12, user="school/42")
    got = client.get("/api/v1/learners/school%2F42", headers=bearer(admin_key))
    assert got.status_code == 200 and got.get_json()["learner"]["learner_id"] == "school/42"


def test_merging_keeps_both_learners_sessions_of_a_course(client, admin_key, pkg12, pkg2004):
    typo_12 = new_session(client, admin_key, pkg12, user="ann.le", user_name="Ann").get_json()["session"]
    typo_2004 = new_session(client, admin_key, pkg2004, user="ann.le").get_json()["session"]
    real_12 = new_session(client, admin_key, pkg12, user="ann.lee", user_name="Ann Lee").get_json()["session"]
    # The typo's session of the 1.2 course is the one worked on last.
    assert (
        client.put(
            f"/api/v1/sessions/{typo_12['id']}",
            headers=bearer(admin_key),
            json={"completion_status": "incomplete"},
        ).status_code
        == 200
    )

    resp = client.post(
        "/api/v1/learners/merge", headers=bearer(admin_key), json={"learner_id": "ann.le", "into": "ann.lee"}
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["merged"], body["moved_sessions"], body["learner"]["sessions"]) == ("ann.le", 2, 3)
    assert body["renumbered"] == [{"package_id": pkg12["id"], "title": pkg12["title"]}]
    rows = {s.id: s for s in Session.select().where(Session.user_id == "ann.lee")}
    assert set(rows) == {typo_12["id"], typo_2004["id"], real_12["id"]}
    assert (rows[real_12["id"]].attempt, rows[real_12["id"]].is_current) == (1, False)
    assert (rows[typo_12["id"]].attempt, rows[typo_12["id"]].is_current) == (2, True)
    assert {s.user_name for s in rows.values()} == {"Ann Lee"}
    assert_envelope(
        client.get("/api/v1/learners/ann.le", headers=bearer(admin_key)), 404, "LEARNER_NOT_FOUND"
    )
    # The next launch of the course resumes the attempt worked on last.
    again = new_session(client, admin_key, pkg12, user="ann.lee").get_json()["session"]
    assert again["id"] == typo_12["id"]


def test_merge_refusals(client, admin_key, pkg12, make_tenant):
    new_session(client, admin_key, pkg12, user="ann")
    merge = lambda key, **body: client.post("/api/v1/learners/merge", headers=bearer(key), json=body)
    assert_envelope(merge(admin_key, learner_id="ann", into="ann"), 400, "VALIDATION_ERROR")
    assert_envelope(merge(admin_key, learner_id="ann", into="nobody"), 404, "LEARNER_NOT_FOUND")
    other = make_tenant()
    client.post("/api/v1/learners", headers=other.headers("rw"), json={"learner_id": "bob"})
    assert_envelope(merge(other.keys["rw"], learner_id="ann", into="bob"), 404, "LEARNER_NOT_FOUND")
    assert Session.select().where(Session.user_id == "ann").count() == 1


def test_a_lasting_link_opens_until_revoked(client, admin_key, pkg12, make_tenant):
    client.post("/api/v1/learners", headers=bearer(admin_key), json={"learner_id": "ann", "name": "Ann Lee"})
    link = lasting_link(client, admin_key, "ann", pkg12["id"])
    assert (link["status"], link["expires_at"], link["learner_name"], link["package_title"]) == (
        "active",
        None,
        "Ann Lee",
        pkg12["title"],
    )
    path = urlsplit(link["launch_url"]).path
    first = page_config(client, link["launch_url"])
    second = page_config(client, link["launch_url"])
    assert first["sessionId"] == second["sessionId"]  # each opening resumes the same session
    session = Session.get_by_id(first["sessionId"])
    assert (session.user_id, session.user_name, session.launch_count) == ("ann", "Ann Lee", 2)
    listed = client.get("/api/v1/learner-links", headers=bearer(admin_key)).get_json()["links"]
    assert [(x["id"], x["use_count"]) for x in listed] == [(link["id"], 2)]

    other = make_tenant()
    assert_envelope(
        client.delete(f"/api/v1/learner-links/{link['id']}", headers=other.headers("rw")),
        404,
        "LINK_NOT_FOUND",
    )
    revoked = client.delete(f"/api/v1/learner-links/{link['id']}", headers=bearer(admin_key))
    assert revoked.status_code == 200 and revoked.get_json()["link"]["status"] == "revoked"
    page = client.get(path)
    assert page.status_code == 410 and "withdrawn" in page.get_data(as_text=True)
    assert_envelope(client.get(path, headers={"Accept": "application/json"}), 410, "LINK_REVOKED")
    assert client.get("/api/v1/learner-links", headers=bearer(admin_key)).get_json()["links"] == []
    shown = client.get("/api/v1/learner-links?include_inactive=true", headers=bearer(admin_key)).get_json()[
        "links"
    ]
    assert [x["status"] for x in shown] == ["revoked"]


def test_a_link_for_hours_expires_and_an_unknown_one_says_so(client, admin_key, pkg12):
    client.post("/api/v1/learners", headers=bearer(admin_key), json={"learner_id": "ann"})
    link = lasting_link(client, admin_key, "ann", pkg12["id"], valid_hours=48)
    assert link["expires_at"] > utcnow_iso()
    LearnerLink.update(expires_at="2000-01-01T00:00:00.000Z").where(LearnerLink.id == link["id"]).execute()
    path = urlsplit(link["launch_url"]).path
    assert_envelope(client.get(path, headers={"Accept": "application/json"}), 410, "LINK_EXPIRED")
    assert_envelope(
        client.get("/player/link/nope", headers={"Accept": "application/json"}), 404, "LINK_NOT_FOUND"
    )
    page = client.get("/player/link/nope")
    assert page.status_code == 404 and "LINK_NOT_FOUND" in page.get_data(as_text=True)


def test_a_link_needs_a_known_learner_and_the_tenants_own_course(client, admin_key, pkg12, make_tenant):
    made = lambda key, **body: client.post("/api/v1/learner-links", headers=bearer(key), json=body)
    assert_envelope(made(admin_key, learner_id="typo", package_id=pkg12["id"]), 404, "LEARNER_NOT_FOUND")
    other = make_tenant()
    client.post("/api/v1/learners", headers=other.headers("rw"), json={"learner_id": "ann"})
    assert_envelope(
        made(other.keys["rw"], learner_id="ann", package_id=pkg12["id"]), 404, "PACKAGE_NOT_FOUND"
    )
    assert_envelope(
        made(admin_key, learner_id="ann", package_id=pkg12["id"], valid_hours=0), 400, "VALIDATION_ERROR"
    )


def test_migration_28_makes_the_learners_of_the_sessions_so_far(make_settings):
    """A data dir from before learner records: each learner of its sessions gets one, named
    as their sessions name them."""
    settings = make_settings()
    old = database_at(settings, 27)
    now = "'2025-01-01T00:00:00Z'"
    rows = {
        "tenant (id, name, is_system, created_at, updated_at)": f"'t-1', 'T', 1, {now}, {now}",
        "package (id, tenant_id, title, version, status, created_at, updated_at, family_id, version_number, "
        "is_latest)": f"'p-1', 't-1', 'Course', '1.2', 'ready', {now}, {now}, 'p-1', 1, 1",
    }
    for table, values in rows.items():
        old.execute_sql(f"INSERT INTO {table} VALUES ({values})")
    for n, (user, name) in enumerate((("ann", "Ann Lee"), ("ann", None), ("bob", None))):
        old.execute_sql(
            "INSERT INTO learner_session (id, tenant_id, package_id, package_version_id, user_id, user_name, "
            "attempt, is_current, completion_status, success_status, version, created_at, updated_at) "
            f"VALUES ('s-{n}', 't-1', 'p-1', 'p-1', '{user}', {repr(name) if name else 'NULL'}, {n + 1}, 1, "
            f"'completed', 'passed', 1, {now}, {now})"
        )
    old.close()

    open_data_dir(settings)
    assert current_version(database.obj) == latest_version()
    assert {(x.tenant_id, x.learner_id, x.name) for x in Learner.select()} == {
        ("t-1", "ann", "Ann Lee"),
        ("t-1", "bob", None),
    }


NEW_OPERATIONS = [
    ("delete", "/api/v1/sessions/{session_id}"),
    ("get", "/api/v1/learners"),
    ("post", "/api/v1/learners"),
    ("post", "/api/v1/learners/merge"),
    ("get", "/api/v1/learners/{learner_id}"),
    ("patch", "/api/v1/learners/{learner_id}"),
    ("delete", "/api/v1/learners/{learner_id}"),
    ("get", "/api/v1/learner-links"),
    ("post", "/api/v1/learner-links"),
    ("delete", "/api/v1/learner-links/{link_id}"),
]


def test_the_learners_api_is_marked_ours_and_absent_in_cloud_mode(app, make_settings, tmp_path):
    paths = build_openapi(app)["paths"]
    assert all(paths[path][method].get("x-appliance-extension") is True for method, path in NEW_OPERATIONS)
    cloud = create_app(make_settings(contract="cloud", data_dir=tmp_path / "cloud"))
    client, key = cloud.test_client(), state.of(cloud).first_run_key.plaintext
    for method, path in NEW_OPERATIONS:
        resp = client.open(
            path.replace("{", "x").replace("}", ""), method=method.upper(), headers=bearer(key), json={}
        )
        assert_envelope(resp, 404, "NOT_FOUND")
