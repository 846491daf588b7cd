"""Serve the Chalice app over HTTP through Chalice's own LocalGateway, so each request runs the
exact code Lambda runs (API Gateway event in, proxy response out).

On top of LocalGateway: our error envelope for unknown routes (404) and methods (405) instead of
API Gateway's "Missing Authentication Token", HEAD served by the GET route without a body,
bodies passed through byte for byte, and a thread-local `current_request` so concurrent
requests do not see each other's request.
"""
from __future__ import annotations

import base64
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from chalice.config import Config
from chalice.local import LocalChalice, LocalGateway, LocalGatewayException, RouteMatcher

from chalicelib.errors import EnoriError, MethodNotAllowedError, NotFoundError

log = logging.getLogger("local.api")

Reply = tuple[int, list[tuple[str, str]], bytes]


class _PassThroughGateway(LocalGateway):
    """LocalGateway, but a body that is not UTF-8 text arrives base64-encoded, never mangled."""

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
        self._gateway = _PassThroughGateway(app, Config(chalice_stage="dev", config_from_disk={}))
        self._routes = RouteMatcher(list(app.routes))

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


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle on, a keep-alive client's delayed ACK
    # held every response back ~40 ms (GET of an unknown route took 44 ms, now under 2 ms).
    disable_nagle_algorithm = True
    server: "_Server"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        status, headers, payload = self.server.gateway.handle(
            self.command, self.path, _lowercase_headers(self.headers.items()), body)
        self.send_response(status)
        names = {name.lower() for name, _ in headers}
        if "content-type" not in names and payload:
            self.send_header("Content-Type", "application/json")
        for name, value in headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle
    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, QUERY...) gets the 405 envelope, not http.server's bare 501.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def _lowercase_headers(pairs: Any) -> dict[str, str]:
    # Lambda sees lower-case names; a repeated header is joined with commas, as HTTP allows.
    headers: dict[str, str] = {}
    for name, value in pairs:
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections under a burst of clients.
    request_queue_size = 256
    gateway: ApiGateway


class ApiServer:
    """The app on http://host:port in a background thread. Port 0 picks a free port."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 8000) -> None:
        self._server = _Server((host, port), _RequestHandler)
        self._server.gateway = ApiGateway(app)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="api-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
