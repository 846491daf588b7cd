"""The OpenAPI 3.1 document, generated: every documented route of `http.endpoint.ROUTES` with
the contract its `endpoint(...)` declares (scope, rate tier, success status, body, query,
returns, extra errors), and the pydantic models' JSON Schemas (their `$defs` hoisted into
`components.schemas`). Nothing here is written per route.

Built once per process, on the first request for it (`document_json`), never at import time:
importing app.py must stay cheap for a Lambda cold start.
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any

from pydantic import BaseModel, TypeAdapter

from chalicelib.http import ratelimits
from chalicelib.kernel import scopes
from chalicelib.channels.representations import (
    WEBHOOK_INCIDENT_PAYLOAD, WEBHOOK_PAYLOAD, WEBHOOK_TEST_PAYLOAD, WebhookPayload)
from chalicelib.http.contract import HTML, JSON, NO_BODY, Body, Success
from chalicelib.openapi import examples, schemas, v30

OPENAPI_VERSION = "3.1.0"
REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "ApiKeyAuth"
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
_PATH_PARAM = re.compile(r"{([^}]+)}")

ERRORS = {
    400: ("BadRequest", "Invalid request: the message and `details` name the field"),
    401: ("Unauthorized", "Missing or invalid API key"),
    403: ("Forbidden", "The key lacks the required scope, or a plan limit is reached"),
    404: ("NotFound", "Not found (or another account's object)"),
    409: ("Conflict", "Conflict: a duplicate, or a concurrent change; fetch and retry"),
    413: ("PayloadTooLarge", "The request body is larger than 1 MiB"),
    429: ("TooManyRequests", "Rate limit exceeded: wait `Retry-After` seconds"),
    500: ("InternalError", "Unexpected error (the envelope, never a stack trace)"),
    503: ("ServiceUnavailable", "A part this needs cannot be reached now; nothing changed"),
}
# Routes that answer browsers: an error is a small HTML page when Accept prefers text/html.
HTML_ERRORS = ("/status/", "/api/public/subscriptions/", "/api/public/status-pages/{slug}/")
TAGS = {"keys": "API Keys", "account": "Account", "public": "Public status pages",
        "status": "Public status pages", "ping": "Job pings", "openapi": "Documentation",
        "docs": "Documentation"}

INFO_DESCRIPTION = """\
Manage monitors, incidents, alerts, status pages and more. JSON bodies, camelCase names.

**Authentication**: send your key in the `X-API-Key` header. Each operation names the scope it
needs (`x-required-scope`); `*` grants all. Public routes (`/ping/*`, `/api/public/*`,
`/status/*`, `/api/badges/*`, this document and `/docs`) need no key.

**Rate limits** per API key: reads 200/minute, other calls 100/minute; creating a monitor
10/hour, check now 5/minute, test alert 5/minute. Every authenticated response carries
`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`; a 429 adds `Retry-After`.
Job pings (`/ping/*`) have their own limit: PING_LIMIT; past it a 429 with `Retry-After`.

**Errors** share one shape: `{"error", "message", "code", "details"?}`.

**Lists** are `{"items": [...], "totalCount": N}` with `limit` (default 50, max 500) and
`offset`.""".replace("PING_LIMIT", ratelimits.ping_limit_text())


class Components:
    """`components.schemas`, filled as operations refer to models."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict] = {}

    def schema_of(self, kind: Any) -> dict:
        """A schema for `kind` (a JSON Schema dict, a pydantic model or any type pydantic
        knows); models become `$ref`s into components."""
        if isinstance(kind, dict):
            return kind
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            schema = kind.model_json_schema(by_alias=True, ref_template=REF)
            self._hoist(schema)
            self.add(kind.__name__, schema)
            return {"$ref": REF.format(model=kind.__name__)}
        schema = TypeAdapter(kind).json_schema(by_alias=True, ref_template=REF)
        self._hoist(schema)
        return schema

    def _hoist(self, schema: dict) -> None:
        for name, definition in schema.pop("$defs", {}).items():
            self.add(name, definition)

    def add(self, name: str, schema: dict) -> None:
        if self.schemas.setdefault(name, schema) != schema:
            raise ValueError(f"two different models are both named {name!r}")


def build_document(routes: list[dict]) -> dict:
    """The OpenAPI document of `routes` (dicts as `http.endpoint.ROUTES` records them), but
    those declared `documented=False`."""
    routes = [r for r in routes if r.get("documented", True)]
    components = Components()
    components.schema_of(schemas.Error)
    ids = _operation_ids(routes)
    paths: dict[str, dict] = {}
    for route in routes:
        paths.setdefault(route["path"], {})[route["method"].lower()] = \
            _operation(route, ids[id(route)], components)
    webhook_payload = components.schema_of(WebhookPayload)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Enori API", "version": "1.0.0", "description": INFO_DESCRIPTION},
        "servers": [{"url": "/", "description": "This server"},
                    {"url": "https://api.enori.io", "description": "Enori"}],
        "security": [{SECURITY_SCHEME: []}],
        "tags": [{"name": name} for name in sorted({_tag(r["path"]) for r in routes})],
        "paths": dict(sorted(paths.items())),
        "webhooks": {"monitorEvent": _webhook(webhook_payload)},
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {SECURITY_SCHEME: {
                "type": "apiKey", "in": "header", "name": "X-API-Key",
                "description": "An API key; create and revoke them at /api/keys"}},
            "headers": _rate_limit_headers(),
            "responses": {name: _error_response(status, description, private=True)
                          for status, (name, description) in ERRORS.items()},
        },
    }


