"""The standard LRS interface at /xapi/ over HTTP: Basic auth with LRS credentials, the
version header rules, statements PUT/POST/GET with `more` paging and formats."""

import json
import uuid

from scorm_api.tenants.services import system_tenant
from scorm_api.xapi import credentials

from tests.support import V2, assert_envelope, basic, lrs_credentials_json, statement


def test_about_needs_no_version_header(client):
    resp = client.get("/xapi/about")
    assert resp.status_code == 200 and resp.get_json() == {"version": ["1.0.3", "2.0.0"]}
    assert resp.headers["X-Experience-API-Version"] == "2.0.0"


def test_credentials_and_version_header_are_required(client, lrs):
    assert_envelope(client.get("/xapi/statements", headers=V2), 401, "UNAUTHORIZED")
    assert client.get("/xapi/statements", headers=V2).headers["WWW-Authenticate"].startswith("Basic")
    assert_envelope(
        client.get("/xapi/statements", headers={**lrs, **basic("lrs-x", "nope")}), 401, "UNAUTHORIZED"
    )
    no_version = {k: v for k, v in lrs.items() if k != "X-Experience-API-Version"}
    assert_envelope(client.get("/xapi/statements", headers=no_version), 400, "BAD_REQUEST")
    assert_envelope(
        client.get("/xapi/statements", headers={**lrs, "X-Experience-API-Version": "0.9"}), 400, "BAD_REQUEST"
    )
    resp = client.get("/xapi/statements", headers={**lrs, "X-Experience-API-Version": "1.0.1"})
    assert resp.status_code == 200 and resp.headers["X-Experience-API-Version"] == "1.0.3"


def test_every_answer_names_the_version_the_client_speaks(client, lrs):
    """With 1.0.3 and 2.0.0 both enabled (the default), a 1.0.3 client is answered 1.0.3
    even when its request fails before its version is read, or forgets the header."""
    v103 = {**lrs, "X-Experience-API-Version": "1.0.3"}
    no_version = {k: v for k, v in lrs.items() if k != "X-Experience-API-Version"}
    assert client.get("/xapi/statements", headers=v103).headers["X-Experience-API-Version"] == "1.0.3"
    for resp in (
        client.get("/xapi/statements", headers=no_version),
        client.post("/xapi/statements", headers=no_version, json=statement()),
        client.put(f"/xapi/statements?statementId={uuid.uuid4()}", headers=no_version, json=statement()),
    ):
        assert_envelope(resp, 400, "BAD_REQUEST")
        assert resp.headers["X-Experience-API-Version"] == "1.0.3"  # what this client last spoke
    # A route that does not exist, and refused credentials, in the version asked for.
    assert client.get("/xapi/nowhere", headers=v103).headers["X-Experience-API-Version"] == "1.0.3"
    refused = client.get("/xapi/statements", headers={**v103, **basic("lrs-x", "nope")})
    assert refused.status_code == 401 and refused.headers["X-Experience-API-Version"] == "1.0.3"
    # The same credentials speaking 2.0 again: header-less requests follow.
    assert client.get("/xapi/statements", headers=lrs).headers["X-Experience-API-Version"] == "2.0.0"
    assert client.get("/xapi/statements", headers=no_version).headers["X-Experience-API-Version"] == "2.0.0"
    # A client never seen (other credentials) gets the newest version.
    stranger = {**basic("lrs-unknown", "x")}
    assert client.get("/xapi/statements", headers=stranger).headers["X-Experience-API-Version"] == "2.0.0"


def test_put_post_get_and_more_paging(client, lrs):
    sid = str(uuid.uuid4())
    assert client.put(f"/xapi/statements?statementId={sid}", headers=lrs, json=statement()).status_code == 204
    assert client.put(f"/xapi/statements?statementId={sid}", headers=lrs, json=statement()).status_code == 204
    conflict = statement(verb={"id": "http://adlnet.gov/expapi/verbs/passed"})
    assert_envelope(
        client.put(f"/xapi/statements?statementId={sid}", headers=lrs, json=conflict), 409, "CONFLICT"
    )
    assert_envelope(
        client.put(f"/xapi/statements?statementId={sid}", headers=lrs, json=statement(id=str(uuid.uuid4()))),
        400,
        "BAD_REQUEST",
    )
    ids = client.post("/xapi/statements", headers=lrs, json=[statement() for _ in range(4)]).get_json()
    assert len(ids) == 4

    one = client.get(f"/xapi/statements?statementId={sid}", headers=lrs)
    assert one.status_code == 200 and one.get_json()["id"] == sid
    assert one.headers["X-Experience-API-Consistent-Through"].endswith("Z")
    assert_envelope(
        client.get(f"/xapi/statements?statementId={sid}&verb=x:y", headers=lrs), 400, "BAD_REQUEST"
    )
    assert_envelope(client.get("/xapi/statements?StatementId=x", headers=lrs), 400, "BAD_REQUEST")

    page = client.get("/xapi/statements?limit=2&ascending=true", headers=lrs).get_json()
    seen = [s["id"] for s in page["statements"]]
    while page["more"]:
        page = client.get(page["more"], headers=lrs).get_json()
        seen += [s["id"] for s in page["statements"]]
    assert seen == [sid, *ids]

    agent = json.dumps(statement()["actor"])
    assert len(client.get(f"/xapi/statements?agent={agent}", headers=lrs).get_json()["statements"]) == 5
    ids_only = client.get(f"/xapi/statements?statementId={sid}&format=ids", headers=lrs).get_json()
    assert "name" not in ids_only["actor"] and "display" not in ids_only["verb"]
    assert "definition" not in ids_only["object"]
    head = client.head("/xapi/statements", headers=lrs)
    assert head.status_code == 200 and head.get_data() == b""


