"""Serve the Chalice app over HTTP through Chalice's own LocalGateway, so each request runs the
exact code Lambda runs (API Gateway event in, proxy response out). `WsgiApi` is what the HTTP
server (local/api_server.py) calls.

On top of LocalGateway: our error envelope for unknown routes (404) and methods (405) instead of
API Gateway's "Missing Authentication Token", HEAD served by the GET route without a body,
bodies passed through byte for byte, and a thread-local `current_request` so concurrent
requests do not see each other's request.
"""
from __future__ import annotations

import base64
import json
import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote, urlparse, urlsplit

from chalice.config import Config
from chalice.local import (LocalChalice, LocalGateway, LocalGatewayException, MatchResult,
                           RouteMatcher)

from chalicelib.kernel.errors import (
    EnoriError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    RequestTimeoutError,
)

log = logging.getLogger("local.api")

Reply = tuple[int, list[tuple[str, str]], bytes]


class SegmentRouteMatcher(RouteMatcher):
    """Chalice's RouteMatcher, but its routes split once and kept by segment count: a request
    tries only the routes as long as its path (the only ones Chalice's loop can match), in the
    same order, with the same captures. Chalice's splits every route at every match, twice per
    request (once here to find the route, once in the gateway's event converter): with the
    app's hundred-odd routes, as much CPU as a ping's own code."""

    def __init__(self, route_urls: list[str]) -> None:
        super().__init__(route_urls)
        self._by_length: dict[int, list[tuple[str, list[str]]]] = {}
        for route_url in self.route_urls:
            parts = route_url.split("/")
            self._by_length.setdefault(len(parts), []).append((route_url, parts))

    def match_route(self, url: str) -> MatchResult:
        parsed_url = urlparse(url)
        query_params = parse_qs(parsed_url.query, keep_blank_values=True)
        path = parsed_url.path
        if path != "/" and path.endswith("/"):      # as API Gateway (and Chalice)
            path = path[:-1]
        parts = path.split("/")
        captured: dict[str, str] = {}
        for route_url, url_parts in self._by_length.get(len(parts), ()):
            for i, j in zip(parts, url_parts):
                if j.startswith("{") and j.endswith("}"):
                    captured[j[1:-1]] = i
                    continue
                if i != j:
                    break
            else:
                return MatchResult(route_url, captured, query_params)
        raise ValueError("No matching route found for: %s" % url)


class _PassThroughGateway(LocalGateway):
    """LocalGateway, but a body that is not UTF-8 text arrives base64-encoded, never mangled,
    and routes matched by a `SegmentRouteMatcher`."""

    def __init__(self, app: Any, config: Config, routes: SegmentRouteMatcher) -> None:
        super().__init__(app, config)
        # LocalGateway has no parameter for its matcher; its converter keeps it here.
        self.event_converter._route_matcher = routes

    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        event = super()._generate_lambda_event(method, path, headers, body)
        if isinstance(event.get("body"), bytes):
            try:
                event["body"] = event["body"].decode("utf-8")
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(event["body"]).decode("ascii")
                event["isBase64Encoded"] = True
        return event


def make_thread_safe(app: Any) -> None:
    # Chalice keeps `current_request` on the app object; under a threaded server two requests
    # would overwrite each other's. LocalChalice keeps it per thread (what `chalice local` does).
    if not isinstance(app, LocalChalice):
        app.__class__ = type(f"ThreadLocal{type(app).__name__}", (LocalChalice, type(app)), {})


class ApiGateway:
    """method, path, headers, body in; (status, header pairs, body bytes) out."""

    def __init__(self, app: Any) -> None:
        make_thread_safe(app)
        self.app = app
        self._routes = SegmentRouteMatcher(list(app.routes))
        self._gateway = _PassThroughGateway(app, Config(chalice_stage="dev", config_from_disk={}),
                                            self._routes)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        route = self._match(path)
        clean_path = urlsplit(path).path
        if route is None:
            return _error_reply(NotFoundError(f"No route for {method} {clean_path}"))
        allowed = list(self.app.routes[route])
        # API Gateway answers HEAD only where declared; local users expect HEAD to mirror GET.
        route_method = "GET" if method == "HEAD" and "HEAD" not in allowed else method
        if route_method not in allowed and method != "OPTIONS":
            error = MethodNotAllowedError(f"Method {method} is not allowed for {clean_path}",
                                          headers={"Allow": ", ".join(sorted(allowed))})
            return _error_reply(error)
        try:
            response = self._gateway.handle_request(route_method, path, headers, body or None)
        except LocalGatewayException as error:  # a Chalice authorizer refused
            return error.CODE, list(error.headers.items()), error.body or b""
        return _proxy_reply(response)

    def _match(self, path: str) -> str | None:
        try:
            return self._routes.match_route(path).route
        except ValueError:
            return None