def undocumented(routes: list[dict]) -> list[str]:
    """Documented routes whose `endpoint(...)` leaves out part of the contract: a POST, PUT or
    PATCH without `body=` (or `body=NO_BODY`), a GET, POST, PUT or PATCH without `returns=`."""
    routes = [r for r in routes if r.get("documented", True)]
    return [f"{r['method']} {r['path']}: no body=" for r in routes
            if r["method"] in ("POST", "PUT", "PATCH") and r.get("body") is None] + \
        [f"{r['method']} {r['path']}: no returns=" for r in routes
         if r["method"] not in ("HEAD", "DELETE") and r.get("returns") is None]


@functools.lru_cache(maxsize=2)
def document_json(version: str = OPENAPI_VERSION) -> str:
    """The document of every route the app declares, in OpenAPI `version` (3.1.0, or 3.0.3:
    `v30.downgrade` of the same document), serialised once per process."""
    from chalicelib.http.endpoint import ROUTES

    document = build_document(ROUTES)
    if version == v30.OPENAPI_30:
        document = v30.downgrade(document)
    elif version != OPENAPI_VERSION:
        raise ValueError(f"no OpenAPI {version} rendering")
    return json.dumps(document, ensure_ascii=False)


# --- operations -----------------------------------------------------------------------------

def _operation_ids(routes: list[dict]) -> dict[int, str]:
    """The handler's name; with the method appended where one handler serves several."""
    counts: dict[str, int] = {}
    for route in routes:
        counts[route["handler"]] = counts.get(route["handler"], 0) + 1
    return {id(r): r["handler"] if counts[r["handler"]] == 1
            else f"{r['handler']}_{r['method'].lower()}" for r in routes}


def _operation(route: dict, operation_id: str, components: Components) -> dict:
    method, path = route["method"], route["path"]
    private = not route["public"]
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": route["handler"].replace("_", " ").title(),
        "description": _description(route),
        "tags": [_tag(path)],
        "parameters": [*({"name": name, "in": "path", "required": True,
                          "schema": {"type": "string", "minLength": 1}}
                         for name in _PATH_PARAM.findall(path)),
                       *route.get("query", [])],
    }
    if private:
        operation["x-required-scope"] = route["scope"]
    else:
        operation["security"] = []
    if route.get("rate"):
        operation["x-rate-limit-tier"] = route["rate"]
    body = _body(route)
    if body is not None:
        operation["requestBody"] = _request_body(body, components)
    operation["responses"] = _responses(route, components)
    if method == "HEAD":  # HEAD answers carry no body, whatever the status
        operation["responses"] = {code: _without_body(response, code)
                                  for code, response in operation["responses"].items()}
    return operation


def _without_body(response: dict, code: str) -> dict:
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        return {"description": next(d for n, d in ERRORS.values() if n == name)}
    return {k: v for k, v in response.items() if k != "content"}


def _description(route: dict) -> str:
    if route["public"]:
        lines = ["Public: no API key needed."]
    elif route["scope"] == scopes.FULL_ACCESS:
        lines = ["Required scope: `*` (full access)."]
    else:
        lines = [f"Required scope: `{route['scope']}` (or `*`)."]
    if not route["public"]:
        lines.append(_rate_text(route))
    if _is_ping(route):
        lines.append(f"Rate limit: {ratelimits.ping_limit_text()}.")
    return " ".join(lines)


def _is_ping(route: dict) -> bool:
    return route["path"].startswith("/ping/")


def _rate_text(route: dict) -> str:
    tiers = ratelimits.tiers_for(route["method"], route.get("rate"))
    parts = [f"{t.limit} per {_window(t.window_seconds)} ({t.name.replace('_', ' ')}"
             f"{', failed requests not counted' if t.counts_successes else ''})" for t in tiers]
    return "Rate limits: " + ", ".join(parts) + "."


def _window(seconds: int) -> str:
    return {60: "minute", 3600: "hour"}.get(seconds, f"{seconds} s")


