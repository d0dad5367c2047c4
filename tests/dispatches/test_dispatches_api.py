"""Dispatches through the API (in process): the seed's create, list, revoke and generate with
their shapes, ours beside them (one with its figures, changes, the count reset, the zip, the
learners); every field of the create body checked; other tenants' dispatches and packages not
found."""

from __future__ import annotations

import pytest

from scorm_api import state
from scorm_api.dispatches import tokens

from tests.dispatches.support import course, create, dispatch, launch, zip_of
from tests.support import assert_envelope, bearer

SEED_FIELDS = {
    "id",
    "tenant_id",
    "package_id",
    "dispatch_name",
    "registration_limit",
    "registration_count",
    "expires_at",
    "status",
    "token",
    "launch_url",
    "created_at",
}


def test_the_seeds_routes_and_shapes(client, admin_key):
    pkg = course(client, admin_key)
    resp = create(
        client,
        admin_key,
        package_id=pkg,
        dispatch_name="Partner Training",
        registration_limit=100,
        expires_in_hours=720,
        allowed_domains=["partner.com", "*.partner.com"],
    )
    assert resp.status_code == 201, resp.get_json()
    made = resp.get_json()["dispatch"]
    assert set(made) >= SEED_FIELDS
    assert made["id"].startswith("dispatch-") and made["status"] == "active"
    assert (made["package_id"], made["dispatch_name"], made["registration_limit"]) == (
        pkg,
        "Partner Training",
        100,
    )
    assert made["registration_count"] == 0 and made["expires_at"] > made["created_at"]
    assert made["token"].startswith("eyJhbGciOiJIUzI1NiIs")  # an HS256 JWT, as the seed shows
    assert made["launch_url"].endswith("/player/dispatch/" + made["token"])
    # The token names the record and nothing else.
    assert tokens.read(state.of(client.application).secret, made["token"]) == (made["id"], made["tenant_id"])

    listed = client.get("/api/v1/dispatches", headers=bearer(admin_key)).get_json()
    assert [d["id"] for d in listed["dispatches"]] == [made["id"]]
    assert listed["pagination"] == {"page": 1, "limit": 20, "total": 1, "total_pages": 1}
    one = client.get(f"/api/v1/dispatches/{made['id']}", headers=bearer(admin_key)).get_json()
    assert one["token"] == made["token"]  # the same link every time
    assert one["figures"] == {
        "launches": 0,
        "unique_learners": 0,
        "completions": 0,
        "passed": 0,
        "failed": 0,
        "pass_rate": None,
    }

    queued = client.post(f"/api/v1/dispatches/{made['id']}/generate", headers=bearer(admin_key))
    assert queued.get_json() == {
        "success": True,
        "message": "Dispatch generation queued.",
        "dispatch_id": made["id"],
    }
    revoked = client.delete(f"/api/v1/dispatches/{made['id']}", headers=bearer(admin_key))
    assert revoked.get_json() == {"status": "revoked", "dispatch_id": made["id"]}
    assert client.get(f"/api/v1/dispatches/{made['id']}", headers=bearer(admin_key)).get_json()["status"] == (
        "revoked"
    )
    again = client.patch(
        f"/api/v1/dispatches/{made['id']}", headers=bearer(admin_key), json={"enabled": True}
    )
    assert_envelope(again, 409, "DISPATCH_REVOKED")


def test_the_zip_before_and_after_generate(client, app, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key))
    early = client.get(f"/api/v1/dispatches/{d['id']}/zip", headers=bearer(admin_key))
    assert_envelope(early, 409, "DISPATCH_ZIP_NOT_READY")
    z = zip_of(client, app, admin_key, d)
    assert sorted(z.namelist()) == ["imsmanifest.xml", "index.html"]
    assert d["token"] in z.read("index.html").decode()
    assert b"<schemaversion>1.2</schemaversion>" in z.read("imsmanifest.xml")
    z2004 = zip_of(client, app, admin_key, d, standard="scorm2004")
    assert b"2004 4th Edition" in z2004.read("imsmanifest.xml")
    got = client.get(f"/api/v1/dispatches/{d['id']}", headers=bearer(admin_key)).get_json()
    assert got["zip"]["status"] == "ready" and got["zip"]["standard"] == "scorm2004"