def _error_reply(error: EnoriError) -> Reply:
    headers = [("Content-Type", "application/json"), *error.headers.items()]
    return error.status, headers, json.dumps(error.body()).encode()


def _proxy_reply(response: dict[str, Any]) -> Reply:
    headers = list(response.get("headers", {}).items())
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.extend((name, value) for value in values)
    body = response.get("body") or b""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body)
    elif isinstance(body, str):
        body = body.encode("utf-8")
    return response["statusCode"], headers, body


# Lambda's own limit for a synchronous invocation: a bigger body could never reach the handler.
MAX_BODY_BYTES = 6 * 1024 * 1024


class WsgiApi:
    """The gateway as a WSGI application, for the HTTP server in local/api_server.py. The server
    has already checked the framing (Content-Length digits only, no CL with chunked)."""

    def __init__(self, app: Any, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.gateway = ApiGateway(app)
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method, target = environ["REQUEST_METHOD"], _request_target(environ)
        try:
            body = self._read_body(environ)
        except EnoriError as error:
            # The rest of the body is still on the wire (or never comes): no next request on it.
            status, headers, payload = _error_reply(error)
            _close_after(start_response)
        else:
            status, headers, payload = self.gateway.handle(method, target, _wsgi_headers(environ), body)
        # The common log format's request line, as tests and people grep for it.
        log.info('%s "%s %s %s" %d %d', environ.get("REMOTE_ADDR", "-"), method, target,
                 environ.get("SERVER_PROTOCOL", "HTTP/1.1"), status, len(payload))
        start_response(f"{status} {status_phrase(status)}", _response_headers(headers, payload))
        return [] if method == "HEAD" else [payload]

    def _read_body(self, environ: dict[str, Any]) -> bytes | None:
        length = environ.get("CONTENT_LENGTH")
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not length and not chunked:
            return None  # no body: reading would wait for the client to close
        if length and int(length) > self.max_body_bytes:
            raise PayloadTooLargeError(f"The request body is over {self.max_body_bytes} bytes")
        try:
            body = environ["wsgi.input"].read(int(length) if length else self.max_body_bytes + 1)
        except OSError:  # the socket's read timeout: the client stopped sending mid-body
            raise RequestTimeoutError("The request body did not arrive in time") from None
        if len(body) > self.max_body_bytes:
            raise PayloadTooLargeError(f"The request body is over {self.max_body_bytes} bytes")
        return body or None


def _close_after(start_response: Any) -> None:
    # A WSGI application may not send Connection (hop-by-hop; gunicorn drops it); gunicorn's
    # response object, which start_response belongs to, can close the connection itself.
    response = getattr(start_response, "__self__", None)
    if hasattr(response, "force_close"):
        response.force_close()


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a status the app made up; HTTP needs no phrase
        return ""


def _request_target(environ: dict[str, Any]) -> str:
    # The target as sent (still percent-encoded), as API Gateway and the old server passed it.
    if environ.get("RAW_URI"):
        return environ["RAW_URI"]
    query = environ.get("QUERY_STRING")
    return quote(environ.get("PATH_INFO") or "/") + (f"?{query}" if query else "")


def _wsgi_headers(environ: dict[str, Any]) -> dict[str, str]:
    pairs = [(key[5:].replace("_", "-"), value) for key, value in environ.items() if key.startswith("HTTP_")]
    pairs += [(key.replace("_", "-"), environ[key]) for key in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(key)]
    return _lowercase_headers(pairs)


def _response_headers(headers: list[tuple[str, str]], payload: bytes) -> list[tuple[str, str]]:
    names = {name.lower() for name, _ in headers}
    out = [(name, value) for name, value in headers if name.lower() != "content-length"]
    if "content-type" not in names and payload:
        out.append(("Content-Type", "application/json"))
    out.append(("Content-Length", str(len(payload))))
    return out


def _lowercase_headers(pairs: Any) -> dict[str, str]:
    # Lambda sees lower-case names; a repeated header is joined with commas, as HTTP allows.
    headers: dict[str, str] = {}
    for name, value in pairs:
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers
