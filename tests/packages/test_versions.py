"""Package versions: a new zip uploaded to an existing package id keeps the id, the package
shows its versions, existing sessions keep theirs, new ones get the newest ready version, and
POST .../move-sessions moves them (packages/versions.py, sessions/moves.py)."""

from __future__ import annotations

import io

import pytest

from scorm_api import jobs, state
from scorm_api.packages.models import Package
from scorm_api.sessions.models import SequencingState, Session

from tests.sessions.runtime import commit, open_player
from tests.support import assert_envelope, bearer, fixture, mint, new_version_of, upload_and_process

GOLF12 = "golf_scorm12_runtime_basic.zip"


def launch(client, key, pkg_id, user, session_id=None):
    body = {"user_id": user, **({"session_id": session_id} if session_id else {})}
    resp = client.post(f"/api/v1/packages/{pkg_id}/launch", headers=bearer(key), json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def content_of(client, launched) -> str:
    """The content folder the session's player loads its SCO from."""
    return open_player(client, launched["launch_url"])["contentUrl"].split("/content/")[1].split("/")[0]


def get(client, key, pkg_id):
    resp = client.get(f"/api/v1/packages/{pkg_id}", headers=bearer(key))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def post_zip(client, headers, data: bytes, path="/api/v1/packages/upload", **form):
    """The multipart upload (the legacy form's `package_id`: a new version)."""
    return client.post(
        path,
        headers=headers,
        data={"file": (io.BytesIO(data), "golf.zip"), **form},
        content_type="multipart/form-data",
    )


def move(client, key, pkg_id, **body):
    return client.post(f"/api/v1/packages/{pkg_id}/move-sessions", headers=bearer(key), json=body)


@pytest.fixture
def v1(client, admin_key):
    return upload_and_process(client, admin_key, fixture(GOLF12).read_bytes(), "golf.zip")[0]


def test_a_new_version_keeps_the_id_and_the_sessions_keep_theirs(client, admin_key, v1):
    ann = launch(client, admin_key, v1["id"], "ann", "ann-1")
    ann_content = content_of(client, ann)
    commit(client, open_player(client, ann["launch_url"]), {"cmi.core.lesson_status": "incomplete"})

    v2, _ = upload_and_process(client, admin_key, new_version_of(GOLF12), "golf-v2.zip", package_id=v1["id"])
    assert (v2["id"], v2["version_number"], v2["status"]) == (v1["id"], 2, "ready")
    assert v2["sha256"] != v1["sha256"]

    shown = get(client, admin_key, v1["id"])
    assert shown["version_number"] == 2 and shown["original_filename"] == "golf-v2.zip"
    assert [(v["version_number"], v["status"]) for v in shown["versions"]] == [(1, "ready"), (2, "ready")]
    assert [v["sha256"] for v in shown["versions"]] == [v1["sha256"], v2["sha256"]]
    listed = client.get("/api/v1/packages", headers=bearer(admin_key)).get_json()
    assert listed["count"] == 1 and [p["id"] for p in listed["packages"]] == [v1["id"]]

    # Ann's session stays on version 1; a new learner gets version 2; both name the package.
    assert content_of(client, launch(client, admin_key, v1["id"], "ann")) == ann_content
    bob = launch(client, admin_key, v1["id"], "bob", "bob-1")
    assert content_of(client, bob) != ann_content
    sessions = client.get("/api/v1/sessions", headers=bearer(admin_key)).get_json()["sessions"]
    assert {(s["id"], s["package_id"]) for s in sessions} == {("ann-1", v1["id"]), ("bob-1", v1["id"])}
    # The download is the version new sessions get.
    zipped = client.get(f"/api/v1/packages/{v1['id']}/download", headers=bearer(admin_key))
    assert zipped.status_code == 200 and zipped.data == new_version_of(GOLF12)


def test_moving_sessions_to_the_newest_version_keeps_their_data(client, admin_key, v1):
    ann = launch(client, admin_key, v1["id"], "ann", "ann-1")
    cfg = open_player(client, ann["launch_url"])
    data = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "88", "cmi.suspend_data": "p=4"}
    assert commit(client, cfg, data).status_code == 200
    before = client.get("/api/v1/sessions/ann-1", headers=bearer(admin_key)).get_json()["session"]
    upload_and_process(client, admin_key, new_version_of(GOLF12), package_id=v1["id"])

    moved = move(client, admin_key, v1["id"])
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json() == {
        "package_id": v1["id"],
        "to_version": 2,
        "moved": 1,
        "skipped_other_standard": 0,
        "sequencing_reset": 0,
    }
    after = client.get("/api/v1/sessions/ann-1", headers=bearer(admin_key)).get_json()["session"]
    for field in ("completion_status", "success_status", "score", "completed_at", "attempts"):
        assert after[field] == before[field], field
    assert after["version"] == before["version"] + 1  # a stale PUT is refused after a move
    # The open launch ended with the move (it loads the old content); a new one is on v2 and
    # resumes where the learner was.
    assert commit(client, cfg, {"cmi.core.lesson_location": "p5"}).status_code == 409
    again = launch(client, admin_key, v1["id"], "ann")
    resumed = open_player(client, again["launch_url"])
    assert content_of(client, again) == Package.get(Package.version_number == 2).id
    assert resumed["cmi"]["cmi.suspend_data"] == "p=4"
    # Nothing left to move.
    assert move(client, admin_key, v1["id"]).get_json()["moved"] == 0