def test_read_only_credentials_cannot_write(client):
    row, password = credentials.create(system_tenant().id, scopes=("read",))
    headers = {**basic(row.username, password), **V2}
    assert client.get("/xapi/statements", headers=headers).status_code == 200
    assert_envelope(client.post("/xapi/statements", headers=headers, json=statement()), 403, "FORBIDDEN")


def test_revoked_credentials_stop_working(client, lrs):
    row = credentials.list_for(system_tenant().id)[0]
    credentials.revoke(system_tenant().id, row.id)
    assert_envelope(client.get("/xapi/statements", headers=lrs), 401, "UNAUTHORIZED")


def test_cli_creates_credentials(tmp_path):
    made = lrs_credentials_json(tmp_path / "data")
    assert set(made) == {"endpoint", "username", "password", "tenant_id"}
    assert made["endpoint"] == "http://127.0.0.1:3001/xapi/" and made["username"].startswith("lrs-")


AGENT = json.dumps({"mbox": "mailto:ann@example.org"})
STATE = f"/xapi/activities/state?activityId=http://example.org/a&agent={AGENT}&stateId=bookmark"


def test_state_documents_put_get_merge_list_delete(client, lrs):
    assert client.put(STATE, headers=lrs, json={"page": 1}).status_code == 204
    got = client.get(STATE, headers=lrs)
    assert got.status_code == 200 and got.get_json() == {"page": 1} and got.headers["ETag"].startswith('"')
    assert got.headers["Last-Modified"].endswith("GMT")
    # 2.0: overwriting needs a precondition; POST merges JSON objects one level deep.
    assert_envelope(client.put(STATE, headers=lrs, json={"page": 2}), 409, "CONFLICT")
    assert client.post(STATE, headers=lrs, json={"score": 5}).status_code == 204
    assert client.get(STATE, headers=lrs).get_json() == {"page": 1, "score": 5}
    assert_envelope(
        client.post(STATE, headers=lrs, data=b"not json", content_type="text/plain"), 400, "BAD_REQUEST"
    )
    etag = client.get(STATE, headers=lrs).headers["ETag"]
    assert_envelope(
        client.put(STATE, headers={**lrs, "If-Match": '"wrong"'}, json={"page": 3}),
        412,
        "PRECONDITION_FAILED",
    )
    assert client.put(STATE, headers={**lrs, "If-Match": etag}, json={"page": 3}).status_code == 204
    assert_envelope(
        client.put(STATE, headers={**lrs, "If-None-Match": "*"}, json={"page": 4}), 412, "PRECONDITION_FAILED"
    )
    listing = STATE.rsplit("&stateId=", 1)[0]
    assert client.get(listing, headers=lrs).get_json() == ["bookmark"]
    assert client.delete(listing, headers=lrs).status_code == 204  # every state document of the key
    assert_envelope(client.get(STATE, headers=lrs), 404, "NOT_FOUND")
    assert_envelope(
        client.get("/xapi/activities/state?activityId=http://example.org/a", headers=lrs), 400, "BAD_REQUEST"
    )


def test_profiles_keep_any_content_type_and_need_their_id(client, lrs):
    url = "/xapi/activities/profile?activityId=http://example.org/a&profileId=notes"
    assert (
        client.put(
            url, headers=lrs, data=b"\x00\x01binary", content_type="application/octet-stream"
        ).status_code
        == 204
    )
    got = client.get(url, headers=lrs)
    assert got.data == b"\x00\x01binary" and got.content_type == "application/octet-stream"
    assert_envelope(
        client.delete("/xapi/activities/profile?activityId=http://example.org/a", headers=lrs),
        400,
        "BAD_REQUEST",
    )
    agent_url = f"/xapi/agents/profile?agent={AGENT}&profileId=prefs"
    assert client.post(agent_url, headers=lrs, json={"lang": "en"}).status_code == 204
    assert client.get(agent_url, headers=lrs).get_json() == {"lang": "en"}


