"""Real local targets for the checkers (all on 127.0.0.x): HTTP(S), a silent TCP listener, a UDP
DNS server and a WHOIS server. Each runs in a daemon thread; tests drive checkers with
`asyncio.run` through the `run_checker` fixture."""
from __future__ import annotations

import asyncio
import json
import socket
import socketserver
import ssl
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any, Callable

import dns.message
import dns.rcode
import dns.rrset
import pytest
import trustme

from chalicelib.checks.checkers.base import CheckDeps
from chalicelib.kernel.clock import FakeClock
from chalicelib.kernel.netguard import OutboundGuard, make_http_client, make_ssl_context
from chalicelib.kernel.netguard_aio import make_web_client

NOW = datetime.now(timezone.utc).replace(microsecond=0)


class PublicLoopbackGuard(OutboundGuard):
    """The DEFAULT policy (allow_private=False), except that the test servers' address counts as
    public: lets a test reach a local server while every other private range stays refused."""

    def __init__(self, public_ip: str = "127.0.0.1", resolver: Any = None) -> None:
        super().__init__(allow_private=False, resolver=resolver)
        self.public_ip = public_ip

    def is_blocked_ip(self, ip: Any) -> bool:
        return str(ip) != self.public_ip and super().is_blocked_ip(ip)


def _serve(server: socketserver.BaseServer) -> None:
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()


class Handler(BaseHTTPRequestHandler):
    """Routes: /status/<code>, /redirect/<n> (n redirects, then /ok), /to?<url>, /echo, /domain/<name>."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        if parts[0] == "status":
            return self._send(int(parts[1]), f"status {parts[1]}")
        if parts[0] == "redirect":
            hops = int(parts[1])
            return self._redirect("/ok" if hops <= 1 else f"/redirect/{hops - 1}")
        if parts[0] == "to":
            return self._redirect(query)
        if parts[0] == "domain":
            return self._rdap(parts[1])
        return self._send(200, "all systems ok")

    def do_POST(self) -> None:
        self.server.paths.append(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self._send(200, f"{self.command} {body} {self.headers['User-Agent']} {self.headers.get('X-Token')}")

    do_PUT = do_POST

    def do_HEAD(self) -> None:
        self.server.paths.append(self.path)
        self.send_response(204)
        self.end_headers()

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _rdap(self, name: str) -> None:
        expiry = self.server.rdap.get(name)
        if expiry is None:
            return self._send(404, "{}")
        events = [{"eventAction": "registration", "eventDate": "2001-01-01T00:00:00Z"},
                  {"eventAction": "expiration", "eventDate": expiry}]
        self._send(200, json.dumps({"ldhName": name, "events": events}))

    def _send(self, code: int, body: str) -> None:
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start_http(host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None,
               rdap: dict[str, str] | None = None) -> SimpleNamespace:
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.paths, server.rdap = [], rdap or {}
    if tls is not None:
        # Handshake in the handler thread, so a client rejecting the cert cannot stall accept().
        server.socket = tls.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    server.handle_error = lambda *args: None  # refused handshakes are the point of some tests
    _serve(server)
    port = server.server_address[1]
    scheme = "https" if tls else "http"
    return SimpleNamespace(server=server, port=port, paths=server.paths,
                           url=f"{scheme}://{host}:{port}")


@pytest.fixture(scope="module")
def http_server() -> Any:
    target = start_http()
    yield target
    target.server.shutdown()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def https_server_for(ca: trustme.CA) -> Callable[..., SimpleNamespace]:
    """Start an HTTPS server whose certificate is issued by `ca` with the given identities/dates."""
    servers = []

    def start(*identities: str, not_after: datetime | None = None) -> SimpleNamespace:
        cert = ca.issue_cert(*(identities or ("localhost",)), not_after=not_after,
                             not_before=NOW - timedelta(days=400))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        target = start_http(tls=context)
        target.url = f"https://localhost:{target.port}"
        servers.append(target.server)
        return target

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture
def silent_port() -> Any:
    """Accepts connections and never answers: the shape of a hung server."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def run_checker(ca: trustme.CA) -> Callable[..., Any]:
    """`run_checker(check, monitor, guard=..., **deps)`: one event loop, the runner's two clients
    (httpx and the Website checker's aiohttp one) trusting the test CA (unless
    `trust_test_ca=False`); the guard defaults to allow_private."""
    def run(check: Callable, monitor: Any, guard: OutboundGuard | None = None,
            trust_test_ca: bool = True, **deps: Any) -> Any:
        async def go() -> Any:
            guard_ = guard or OutboundGuard(allow_private=True)
            context = make_ssl_context(ca.cert_pem.bytes() if trust_test_ca else None)
            async with make_http_client(guard_, 10, ssl_context=context) as client, \
                    make_web_client(guard_, 10, ssl_context=context) as web_client:
                deps.setdefault("clock", FakeClock(NOW))
                return await check(monitor, CheckDeps(guard=guard_, http_client=client,
                                                      web_client=web_client, **deps))
        return asyncio.run(go())
    return run


class DnsHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().lower()
        rtype = dns.rdatatype.to_text(question.rdtype)
        if name == "servfail.test.":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name not in {n for n, _ in self.server.zone}:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif (name, rtype) in self.server.zone:
            response.answer.append(dns.rrset.from_text_list(
                question.name, 300, "IN", rtype, self.server.zone[(name, rtype)]))
        sock.sendto(response.to_wire(), self.client_address)


ZONE = {
    ("example.test.", "A"): ["192.0.2.10", "192.0.2.11"],
    ("example.test.", "MX"): ["10 mail.example.test.", "20 backup.example.test."],
    ("example.test.", "TXT"): ['"v=spf1 -all"', '"hello" " world"'],
}


@pytest.fixture(scope="module")
def dns_server() -> Any:
    server = socketserver.ThreadingUDPServer(("127.0.0.1", 0), DnsHandler)
    server.zone = ZONE
    _serve(server)
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class WhoisHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        query = self.rfile.readline().decode().strip().lower()
        self.server.queries.append(query)
        self.wfile.write(self.server.answers.get(query, "No match for domain.\r\n").encode())


@pytest.fixture(scope="module")
def whois_server() -> Any:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), WhoisHandler)
    server.daemon_threads = True
    server.queries, server.answers = [], {}
    _serve(server)
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def now() -> datetime:
    """What the injected FakeClock says."""
    return NOW


@pytest.fixture
def default_guard_for_local_tests() -> type[PublicLoopbackGuard]:
    return PublicLoopbackGuard


@pytest.fixture(scope="session")
def start_http_server() -> Callable[..., SimpleNamespace]:
    return start_http