def test_moves_to_a_chosen_version_and_from_a_chosen_one(client, admin_key, v1):
    launch(client, admin_key, v1["id"], "ann", "ann-1")
    upload_and_process(client, admin_key, new_version_of(GOLF12, b"2"), package_id=v1["id"])
    launch(client, admin_key, v1["id"], "bob", "bob-1")
    upload_and_process(client, admin_key, new_version_of(GOLF12, b"3"), package_id=v1["id"])
    assert move(client, admin_key, v1["id"], to_version=3, from_version=2).get_json()["moved"] == 1
    on = {s.external_id: s.package_version.version_number for s in Session.select()}
    assert on == {"ann-1": 1, "bob-1": 3}
    assert move(client, admin_key, v1["id"], to_version=1).get_json()["moved"] == 1
    assert {s.package_version.version_number for s in Session.select()} == {1}
    assert_envelope(move(client, admin_key, v1["id"], to_version=9), 404, "VERSION_NOT_FOUND")
    assert_envelope(move(client, admin_key, v1["id"], to_version=0), 400, "VALIDATION_ERROR")


def test_sessions_do_not_move_across_standards(client, admin_key, v1):
    launch(client, admin_key, v1["id"], "ann", "ann-1")
    v2, _ = upload_and_process(
        client, admin_key, fixture("golf_scorm2004_2ed_singlesco.zip").read_bytes(), package_id=v1["id"]
    )
    assert v2["standard"].startswith("scorm_2004") and v2["version_number"] == 2
    body = move(client, admin_key, v1["id"]).get_json()
    assert (body["moved"], body["skipped_other_standard"]) == (0, 1)
    assert Session.get().package_version.version_number == 1


def test_a_changed_activity_tree_resets_the_sequencing_state(client, admin_key):
    seq = fixture("golf_scorm2004_3ed_seq_forced_sequential.zip").read_bytes()
    pkg = upload_and_process(client, admin_key, seq)[0]
    launch(client, admin_key, pkg["id"], "ann", "ann-1")
    launch(client, admin_key, pkg["id"], "bob", "bob-1")
    for s in Session.select():
        SequencingState.create(session=s.id, state="{}", launch_key="k", updated_at="2026-01-01T00:00:00Z")
    same_tree = new_version_of("golf_scorm2004_3ed_seq_forced_sequential.zip")
    upload_and_process(client, admin_key, same_tree, package_id=pkg["id"])
    body = move(client, admin_key, pkg["id"], from_version=1).get_json()
    assert (body["moved"], body["sequencing_reset"]) == (2, 0)
    other_tree = fixture("golf_scorm2004_3ed_seq_simple_remediation.zip").read_bytes()
    upload_and_process(client, admin_key, other_tree, package_id=pkg["id"])
    body = move(client, admin_key, pkg["id"]).get_json()
    assert (body["moved"], body["sequencing_reset"]) == (2, 2)
    assert SequencingState.select().count() == 0