def test_agents_and_activities(client, lrs):
    person = client.get(f"/xapi/agents?agent={AGENT}", headers=lrs).get_json()
    assert person == {"objectType": "Person", "mbox": ["mailto:ann@example.org"]}
    client.post("/xapi/statements", headers=lrs, json=statement())
    act = client.get("/xapi/activities?activityId=http://example.org/course/1", headers=lrs).get_json()
    assert act["id"] == "http://example.org/course/1" and act["definition"]["name"] == {"en-US": "Course"}
    unknown = client.get("/xapi/activities?activityId=http://example.org/none", headers=lrs).get_json()
    assert unknown == {"objectType": "Activity", "id": "http://example.org/none"}


def test_credentials_over_the_rest_api(client, admin_key, make_tenant):
    from tests.support import bearer

    made = client.post("/api/v1/xapi/credentials", headers=bearer(admin_key), json={"name": "Authoring tool"})
    assert made.status_code == 201
    cred = made.get_json()
    assert cred["endpoint"] == "http://127.0.0.1:3001/xapi/" and cred["scopes"] == ["read", "write"]
    headers = {**basic(cred["username"], cred["password"]), **V2}
    assert client.post("/xapi/statements", headers=headers, json=statement()).status_code == 200
    listed = client.get("/api/v1/xapi/credentials", headers=bearer(admin_key)).get_json()["credentials"]
    assert [c["username"] for c in listed] == [cred["username"]] and "password" not in listed[0]
    other = make_tenant()
    assert_envelope(
        client.delete(f"/api/v1/xapi/credentials/{cred['id']}", headers=other.headers()), 404, "NOT_FOUND"
    )
    assert client.get("/api/v1/xapi/credentials", headers=other.headers()).get_json()["credentials"] == []
    assert (
        client.delete(f"/api/v1/xapi/credentials/{cred['id']}", headers=bearer(admin_key)).get_json()[
            "status"
        ]
        == "revoked"
    )
    assert_envelope(client.get("/xapi/statements", headers=headers), 401, "UNAUTHORIZED")
    assert_envelope(
        client.post("/api/v1/xapi/credentials", headers=bearer(admin_key), json={"scopes": ["all"]}),
        400,
        "VALIDATION_ERROR",
    )


def test_alternate_request_syntax_is_1_0_3_only(client, lrs):
    from urllib.parse import urlencode

    sid = str(uuid.uuid4())
    form = {
        "statementId": sid,
        "content": json.dumps(statement()),
        "Authorization": lrs["Authorization"],
        "X-Experience-API-Version": "1.0.3",
    }
    form_type = "application/x-www-form-urlencoded"
    resp = client.post("/xapi/statements?method=PUT", data=urlencode(form), content_type=form_type)
    assert resp.status_code == 204, resp.get_data(as_text=True)
    got = client.post(
        "/xapi/statements?method=GET",
        content_type=form_type,
        data=urlencode(
            {"statementId": sid, "Authorization": lrs["Authorization"], "X-Experience-API-Version": "1.0.3"}
        ),
    )
    assert got.status_code == 200 and got.get_json()["id"] == sid
    # Extra query parameters, a non-POST, a non-form body, and xAPI 2.0 are refused.
    extra = client.post(
        f"/xapi/statements?method=PUT&statementId={sid}", data=urlencode(form), content_type=form_type
    )
    assert_envelope(extra, 400, "BAD_REQUEST")
    assert_envelope(
        client.put("/xapi/statements?method=POST", data=urlencode(form), content_type=form_type),
        400,
        "BAD_REQUEST",
    )
    assert_envelope(
        client.post(
            "/xapi/statements?method=PUT",
            json=statement(),
            headers={**lrs, "X-Experience-API-Version": "1.0.3"},
        ),
        400,
        "BAD_REQUEST",
    )
    v2 = dict(form, statementId=str(uuid.uuid4()), **{"X-Experience-API-Version": "2.0.0"})
    assert_envelope(
        client.post("/xapi/statements?method=PUT", data=urlencode(v2), content_type=form_type),
        400,
        "BAD_REQUEST",
    )


def test_oversize_bodies_and_forged_more_links_are_refused(client, lrs):
    big = b"x" * (1024 * 1024 + 1)  # over the JSON body cap
    assert_envelope(
        client.put(
            STATE.replace("bookmark", "big"), headers=lrs, data=big, content_type="application/octet-stream"
        ),
        413,
        "PAYLOAD_TOO_LARGE",
    )
    assert_envelope(
        client.post("/xapi/statements", headers=lrs, data=b"[" + big + b"]", content_type="application/json"),
        413,
        "PAYLOAD_TOO_LARGE",
    )
    assert_envelope(client.get("/xapi/statements?more=forged", headers=lrs), 401, "UNAUTHORIZED")
