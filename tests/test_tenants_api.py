"""API keys and tenants over REST, and tenant isolation."""

import uuid

from scorm_api.db import new_id, utcnow_iso
from scorm_api.packages.models import Package

from tests.support import assert_envelope, bearer


def add_package(tenant_id: str, title: str = "Course") -> str:
    now = utcnow_iso()
    return Package.create(
        id=new_id(),
        tenant=tenant_id,
        title=title,
        version="1.2",
        status="ready",
        created_at=now,
        updated_at=now,
    ).id


# ---- keys ----------------------------------------------------------------------------


def test_key_lifecycle(client, admin_key):
    created = client.post(
        "/api/v1/api-keys",
        headers=bearer(admin_key),
        json={"scopes": ["write", "read"], "name": "LMS integration"},
    )
    assert created.status_code == 201
    key = created.get_json()
    assert key["scopes"] == ["read", "write"] and key["name"] == "LMS integration"
    assert key["status"] == "active" and key["api_key"].startswith(key["prefix"])
    assert client.get("/api/v1/packages", headers=bearer(key["api_key"])).status_code == 200

    revoked = client.delete(f"/api/v1/api-keys/{key['id']}", headers=bearer(admin_key))
    assert revoked.status_code == 200
    assert revoked.get_json()["success"] is True and revoked.get_json()["revoked_at"]
    assert client.get("/api/v1/packages", headers=bearer(key["api_key"])).status_code == 401
    # Revoking again is harmless and keeps the first time.
    again = client.delete(f"/api/v1/api-keys/{key['id']}", headers=bearer(admin_key)).get_json()
    assert again["revoked_at"] == revoked.get_json()["revoked_at"]

    listed = client.get("/api/v1/api-keys", headers=bearer(admin_key)).get_json()
    statuses = {k["id"]: k["status"] for k in listed["api_keys"]}
    assert statuses[key["id"]] == "revoked"
    active = client.get("/api/v1/api-keys?include_revoked=false", headers=bearer(admin_key)).get_json()
    assert key["id"] not in {k["id"] for k in active["api_keys"]}


def test_key_list_paginates(client, admin_key):
    for i in range(5):
        client.post("/api/v1/api-keys", headers=bearer(admin_key), json={"scopes": ["read"]})
    page = client.get("/api/v1/api-keys?limit=2&page=2", headers=bearer(admin_key)).get_json()
    assert len(page["api_keys"]) == 2
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 6, "total_pages": 3}


# ---- tenants -------------------------------------------------------------------------


def test_operator_creates_tenant_with_initial_key(client, admin_key):
    resp = client.post(
        "/api/v1/tenants",
        headers=bearer(admin_key),
        json={
            "name": "Acme Training",
            "max_packages": 5,
            "initial_api_key": {"scopes": ["read", "write", "admin"]},
        },
    )
    assert resp.status_code == 201
    t = resp.get_json()
    assert t["name"] == "Acme Training" and t["quotas"] == {"max_packages": 5}
    new_key = t["api_key"]["api_key"]
    own = client.get("/api/v1/tenants", headers=bearer(new_key)).get_json()
    assert [x["id"] for x in own["tenants"]] == [t["id"]]
    everyone = client.get("/api/v1/tenants", headers=bearer(admin_key)).get_json()
    assert everyone["pagination"]["total"] == 2


def test_non_operator_cannot_create_tenants_or_change_quotas(client, make_tenant):
    t = make_tenant()
    assert_envelope(client.post("/api/v1/tenants", headers=t.headers(), json={"name": "X"}), 403, "FORBIDDEN")
    assert_envelope(
        client.put(f"/api/v1/tenants/{t.tenant_id}", headers=t.headers(), json={"max_packages": 1000}),
        403,
        "FORBIDDEN",
    )
    renamed = client.put(f"/api/v1/tenants/{t.tenant_id}", headers=t.headers(), json={"name": "New"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "New"


def test_operator_sets_quota(client, admin_key, make_tenant):
    t = make_tenant()
    resp = client.put(f"/api/v1/tenants/{t.tenant_id}", headers=bearer(admin_key), json={"max_packages": 3})
    assert resp.get_json()["quotas"] == {"max_packages": 3}
    cleared = client.put(
        f"/api/v1/tenants/{t.tenant_id}", headers=bearer(admin_key), json={"max_packages": None}
    )
    assert cleared.get_json()["quotas"] == {"max_packages": None}


# ---- isolation -----------------------------------------------------------------------


def test_other_tenants_objects_are_404(client, make_tenant):
    a, b = make_tenant("A"), make_tenant("B")
    a_pkg = add_package(a.tenant_id, "A's course")
    b_pkg = add_package(b.tenant_id, "B's course")
    a_key_id = client.get("/api/v1/api-keys", headers=a.headers()).get_json()["api_keys"][0]["id"]

    # B cannot read, change or detect A's objects; the answers equal those for ids that never existed.
    for path in (f"/api/v1/packages/{a_pkg}", f"/api/v1/packages/{uuid.uuid4()}"):
        assert_envelope(client.get(path, headers=b.headers()), 404, "PACKAGE_NOT_FOUND")
    for path in (f"/api/v1/tenants/{a.tenant_id}", f"/api/v1/tenants/{uuid.uuid4()}"):
        assert_envelope(client.get(path, headers=b.headers()), 404, "NOT_FOUND")
        assert_envelope(client.put(path, headers=b.headers(), json={"name": "pwned"}), 404, "NOT_FOUND")
    for key_id in (a_key_id, str(uuid.uuid4())):
        assert_envelope(client.delete(f"/api/v1/api-keys/{key_id}", headers=b.headers()), 404, "NOT_FOUND")
    # A's key still works; A's tenant kept its name.
    assert client.get(f"/api/v1/packages/{a_pkg}", headers=a.headers("read")).status_code == 200
    assert client.get(f"/api/v1/tenants/{a.tenant_id}", headers=a.headers()).get_json()["name"] == "A"

    # Lists show only one's own objects.
    b_list = client.get("/api/v1/packages", headers=b.headers()).get_json()
    assert [p["id"] for p in b_list["packages"]] == [b_pkg] and b_list["count"] == 1
    b_keys = client.get("/api/v1/api-keys", headers=b.headers()).get_json()["api_keys"]
    assert {k["tenant_id"] for k in b_keys} == {b.tenant_id}
    assert [t["id"] for t in client.get("/api/v1/tenants", headers=b.headers()).get_json()["tenants"]] == [
        b.tenant_id
    ]


def test_foreign_tenant_id_in_body_is_403_whether_or_not_it_exists(client, make_tenant):
    a, b = make_tenant("A"), make_tenant("B")
    for foreign in (a.tenant_id, str(uuid.uuid4())):
        resp = client.post(
            "/api/v1/api-keys", headers=b.headers(), json={"scopes": ["read"], "tenant_id": foreign}
        )
        body = assert_envelope(resp, 403, "FORBIDDEN")
        assert "tenant_id" in body["error"]["details"]["fieldErrors"]
    own = client.post(
        "/api/v1/api-keys", headers=b.headers(), json={"scopes": ["read"], "tenant_id": b.tenant_id}
    )
    assert own.status_code == 201 and own.get_json()["tenant_id"] == b.tenant_id