def test_the_legacy_multipart_package_id_field(client, admin_key, v1):
    for path in ("/api/v1/packages", "/api/v1/packages/upload"):
        resp = post_zip(
            client, bearer(admin_key), new_version_of(GOLF12, path.encode()), path, package_id=v1["id"]
        )
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["id"] == v1["id"]
    assert [v["version_number"] for v in get(client, admin_key, v1["id"])["versions"]] == [1, 2, 3]
    # Without package_id, the legacy form makes a new package.
    resp = post_zip(client, bearer(admin_key), fixture(GOLF12).read_bytes(), "/api/v1/packages")
    assert resp.status_code == 201 and resp.get_json()["id"] != v1["id"]


def test_another_tenants_package_id_is_not_found_and_nothing_is_left(
    client, admin_key, make_tenant, v1, settings
):
    other = make_tenant("Other")
    data = new_version_of(GOLF12)
    resp = post_zip(client, other.headers(), data, "/api/v1/packages/upload", package_id=v1["id"])
    assert_envelope(resp, 404, "PACKAGE_NOT_FOUND")
    for pkg_id in (v1["id"], "00000000-0000-4000-8000-000000000000"):
        upload_and_process(client, other.keys["admin"], data, expect=404, package_id=pkg_id)
        assert_envelope(move(client, other.keys["admin"], pkg_id), 404, "PACKAGE_NOT_FOUND")
    assert Package.select().count() == 1
    assert get(client, admin_key, v1["id"])["versions"][-1]["version_number"] == 1
    # No version's files were written.
    assert [p.name for p in (settings.files_dir / "packages").iterdir()] == [first_row_id(v1["id"])]
    assert not list((settings.files_dir / "packages").glob("*/content/release-notes.txt"))


def test_a_refused_version_leaves_the_package_as_it_was(client, admin_key, v1):
    broken = fixture("broken_scorm12_malformed_xml.zip").read_bytes()
    upload_and_process(client, admin_key, broken, expect=400, package_id=v1["id"])
    shown = get(client, admin_key, v1["id"])
    assert shown["version_number"] == 1 and len(shown["versions"]) == 1


def test_a_version_processed_in_the_background(make_settings):
    from scorm_api.factory import create_app

    app = create_app(make_settings(sync_process_max_bytes=1))
    key = state.of(app).first_run_key.plaintext
    client = app.test_client()
    first = upload_and_process(client, key, fixture(GOLF12).read_bytes(), expect=202)[0]
    jobs.run_due_jobs(state.of(app))
    v2 = upload_and_process(client, key, new_version_of(GOLF12), expect=202, package_id=first["id"])[0]
    # A client polling the package sees the new version processing; learners still get v1.
    assert (v2["id"], v2["status"], v2["version_number"]) == (first["id"], "processing", 2)
    assert get(client, key, first["id"])["status"] == "processing"
    ann = launch(client, key, first["id"], "ann", "ann-1")
    broken = fixture("broken_scorm12_malformed_xml.zip").read_bytes()
    upload_and_process(client, key, broken, expect=202, package_id=first["id"])
    assert jobs.run_due_jobs(state.of(app)) == 2
    shown = get(client, key, first["id"])
    assert [(v["version_number"], v["status"]) for v in shown["versions"]] == [
        (1, "ready"),
        (2, "ready"),
        (3, "failed"),
    ]
    # The failed version is what the package shows (the upload the client polls), and the
    # course goes on at the newest ready version.
    assert shown["status"] == "failed" and shown["failure"]["reason"] == "malformed_xml"
    assert (
        content_of(client, launch(client, key, first["id"], "bob"))
        == Package.get(Package.version_number == 2).id
    )
    assert content_of(client, ann) == first_row_id(first["id"])


def first_row_id(package_id: str) -> str:
    return Package.get((Package.family_id == package_id) & (Package.version_number == 1)).id


