"""Every failure answers the seed's envelope with the right status; nothing is a 500."""

import json

import peewee
import pytest

from scorm_api import state
from scorm_api.factory import create_app
from scorm_api.tenants.models import ApiKey

from tests.support import assert_envelope, bearer


def post_key(client, key, data, content_type="application/json"):
    return client.post("/api/v1/api-keys", headers=bearer(key), data=data, content_type=content_type)


def test_unknown_route_is_404_envelope(client):
    assert_envelope(client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")
    assert_envelope(client.get("/nothing-here"), 404, "NOT_FOUND")


def test_wrong_method_is_405_with_allow(client):
    resp = client.post("/api/health")
    body = assert_envelope(resp, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in resp.headers["Allow"]
    assert "GET" in body["error"]["details"]["allowed_methods"]


def test_malformed_json(client, admin_key):
    body = assert_envelope(post_key(client, admin_key, '{"scopes": [read]}'), 400, "BAD_REQUEST")
    assert "Malformed JSON" in body["error"]["message"]


@pytest.mark.parametrize("payload", ["", "   ", "NaN", '{"scopes": ["read"], "x": Infinity}'])
def test_empty_and_non_standard_json(client, admin_key, payload):
    assert_envelope(post_key(client, admin_key, payload), 400, "BAD_REQUEST")


def test_wrong_content_type(client, admin_key):
    body = assert_envelope(
        post_key(client, admin_key, "scopes=read", "application/x-www-form-urlencoded"), 400, "BAD_REQUEST"
    )
    assert "application/json" in body["error"]["message"]


def test_non_utf8_body(client, admin_key):
    body = assert_envelope(post_key(client, admin_key, b'{"name": "\xff\xfe"}'), 400, "BAD_REQUEST")
    assert "UTF-8" in body["error"]["message"]


def test_non_utf8_charset_declared(client, admin_key):
    assert_envelope(
        post_key(client, admin_key, '{"scopes":["read"]}', "application/json; charset=latin-1"),
        400,
        "BAD_REQUEST",
    )


def test_deeply_nested_json(client, admin_key):
    assert_envelope(post_key(client, admin_key, "[" * 200_000 + "]" * 200_000), 400, "BAD_REQUEST")


def test_unknown_fields_and_wrong_types_give_field_errors(client, admin_key):
    resp = post_key(client, admin_key, json.dumps({"scopes": "read", "name": 7, "colour": "red"}))
    errors = assert_envelope(resp, 400, "VALIDATION_ERROR")["error"]["details"]["fieldErrors"]
    assert errors == {
        "scopes": ["Must be an array"],
        "name": ["Must be a string"],
        "colour": ["Unknown field"],
    }


def test_missing_required_and_bad_enum(client, admin_key):
    errors = assert_envelope(post_key(client, admin_key, "{}"), 400, "VALIDATION_ERROR")["error"]["details"][
        "fieldErrors"
    ]
    assert errors == {"scopes": ["Required"]}
    errors = assert_envelope(
        post_key(client, admin_key, '{"scopes": ["read", "root"]}'), 400, "VALIDATION_ERROR"
    )["error"]["details"]["fieldErrors"]
    assert errors == {"scopes.1": ["Must be one of: read, write, admin"]}


def test_body_of_wrong_shape(client, admin_key):
    errors = assert_envelope(post_key(client, admin_key, '["read"]'), 400, "VALIDATION_ERROR")["error"][
        "details"
    ]["fieldErrors"]
    assert errors == {"body": ["Must be an object"]}


def test_validation_failure_writes_nothing(client, admin_key):
    before = ApiKey.select().count()
    post_key(client, admin_key, '{"scopes": ["read"], "extra": 1}')
    post_key(client, admin_key, '{"scopes": []}')
    assert ApiKey.select().count() == before


def test_oversize_body_is_413(make_settings):
    app = create_app(make_settings(max_body_bytes=1024))
    key = state.of(app).first_run_key.plaintext
    resp = app.test_client().post(
        "/api/v1/api-keys",
        headers=bearer(key),
        data=json.dumps({"scopes": ["read"], "name": "x" * 5000}),
        content_type="application/json",
    )
    assert_envelope(resp, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    "qs,field,message",
    [
        ("page=abc", "page", "Must be an integer"),
        ("page=0", "page", "Must be at least 1"),
        ("limit=101", "limit", "Must be at most 100"),
        ("limit=-5", "limit", "Must be at least 1"),
    ],
)
def test_bad_query_parameters(client, admin_key, qs, field, message):
    resp = client.get(f"/api/v1/packages?{qs}", headers=bearer(admin_key))
    errors = assert_envelope(resp, 400, "VALIDATION_ERROR")["error"]["details"]["fieldErrors"]
    assert errors == {field: [message]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/packages/%00",
        "/api/v1/packages/" + "a" * 5000,
        "/api/v1/packages/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/tenants/%F0%9F%92%A9",
    ],
)
def test_odd_ids_are_404_not_500(client, admin_key, path):
    resp = client.get(path, headers=bearer(admin_key))
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] in ("NOT_FOUND", "PACKAGE_NOT_FOUND")


def test_unexpected_exception_is_500_envelope_without_internals(make_settings):
    app = create_app(make_settings())

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    resp = app.test_client().get("/boom")
    body = assert_envelope(resp, 500, "INTERNAL_ERROR")
    assert "secret" not in resp.get_data(as_text=True)
    assert body["error"]["details"] == {}


def test_database_failure_is_500_database_error(make_settings):
    app = create_app(make_settings())

    @app.route("/dbboom")
    def dbboom():
        raise peewee.OperationalError("disk I/O error")

    assert_envelope(app.test_client().get("/dbboom"), 500, "DATABASE_ERROR")


def test_client_request_id_is_kept(client):
    resp = client.get("/api/v1/nothing", headers={"X-Request-Id": "trace-abc.123"})
    assert resp.headers["X-Request-Id"] == "trace-abc.123"
    assert resp.get_json()["request_id"] == "trace-abc.123"
    ok = client.get("/api/health", headers={"X-Request-Id": "trace-xyz"})
    assert ok.headers["X-Request-Id"] == "trace-xyz"


@pytest.mark.parametrize("bad", ["has space", "x" * 200, "<script>"])
def test_unsafe_request_id_is_replaced(client, bad):
    resp = client.get("/api/health", headers={"X-Request-Id": bad})
    rid = resp.headers["X-Request-Id"]
    assert rid != bad and len(rid) == 36