def test_change_disable_enable_and_reset_the_count(client, admin_key):
    d = dispatch(client, admin_key, course(client, admin_key), registration_limit=1)
    path = f"/api/v1/dispatches/{d['id']}"
    assert launch(client, d, "a").status_code == 200
    assert_envelope(launch(client, d, "b", json=True), 403, "DISPATCH_REGISTRATION_LIMIT")
    off = client.patch(path, headers=bearer(admin_key), json={"enabled": False}).get_json()
    assert off["status"] == "disabled"
    assert_envelope(launch(client, d, "a", json=True), 403, "DISPATCH_DISABLED")
    on = client.patch(path, headers=bearer(admin_key), json={"enabled": True, "client_name": "Partner"})
    assert on.get_json()["status"] == "active" and on.get_json()["client_name"] == "Partner"
    reset = client.post(path + "/reset-registrations", headers=bearer(admin_key)).get_json()
    assert reset["registration_count"] == 0 and reset["license_count"] == 1
    assert launch(client, d, "b").status_code == 200  # room again after the reset
    learners = client.get(path + "/registrations", headers=bearer(admin_key)).get_json()
    assert {r["learner_id"] for r in learners["registrations"]} == {"a", "b"}
    assert all(r["session_id"] and r["completion_status"] for r in learners["registrations"])


@pytest.mark.parametrize(
    "body,field",
    [
        ({"package_id": 5}, "package_id"),
        ({"registration_limit": -1}, "registration_limit"),
        ({"registration_limit": 0}, "registration_limit"),
        ({"registration_limit": 2**40}, "registration_limit"),
        ({"license_limit": -3}, "license_limit"),
        ({"expires_in_hours": 0}, "expires_in_hours"),
        ({"expires_in_hours": 10**9}, "expires_in_hours"),
        ({"expires_in_hours": "720"}, "expires_in_hours"),
        ({"allowed_domains": "partner.com"}, "allowed_domains"),
        ({"allowed_domains": ["https://partner.com/x"]}, "allowed_domains[0]"),
        ({"allowed_domains": ["partner.com", "*.*.com"]}, "allowed_domains[1]"),
        ({"allowed_domains": ["-bad.com"]}, "allowed_domains[0]"),
        ({"allowed_domains": ["host:99999"]}, "allowed_domains[0]"),
        ({"allowed_domains": [f"d{i}.com" for i in range(1000)]}, "allowed_domains"),
        ({"dispatch_name": ""}, "dispatch_name"),
        ({"dispatch_name": "x" * 201}, "dispatch_name"),
        ({"password": "abc"}, "password"),
        ({"standard": "aicc"}, "standard"),
        ({"license_limit": 5, "track_licenses": False}, "track_licenses"),
    ],
)
def test_every_field_of_the_create_body_is_checked(client, admin_key, body, field):
    from scorm_api.dispatches.models import Dispatch

    pkg = course(client, admin_key)
    resp = create(client, admin_key, **{"package_id": pkg, **body})
    err = assert_envelope(resp, 400, "VALIDATION_ERROR")["error"]
    assert field in str(err["details"]), err
    assert Dispatch.select().count() == 0  # nothing half made


def test_other_tenants_packages_and_dispatches_are_not_found(client, admin_key, make_tenant):
    other = make_tenant("Other")
    theirs = course(client, other.keys["admin"])
    assert_envelope(create(client, admin_key, package_id=theirs), 404, "PACKAGE_NOT_FOUND")
    assert_envelope(create(client, admin_key, package_id="no-such"), 404, "PACKAGE_NOT_FOUND")
    d = dispatch(client, other.keys["admin"], theirs)
    for method, suffix in [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/generate"),
        ("get", "/zip"),
        ("post", "/reset-registrations"),
        ("get", "/registrations"),
    ]:
        kw = {"json": {}} if method in ("patch", "post") else {}
        resp = getattr(client, method)(
            f"/api/v1/dispatches/{d['id']}{suffix}", headers=bearer(admin_key), **kw
        )
        assert_envelope(resp, 404, "DISPATCH_NOT_FOUND")
    assert client.get("/api/v1/dispatches", headers=bearer(admin_key)).get_json()["dispatches"] == []
    # The tenant's own key sees it, and a body naming another tenant is refused.
    assert client.get(f"/api/v1/dispatches/{d['id']}", headers=other.headers()).status_code == 200
    assert_envelope(create(client, other.keys["admin"], package_id=theirs, tenant_id="x"), 403, "FORBIDDEN")


def test_a_read_key_cannot_create_or_revoke(client, admin_key, make_tenant):
    t = make_tenant()
    pkg = course(client, t.keys["admin"])
    assert create(client, t.keys["read"], package_id=pkg).status_code == 403
    d = dispatch(client, t.keys["admin"], pkg)
    assert client.delete(f"/api/v1/dispatches/{d['id']}", headers=t.headers("rw")).status_code == 403