def test_versions_count_once_against_the_package_quota(client, admin_key, make_tenant):
    from scorm_api.tenants.models import Tenant

    tenant = make_tenant("Small")
    Tenant.update(max_packages=1).where(Tenant.id == tenant.tenant_id).execute()
    key = tenant.keys["admin"]
    first = upload_and_process(client, key, fixture(GOLF12).read_bytes())[0]
    # At the limit, a new version's upload URL says which package it is for.
    ticket = mint(client, key, 100, package_id=first["id"])
    assert ticket.status_code == 200, ticket.get_json()
    resp = post_zip(
        client, bearer(key), new_version_of(GOLF12), "/api/v1/packages/upload", package_id=first["id"]
    )
    assert resp.status_code == 201 and resp.get_json()["version_number"] == 2
    # A new package is still refused.
    assert_envelope(mint(client, key, 100), 403, "QUOTA_EXCEEDED")


def test_deleting_a_package_deletes_every_version(client, admin_key, v1, settings):
    launch(client, admin_key, v1["id"], "ann", "ann-1")
    upload_and_process(client, admin_key, new_version_of(GOLF12), package_id=v1["id"])
    launch(client, admin_key, v1["id"], "bob", "bob-1")
    rows = [p.id for p in Package.select()]
    assert len(rows) == 2
    resp = client.delete(f"/api/v1/packages/{v1['id']}", headers=bearer(admin_key))
    assert resp.status_code == 200, resp.get_json()
    assert Package.select().count() == 0 and Session.select().count() == 0
    for row in rows:
        assert not (settings.files_dir / "packages" / row).exists()
    assert_envelope(
        client.get(f"/api/v1/packages/{v1['id']}", headers=bearer(admin_key)), 404, "PACKAGE_NOT_FOUND"
    )


def test_cloud_mode_takes_versions_by_the_legacy_multipart_only(make_settings):
    from scorm_api.factory import create_app

    app = create_app(make_settings(contract="cloud"))
    key = state.of(app).first_run_key.plaintext
    client = app.test_client()
    first = upload_and_process(client, key, fixture(GOLF12).read_bytes())[0]
    refused = upload_and_process(client, key, new_version_of(GOLF12), expect=400, package_id=first["id"])[0]
    assert "package_id" in refused["error"]["details"]["fieldErrors"]
    assert_envelope(move(client, key, first["id"]), 404, "NOT_FOUND")
    resp = post_zip(client, bearer(key), new_version_of(GOLF12), "/api/v1/packages", package_id=first["id"])
    assert resp.status_code == 201 and resp.get_json()["version_number"] == 2


def test_a_ready_new_version_is_announced_once(make_settings):
    """packages.signals.version_ready: what the webhooks' package.updated subscribes to."""
    from scorm_api.factory import create_app
    from scorm_api.packages import signals

    heard = []

    def receiver(pkg):
        heard.append((pkg.family_id, pkg.version_number, pkg.status))

    signals.version_ready.connect(receiver)
    try:
        app = create_app(make_settings(sync_process_max_bytes=400_000))  # golf 1.2: 360 KB
        key = state.of(app).first_run_key.plaintext
        client = app.test_client()
        first = upload_and_process(client, key, fixture(GOLF12).read_bytes())[0]
        assert heard == []  # a first version is a new package, not an update
        upload_and_process(client, key, new_version_of(GOLF12), package_id=first["id"])
        big = fixture("golf_scorm2004_3ed_runtime_advanced.zip").read_bytes()  # 406 KB
        upload_and_process(client, key, big, expect=202, package_id=first["id"])
        assert heard == [(first["id"], 2, "ready")]
        jobs.run_due_jobs(state.of(app))
        upload_and_process(
            client,
            key,
            fixture("broken_scorm12_malformed_xml.zip").read_bytes(),
            expect=400,
            package_id=first["id"],
        )
        assert heard == [(first["id"], 2, "ready"), (first["id"], 3, "ready")]
    finally:
        signals.version_ready.disconnect(receiver)
