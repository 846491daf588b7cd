"""`/ping/*` through a Lambda Function URL (infra/pings.py): no per-request charge in front of the
ping function (an HTTP API's $1 per million was $0.043 of a Job monitor pinged every minute, more
than its whole write).

A Function URL hands the function the HTTP API payload 2.0 event and routes nothing. The app's
routes read the REST proxy event (1.0), which names the matched route and its parameters. So
`rest_event` matches the path against the app's `/ping/...` routes (literal segments before
parameters: `/ping/{token}/fail` before `/ping/{token}/{exit_status}`) and rewrites the event;
the app's answer (statusCode, headers, body) is what a Function URL sends back. Pure, no I/O.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from chalicelib.kernel.errors import NotFoundError

PING_PREFIX = "/ping/"


def _matches(template: str, path: str) -> dict[str, str] | None:
    """The parameters of `path` under a route `template` ("/ping/{token}/fail"), or None."""
    wanted, given = template.strip("/").split("/"), path.strip("/").split("/")
    if len(wanted) != len(given) or any(not part for part in given):
        return None
    params = {}
    for pattern, value in zip(wanted, given):
        if pattern.startswith("{") and pattern.endswith("}"):
            params[pattern[1:-1]] = value
        elif pattern != value:
            return None
    return params


def ranked(templates: list[str]) -> list[str]:
    """The ping route templates in the order they are tried: most literal segments first."""
    return sorted((t for t in templates if t.startswith(PING_PREFIX)),
                  key=lambda t: (t.count("{"), t))


def route_of(ranked_templates: list[str], path: str) -> tuple[str, dict[str, str]] | None:
    """The first of the `ranked` ping route templates a path matches, and its params."""
    for template in ranked_templates:
        params = _matches(template, path)
        if params is not None:
            return template, params
    return None


def _query(single: dict | None) -> tuple[dict | None, dict | None]:
    if not single:
        return None, None
    # Payload 2.0 joins repeated parameters with commas; a ping reads only `msg` and `rid`.
    return dict(single), {k: [v] for k, v in single.items()}


def rest_event(event: dict, ranked_templates: list[str]) -> dict | None:
    """The REST proxy (1.0) event of a Function URL (2.0) event; None when none of the
    `ranked` ping routes matches its path."""
    http = event["requestContext"]["http"]
    path = event.get("rawPath") or http["path"]
    found = route_of(ranked_templates, path)
    if found is None:
        return None
    template, params = found
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if event.get("cookies"):
        headers["cookie"] = "; ".join(event["cookies"])
    query, multi_query = _query(event.get("queryStringParameters"))
    return {
        "resource": template, "path": path, "httpMethod": http["method"],
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query, "multiValueQueryStringParameters": multi_query,
        "pathParameters": params, "stageVariables": None,
        "requestContext": {"resourcePath": template, "httpMethod": http["method"],
                           "path": path, "stage": "$default",
                           "requestId": event["requestContext"].get("requestId"),
                           "identity": {"sourceIp": http.get("sourceIp"),
                                        "userAgent": http.get("userAgent")}},
        "body": event.get("body"), "isBase64Encoded": bool(event.get("isBase64Encoded")),
    }


def not_found() -> dict:
    error = NotFoundError("No such ping URL.")
    return {"statusCode": error.status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(error.body())}


def handler_for(chalice_app) -> Callable[[dict, Any], dict]:
    """The Function URL's handler: the app's own routes and code path, from the 2.0 event.
    The routes are ranked here, once per container, not at every ping."""
    templates = ranked(list(chalice_app.routes))

    def handle(event: dict, context: Any) -> dict:
        rest = rest_event(event, templates)
        return not_found() if rest is None else chalice_app(rest, context)

    return handle
