"""The OpenAPI document describes every route, is valid 3.1, and matches what routes answer."""

import jsonschema
import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from openapi_spec_validator import validate

from scorm_api.contract import openapi_path
from scorm_api.factory import create_app
from scorm_api.openapi import (
    NOT_API_ENDPOINTS,
    build_openapi,
    iter_routes,
    undocumented_routes,
)

from tests.support import bearer


def test_every_route_is_documented(app):
    assert undocumented_routes(app) == []
    doc = build_openapi(app)
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_API_ENDPOINTS:
            continue
        path = openapi_path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_every_declared_schema_is_valid_json_schema(app):
    """endpoint() compiles the body and query schemas without checking them (start-up time):
    every one is checked here, and a broken one would be caught."""
    specs = [spec for _, spec in iter_routes(app) if spec is not None]
    schemas = [s for spec in specs for s in (spec.body, spec.query) if s is not None]
    assert len(schemas) > 20  # every body and query schema the routes declare
    for schema in schemas:
        Draft202012Validator.check_schema(schema)
    with pytest.raises(SchemaError):
        Draft202012Validator.check_schema({"type": "object", "properties": {"n": {"minimum": "one"}}})


def test_an_undocumented_route_is_caught(make_settings):
    app = create_app(make_settings())
    app.add_url_rule("/api/v1/secret", "secret", lambda: "x")
    assert undocumented_routes(app) == ["['GET'] /api/v1/secret"]


def test_document_is_valid_openapi_31(client):
    resp = client.get("/api/docs/openapi")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"] == "3.1.0"
    validate(doc)
    op = doc["paths"]["/api/v1/packages"]["get"]
    assert op["x-required-scope"] == "read"
    assert {p["name"] for p in op["parameters"]} >= {"page", "limit"}
    assert {"401", "403", "429"} <= set(op["responses"])
    assert "security" not in doc["paths"]["/api/health"]["get"]


def _response_schema(doc, path, method, status):
    return doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(
    "method,path,doc_path,status,body",
    [
        ("GET", "/api/health", "/api/health", 200, None),
        ("GET", "/api/v1/packages", "/api/v1/packages", 200, None),
        ("GET", "/api/v1/api-keys", "/api/v1/api-keys", 200, None),
        ("POST", "/api/v1/api-keys", "/api/v1/api-keys", 201, {"scopes": ["read"]}),
        ("GET", "/api/v1/tenants", "/api/v1/tenants", 200, None),
        (
            "POST",
            "/api/v1/tenants",
            "/api/v1/tenants",
            201,
            {"name": "T", "initial_api_key": {"scopes": ["read"]}},
        ),
        ("GET", "/api/v1/packages/nope", "/api/v1/packages/{package_id}", 404, None),
    ],
)
def test_responses_match_documented_schemas(client, admin_key, method, path, doc_path, status, body):
    doc = client.get("/api/docs/openapi").get_json()
    resp = client.open(path, method=method, headers=bearer(admin_key), json=body)
    assert resp.status_code == status
    schema = _response_schema(doc, doc_path, method.lower(), status)
    jsonschema.validate(
        resp.get_json(),
        {**schema, "components": doc["components"]} if "$ref" in schema else schema,
        format_checker=jsonschema.FormatChecker(),
    )


def test_docs_page_references_only_local_assets(client):
    html = client.get("/api/docs").get_data(as_text=True)
    assert "/api/docs/assets/scalar/standalone.js" in html
    assert "http://" not in html and "https://" not in html
    asset = client.get("/api/docs/assets/scalar/standalone.js")
    assert asset.status_code == 200 and len(asset.data) > 1_000_000
    assert client.get("/api/docs/assets/../../config.py").status_code == 404


def test_every_tag_used_is_declared_in_order(app):
    doc = build_openapi(app)
    declared = [t["name"] for t in doc["tags"]]
    used = {op["tags"][0] for item in doc["paths"].values() for op in item.values()}
    assert used <= set(declared)
