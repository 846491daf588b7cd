"""The OpenAPI document: generated from the route table, complete, valid, and served lazily."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from chalice.test import Client
from openapi_spec_validator import validate

from app import app
from chalicelib.http.endpoint import ROUTES
from chalicelib.accounts.models import ApiKeyCreate
from chalicelib.monitors.models import parse_monitor
from chalicelib.accounts.representations import KEY_CREATE
from chalicelib.channels.representations import (
    WEBHOOK_PAYLOAD, WEBHOOK_TEST_PAYLOAD, WebhookPayload)
from chalicelib.monitors.representations import MONITOR_CREATE, MONITOR_LIST, MonitorList
from chalicelib.openapi import examples, schemas
from chalicelib.openapi.document import build_document, undocumented

REPO_ROOT = Path(__file__).resolve().parents[2]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def doc():
    return build_document(ROUTES)


def operations(doc):
    return {(method.upper(), path): op for path, item in doc["paths"].items()
            for method, op in item.items() if method in METHODS}


def route(method, path):
    return next(r for r in ROUTES if (r["method"], r["path"]) == (method, path))


def test_it_documents_exactly_the_routes_chalice_serves(doc):
    # The dashboard's HTML pages (chalicelib/web) are for browsers, not part of the API.
    served = {(method, path) for path, entries in app.routes.items()
              for method, entry in entries.items()
              if not entry.view_function.__module__.startswith("chalicelib.web.")}
    assert set(operations(doc)) == served


def test_it_is_a_valid_openapi_document(doc):
    validate(doc)
    assert doc["openapi"].startswith("3.")


def test_every_route_declares_its_body_and_its_answer():
    missing = undocumented(ROUTES)
    assert missing == [], ("routes whose endpoint(...) leaves out part of the contract (add "
                           f"body= or body=NO_BODY, returns=): {missing}")


def test_it_names_a_route_whose_body_or_answer_it_does_not_know():
    new = {"method": "PUT", "path": "/api/widgets/{widget_id}", "scope": "widgets:write",
           "public": False, "rate": None, "handler": "replace_widget", "status": 200,
           "body": None, "returns": None}
    assert undocumented([*ROUTES, new]) == ["PUT /api/widgets/{widget_id}: no body=",
                                            "PUT /api/widgets/{widget_id}: no returns="]


def test_a_route_declared_undocumented_is_served_but_left_out(doc):
    page = {"method": "GET", "path": "/dashboard", "scope": None, "public": True, "rate": None,
            "handler": "dashboard", "status": 200, "body": None, "returns": None,
            "documented": False}
    assert build_document([*ROUTES, page]) == doc
    assert undocumented([*ROUTES, page]) == []


def test_it_puts_the_scope_of_every_private_route_in_the_document(doc):
    ops = operations(doc)
    for r in ROUTES:
        op = ops[(r["method"], r["path"])]
        if r["public"]:
            assert op["security"] == [] and "x-required-scope" not in op
        else:
            assert "security" not in op  # the document's default: X-API-Key
            assert op["x-required-scope"] == r["scope"]
            assert f"`{r['scope']}`" in op["description"]
    assert doc["security"] == [{"ApiKeyAuth": []}]
    assert doc["components"]["securitySchemes"]["ApiKeyAuth"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": doc["components"]["securitySchemes"]["ApiKeyAuth"]["description"]}


def test_it_documents_auth_and_rate_limit_answers_on_private_routes(doc):
    for (method, path), op in operations(doc).items():
        if route(method, path)["public"]:
            continue
        responses = op["responses"]
        assert {"401", "403", "429", "500"} <= set(responses), (method, path)
        success = next(code for code in responses if code.startswith("2"))
        assert set(responses[success]["headers"]) == {
            "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    too_many = doc["components"]["responses"]["TooManyRequests"]
    assert set(too_many["headers"]) == {"X-RateLimit-Limit", "X-RateLimit-Remaining",
                                        "X-RateLimit-Reset", "Retry-After"}


def test_every_route_that_takes_a_body_documents_the_413_of_one_over_1_mib(doc):
    from chalicelib.http.contract import NO_BODY

    takes = {(r["method"], r["path"]) for r in ROUTES if r["body"] not in (None, NO_BODY)}
    for (method, path), op in operations(doc).items():
        assert ("413" in op["responses"]) == ((method, path) in takes), (method, path)
    assert "413" in operations(doc)[("POST", "/ping/{token}")]["responses"]


def test_every_error_answer_is_the_error_envelope(doc):
    error = doc["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message", "code"}
    assert "details" in error["properties"]
    for name, response in doc["components"]["responses"].items():
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}, name


@pytest.mark.parametrize("method, path, status", [
    ("POST", "/api/monitors", "201"),
    ("POST", "/api/keys", "201"),
    ("POST", "/api/monitors/{monitor_id}/check", "202"),
    ("POST", "/api/public/status-pages/{slug}/subscribe", "202"),
    ("DELETE", "/api/monitors/{monitor_id}", "204"),
    ("PUT", "/api/monitors/by-name/{name}", "200"),
    ("GET", "/api/monitors", "200"),
])
def test_it_documents_the_success_status_the_route_declares(doc, method, path, status):
    codes = [c for c in operations(doc)[(method, path)]["responses"] if c.startswith("2")]
    assert codes == [status]


@pytest.mark.parametrize("method, path, names", [
    ("GET", "/api/monitors", {"tag", "type", "limit", "offset"}),
    ("GET", "/api/incidents", {"monitorId", "status", "from", "to", "limit", "offset"}),
    ("GET", "/api/alerts", {"monitorId", "status", "type", "from", "to", "limit", "offset"}),
    ("GET", "/api/monitors/{monitor_id}/results", {"monitor_id", "region", "from", "to", "limit",
                                                    "offset"}),
    ("GET", "/api/monitors/{monitor_id}/stats", {"monitor_id", "period"}),
    ("GET", "/api/badges/{monitor_id}/uptime.svg", {"monitor_id", "period", "label", "style"}),
    ("GET", "/api/badges/{monitor_id}/status.svg", {"monitor_id", "label", "style"}),
])
def test_it_documents_path_and_query_parameters(doc, method, path, names):
    assert {p["name"] for p in operations(doc)[(method, path)]["parameters"]} == names


def test_a_repeated_tag_is_an_exploded_array(doc):
    tag = next(p for p in operations(doc)[("GET", "/api/monitors")]["parameters"]
               if p["name"] == "tag")
    assert tag["schema"]["type"] == "array" and tag["explode"] is True


def test_request_bodies_come_from_the_models_with_defs_in_components(doc):
    body = operations(doc)[("POST", "/api/monitors")]["requestBody"]["content"]["application/json"]
    variants = {ref["$ref"].rsplit("/", 1)[-1] for ref in body["schema"]["oneOf"]}
    assert variants == {"WebsiteMonitorIn", "PingMonitorIn", "PortMonitorIn", "DnsMonitorIn",
                        "DomainMonitorIn", "JobMonitorIn"}
    assert variants <= set(doc["components"]["schemas"])
    assert "$defs" not in json.dumps(doc)


def test_the_spec_examples_are_in_the_document_and_valid_for_the_models(doc):
    ops = operations(doc)
    create = ops[("POST", "/api/monitors")]["requestBody"]["content"]["application/json"]
    assert create["example"] == MONITOR_CREATE
    parse_monitor(MONITOR_CREATE)
    ApiKeyCreate.model_validate(KEY_CREATE)
    MonitorList.model_validate(MONITOR_LIST)
    WebhookPayload.model_validate(WEBHOOK_PAYLOAD)
    schemas.Error.model_validate(examples.ERROR)
    assert doc["webhooks"]["monitorEvent"]["post"]["requestBody"]["content"][
        "application/json"]["examples"]["monitorDown"]["value"] == WEBHOOK_PAYLOAD


def test_the_webhook_documents_the_test_event_and_complete_incident_payloads(doc):
    from chalicelib.notify import delivery
    from chalicelib.channels.kinds import webhook

    webhook_doc = doc["webhooks"]["monitorEvent"]["post"]
    shown = webhook_doc["requestBody"]["content"]["application/json"]["examples"]
    assert "`test`" in webhook_doc["description"]
    assert shown["test"]["value"]["event"] == "test"
    assert shown["incidentCreated"]["value"]["monitor"]["type"] == "Website"
    for example in shown.values():
        WebhookPayload.model_validate(example["value"])
    # The documented test payload is what a test alert really sends.
    channel = type("Channel", (), {"account_id": "acc_1"})()
    sent = webhook.render(delivery.test_event(channel, "2026-03-24T14:30:00Z", "n"), test=True)
    assert sent == WEBHOOK_TEST_PAYLOAD
    event_schema = doc["components"]["schemas"]["WebhookPayload"]["properties"]["event"]
    assert "test" in event_schema["enum"]


def test_importing_the_app_does_not_build_the_document():
    code = ("import sys, app; "
            "assert 'chalicelib.openapi.document' not in sys.modules, 'built at import'")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_it_serves_the_document_and_the_explorer_without_a_key():
    with Client(app) as client:
        served = client.http.get("/openapi/v1.json")
        served_31 = client.http.get("/openapi/v3.1.json")
        page = client.http.get("/docs")
        script = client.http.get("/docs/scalar.js")
    assert served.status_code == 200 and served_31.status_code == 200
    assert json.loads(served.body)["openapi"] == "3.0.3"
    assert json.loads(served_31.body)["openapi"] == "3.1.0"
    assert json.loads(served.body)["paths"]["/api/monitors"]["get"]["operationId"] == \
        "list_monitors"
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert b'src="docs/scalar.js"' in page.body and b"openapi/v3.1.json" in page.body
    assert b"https://" not in page.body  # nothing from a CDN
    assert script.status_code == 200, "run `make deps`: it fetches the Scalar bundle"
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert b"@scalar/api-reference" in script.body[:5000] or len(script.body) > 1_000_000


@pytest.mark.parametrize("path, script, document, server", [
    ("/docs", "docs/scalar.js", "openapi/v3.1.json", "/"),
    ("/docs/", "../docs/scalar.js", "../openapi/v3.1.json", "/"),
    ("/dev/docs", "docs/scalar.js", "openapi/v3.1.json", "/dev/"),      # an API Gateway stage
    ("/dev/docs/", "../docs/scalar.js", "../openapi/v3.1.json", "/dev/"),
])
def test_the_explorer_page_finds_its_script_and_document_from_any_path(path, script, document,
                                                                       server):
    import html
    import re

    from chalicelib.openapi.routes import docs_page

    page = docs_page(path)
    assert f'<script src="{script}">' in page
    config = json.loads(html.unescape(re.search(r"data-configuration='([^']*)'", page).group(1)))
    assert config["url"] == document
    assert config["servers"] == [{"url": server, "description": "This server"}]
    # No button that calls an outside service.
    assert config["hideClientButton"] is True and config["mcp"] == {"disabled": True}
    assert config["agent"] == {"disabled": True} and "proxyUrl" not in config


def test_the_served_3_0_document_is_valid_openapi_3_0():
    from openapi_spec_validator import OpenAPIV30SpecValidator

    with Client(app) as client:
        document = json.loads(client.http.get("/openapi/v1.json").body)
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in OpenAPIV30SpecValidator(document).iter_errors()]
    assert errors == []
    text = json.dumps(document)
    assert '"const"' not in text and '"type": "null"' not in text and '"type": [' not in text
    assert "webhooks" not in document and "monitorEvent" in document["x-webhooks"]


def test_it_says_the_create_quota_counts_monitors_created_and_documents_patch(doc):
    create = operations(doc)[("POST", "/api/monitors")]
    assert "10 per hour (create monitor, failed requests not counted)" in create["description"]
    patch = operations(doc)[("PATCH", "/api/monitors/{monitor_id}")]
    assert "application/merge-patch+json" in patch["requestBody"]["content"]
    assert patch["x-required-scope"] == "monitors:write"