def _tag(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    name = parts[1] if parts[0] == "api" and len(parts) > 1 else parts[0]
    return TAGS.get(name, name.replace("-", " ").capitalize())


def _body(route: dict) -> Body | None:
    """The body the route takes (None: none)."""
    body = route.get("body")
    return None if body is None or body is NO_BODY else body


def _request_body(body: Body, components: Components) -> dict:
    schema = components.schema_of(body.schema)
    content = {}
    for media in body.media:
        entry: dict[str, Any] = {"schema": schema}
        if body.example is not None:
            entry["example"] = body.example
        content[media] = entry
    return {"required": body.required, "content": content}


def success_status(route: dict) -> int:
    """What the route answers on success: DELETE handlers return nothing (204), the rest
    the status their `endpoint(...)` declares."""
    return 204 if route["method"] == "DELETE" else int(route.get("status") or 200)


def _responses(route: dict, components: Components) -> dict:
    private = not route["public"]
    success = route.get("returns") or Success(None)
    status = success_status(route)
    ok: dict[str, Any] = {"description": success.description or _status_text(status)}
    if private:
        ok["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_HEADERS}
    if success.schema is not None and status != 204:
        schema = components.schema_of(success.schema)
        ok["content"] = {media: {"schema": schema if media == JSON
                                 else {"type": "string"}} for media in success.media}
        if success.example is not None:
            ok["content"][JSON]["example"] = success.example
    responses: dict[str, Any] = {str(status): ok}
    html = any(marker in route["path"] for marker in HTML_ERRORS) or \
        route["path"].startswith("/status/")
    for code in error_statuses(route):
        name, description = ERRORS[code]
        if html:
            responses[str(code)] = _error_response(code, description, private, html=True)
        elif code == 429 and _is_ping(route):
            responses[str(code)] = _error_response(
                code, f"Ping limit reached: {ratelimits.ping_limit_text()}", private=True)
        elif code == 429 and not private:
            responses[str(code)] = _error_response(code, description, private=False)
        else:
            responses[str(code)] = {"$ref": f"#/components/responses/{name}"}
    return responses


def error_statuses(route: dict) -> list[int]:
    """The error statuses a route can answer, from what it takes and whether it is private."""
    body = _body(route) is not None
    has_input = bool(_PATH_PARAM.search(route["path"]) or route.get("query") or body)
    codes = set(route.get("errors", ()))
    if has_input:
        codes.add(400)
    if _PATH_PARAM.search(route["path"]) or (not route["public"] and body):
        codes.add(404)
    if body:
        codes.add(413)
    if not route["public"]:
        codes.update((401, 403, 429))
        if route["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            codes.add(409)
    codes.add(500)
    return sorted(codes)


def _status_text(status: int) -> str:
    return {200: "Success", 201: "Created", 202: "Accepted (async operation started)",
            204: "No Content"}.get(status, "Success")


def _error_response(status: int, description: str, private: bool, html: bool = False) -> dict:
    example = examples.VALIDATION_ERROR if status == 400 else \
        examples.ERROR if status == 403 else None
    json_media: dict[str, Any] = {"schema": {"$ref": REF.format(model="Error")}}
    if example is not None:
        json_media["example"] = example
    response: dict[str, Any] = {"description": description,
                                "content": {JSON: json_media}}
    if html:
        response["content"][HTML] = {"schema": {"type": "string"}}
    if status == 429:
        names = (*RATE_HEADERS, "Retry-After") if private else ("Retry-After",)
        response["headers"] = {name: {"$ref": f"#/components/headers/{name}"} for name in names}
    return response


def _rate_limit_headers() -> dict:
    described = {
        "X-RateLimit-Limit": "Maximum requests allowed in the window",
        "X-RateLimit-Remaining": "Requests remaining in the window",
        "X-RateLimit-Reset": "Unix timestamp when the window resets",
        "Retry-After": "Seconds to wait before retrying",
    }
    return {name: {"description": text, "required": True,
                   "schema": {"type": "integer", "minimum": 0}}
            for name, text in described.items()}


def _webhook(payload_schema: dict) -> dict:
    return {"post": {
        "summary": "Webhook alert",
        "description": "What Enori POSTs to a Webhook channel's URL when a monitor event occurs "
                       "(User-Agent `Enori-Webhook/1.0`). Events: monitor.down, monitor.up, "
                       "monitor.degraded, monitor.ssl_expiring, incident.created, "
                       "incident.resolved, monitor.not_checked (fewer regions than the quorum "
                       "reported for several checks), and `test` for a test alert (POST "
                       "/api/alert-channels/{id}/test; never retried). A non-2xx answer or a "
                       "timeout is retried after 30 s, 5 min and 30 min.",
        "security": [],
        "requestBody": {"required": True, "content": {JSON: {
            "schema": payload_schema, "examples": {
                "monitorDown": {"summary": "monitor.down (the spec's example)",
                                "value": WEBHOOK_PAYLOAD},
                "incidentCreated": {"summary": "incident.created",
                                    "value": WEBHOOK_INCIDENT_PAYLOAD},
                "test": {"summary": "A test alert", "value": WEBHOOK_TEST_PAYLOAD}}}}},
        "responses": {"200": {"description": "Any 2xx acknowledges the delivery"}},
    }}
