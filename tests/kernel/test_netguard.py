import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.netguard import (
    OutboundGuard,
    SsrfBlockedRedirectError,
    guarded_request,
    make_http_client,
    parse_ip_literal,
)

REFUSED_BY_DEFAULT = [
    "127.0.0.1", "169.254.169.254", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "255.255.255.255", "[::1]", "::1", "::ffff:127.0.0.1", "fc00::1",
    "fd12:3456::1", "fe80::1", "ff02::1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "::",
    "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "017700000001", "localhost.",
]


@pytest.fixture(autouse=True)
def production_resolver(monkeypatch):
    """These tests are about the production guard's decisions (the suite itself runs with
    ENORI_RESOLVER=hosts); none of them connects beyond 127.0.0.x."""
    import dataclasses

    from chalicelib.kernel import netguard

    monkeypatch.setattr(netguard, "settings",
                        dataclasses.replace(netguard.settings, resolver_mode="system"))


def run(coro):
    return asyncio.run(coro)


def fixed_resolver(*answers_per_call):
    """A resolver that answers each call with the next list (the last one repeats)."""
    calls = []

    async def resolve(host):
        calls.append(host)
        return list(answers_per_call[min(len(calls), len(answers_per_call)) - 1])
    resolve.calls = calls
    return resolve


@pytest.mark.parametrize("host", REFUSED_BY_DEFAULT)
def test_it_refuses_internal_targets_by_default(host):
    guard = OutboundGuard(resolver=fixed_resolver(["127.0.0.1"]))
    with pytest.raises(SsrfBlockedError):
        run(guard.resolve_and_check(host))


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1"])
def test_it_reads_legacy_ipv4_spellings_as_a_socket_library_does(spelling):
    assert str(parse_ip_literal(spelling)) == "127.0.0.1"


@pytest.mark.parametrize("name", ["example.com", "1.2.3.4.example.com", "127.0.0.1 evil", "0x"])
def test_it_treats_names_as_names(name):
    assert parse_ip_literal(name) is None


def test_it_allows_a_public_literal_without_resolving():
    resolver = fixed_resolver(["127.0.0.1"])
    guard = OutboundGuard(resolver=resolver)
    assert run(guard.resolve_and_check("93.184.216.34")) == ["93.184.216.34"]
    assert resolver.calls == []


@pytest.mark.parametrize("answers", [["10.0.0.5"], ["93.184.216.34", "127.0.0.1"]])
def test_it_refuses_a_name_if_any_answer_is_internal(answers):
    guard = OutboundGuard(resolver=fixed_resolver(answers))
    with pytest.raises(SsrfBlockedError, match="internal.example"):
        run(guard.resolve_and_check("internal.example"))


@pytest.mark.parametrize("host, blocked", [
    ("127.0.0.1", False), ("10.0.0.1", False), ("::1", False), ("169.254.169.254", False),
    ("0.0.0.0", True), ("224.0.0.1", True), ("ff02::1", True),
])
def test_it_allows_private_but_never_unroutable_when_turned_on(host, blocked):
    assert OutboundGuard(allow_private=True).is_blocked_ip(host) is blocked


# Each IPv4-embedding IPv6 form, aimed at the metadata service (169.254.169.254) and at a public
# address (8.8.8.8): judged by the IPv4 address it carries.
EMBEDDED_V4_FORMS = [
    ("::ffff:{v4}", "mapped"), ("::ffff:0:{hex}", "translated (RFC 2765)"),
    ("64:ff9b::{hex}", "NAT64 well-known (RFC 6052)"), ("2002:{hex}::1", "6to4"),
]


def _hex(v4: str) -> str:
    a, b, c, d = (int(part) for part in v4.split("."))
    return f"{a << 8 | b:x}:{c << 8 | d:x}"


@pytest.mark.parametrize("form, _kind", EMBEDDED_V4_FORMS)
def test_it_judges_an_embedded_ipv4_address_by_that_address(form, _kind):
    guard = OutboundGuard()
    for v4, blocked in (("169.254.169.254", True), ("127.0.0.1", True), ("10.1.2.3", True),
                        ("8.8.8.8", False)):
        assert guard.is_blocked_ip(form.format(v4=v4, hex=_hex(v4))) is blocked, (form, v4)


@pytest.mark.parametrize("host", [
    "::ffff:0:a9fe:a9fe",                       # the E14 report: translated metadata address
    "2001:0:4136:e378:8000:63bf:5601:5601",     # Teredo, client ~5601:5601 = 169.254.169.254
    "2001:0:a9fe:a9fe:8000:63bf:f7f7:f7f7",     # Teredo, server 169.254.169.254
    "64:ff9b:1:a9fe:a9:fe00::",                 # local-use NAT64 with a /48 prefix
    "64:ff9b:1::a9fe:a9fe", "::169.254.169.254",
])
def test_it_refuses_every_embedded_spelling_of_the_metadata_address(host):
    assert OutboundGuard().is_blocked_ip(host)
    with pytest.raises(SsrfBlockedError):
        OutboundGuard().check_url(f"http://[{host}]/latest/meta-data/")


def test_a_teredo_address_between_public_hosts_is_judged_by_them():
    assert OutboundGuard().is_blocked_ip("2001:0:4136:e378:8000:63bf:f7f7:f7f7") is False


@pytest.mark.parametrize("host", ["::ffff:0:7f00:1", "2002:7f00:1::1", "64:ff9b::7f00:1"])
def test_an_operator_guard_reaches_an_embedded_loopback_but_never_an_unroutable_one(host):
    guard = OutboundGuard(allow_private=True)
    assert guard.is_blocked_ip(host) is False
    assert guard.is_blocked_ip(host.replace("7f00:1", "e000:1")) is True   # 224.0.0.1


@pytest.mark.parametrize("url, error", [
    ("file:///etc/passwd", ValueError), ("ftp://example.com/", ValueError),
    ("gopher://example.com", ValueError), ("http://evil@127.0.0.1/", ValueError),
    ("http://example.com\\@127.0.0.1/", ValueError), ("http:///nohost", ValueError),
    ("http://127.0.0.1:8000/", SsrfBlockedError), ("http://2130706433/", SsrfBlockedError),
    ("https://[::ffff:169.254.169.254]/", SsrfBlockedError), ("http://example.com:99999/", ValueError),
])
def test_it_refuses_bad_urls_at_save_time(url, error):
    with pytest.raises(error):
        OutboundGuard().check_url(url)


@pytest.mark.parametrize("url", ["https://example.com/health", "http://93.184.216.34:8080/x"])
def test_it_accepts_public_urls_at_save_time(url):
    assert OutboundGuard().check_url(url) is None


def start_server(host, port, body):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass
    server = HTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


@pytest.fixture
def twin_servers():
    """The same port on 127.0.0.2 (stands in for a public address) and on 127.0.0.1 (internal)."""
    for _attempt in range(20):
        validated = start_server("127.0.0.2", 0, b"validated address")
        port = validated.server_address[1]
        try:
            rebound = start_server("127.0.0.1", port, b"rebound address")
        except OSError:
            validated.shutdown()
            continue
        yield port
        validated.shutdown()
        rebound.shutdown()
        return
    pytest.fail("no port was free on both 127.0.0.1 and 127.0.0.2 in 20 tries")


class PublicStandInGuard(OutboundGuard):
    """Default policy, except 127.0.0.2 counts as public (the tests cannot leave the machine)."""

    def is_blocked_ip(self, ip):
        return str(ip) != "127.0.0.2" and super().is_blocked_ip(ip)


def test_it_connects_to_the_validated_address_when_dns_rebinds(twin_servers):
    resolver = fixed_resolver(["127.0.0.2"], ["127.0.0.1"])
    guard = PublicStandInGuard(resolver=resolver)

    async def go():
        async with make_http_client(guard, 5) as client:
            response, _ = await guarded_request(client, guard, "GET", f"http://rebind.test:{twin_servers}/")
            return response
    response = run(go())
    assert response.text == "validated address"
    assert response.request.headers["Host"] == f"rebind.test:{twin_servers}"
    assert resolver.calls == ["rebind.test"]


def test_it_refuses_a_name_that_rebinds_to_an_internal_address_on_a_new_connection(twin_servers):
    guard = PublicStandInGuard(resolver=fixed_resolver(["127.0.0.1"]))

    async def go():
        async with make_http_client(guard, 5) as client:
            await guarded_request(client, guard, "GET", f"http://rebind.test:{twin_servers}/")
    with pytest.raises(SsrfBlockedError, match="127.0.0.1"):
        run(go())


def test_it_refuses_a_direct_client_request_that_skips_guarded_request(twin_servers):
    guard = OutboundGuard(resolver=fixed_resolver(["127.0.0.1"]))

    async def go():
        async with make_http_client(guard, 5) as client:
            await client.get(f"http://127.0.0.1:{twin_servers}/")
    with pytest.raises(SsrfBlockedError):
        run(go())


def test_it_reports_a_redirect_into_a_blocked_range_as_a_redirect_error():
    guard = OutboundGuard()

    async def go():
        transport = httpx.MockTransport(lambda request: httpx.Response(
            302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
        async with httpx.AsyncClient(transport=transport) as client:
            await guarded_request(client, guard, "GET", "http://93.184.216.34/")
    with pytest.raises(SsrfBlockedRedirectError, match="169.254.169.254"):
        run(go())


@pytest.mark.parametrize("refused_host, error", [
    ("93.184.216.34", SsrfBlockedError), ("internal.test", SsrfBlockedRedirectError)])
def test_a_connection_the_guard_refuses_past_the_first_hop_is_a_refused_redirect(refused_host,
                                                                                  error):
    """The backend refuses a name's address at connect time (no URL check can): on the first
    hop that is the guard's own error, on a redirect's a refused redirect."""
    def answer(request):
        if request.url.host == refused_host:
            raise SsrfBlockedError(f"{refused_host} resolves to 10.1.2.3, a blocked address")
        return httpx.Response(302, headers={"Location": "http://internal.test/"})

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            await guarded_request(client, OutboundGuard(), "GET", "http://93.184.216.34/")
    with pytest.raises(SsrfBlockedError, match="10.1.2.3") as raised:
        run(go())
    assert type(raised.value) is error
    assert raised.value.message.startswith("redirect to http://internal.test/ refused: ") \
        is (error is SsrfBlockedRedirectError)


def test_it_resolves_names_with_getaddrinfo_by_default():
    assert "127.0.0.1" in run(OutboundGuard(allow_private=True).resolve_and_check("localhost"))


def test_it_raises_a_resolution_error_for_a_name_without_addresses():
    with pytest.raises(socket.gaierror):
        run(OutboundGuard(resolver=fixed_resolver([])).resolve_and_check("empty.test"))


def test_the_hosts_file_resolver_answers_from_the_file_and_sends_no_query(tmp_path):
    from chalicelib.kernel.netguard import hosts_file_resolver

    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n# 10.0.0.1 commented.example\n127.0.0.2 svc.internal svc\n")
    resolve = hosts_file_resolver(str(hosts))
    assert asyncio.run(resolve("svc")) == ["127.0.0.2"]
    assert asyncio.run(resolve("LOCALHOST.")) == ["127.0.0.1"]
    with pytest.raises(socket.gaierror):
        asyncio.run(resolve("api.example.com"))
    with pytest.raises(socket.gaierror):
        asyncio.run(resolve("commented.example"))


def test_an_offline_guard_refuses_names_outside_the_hosts_file():
    guard = OutboundGuard(allow_private=True, offline=True)
    assert asyncio.run(guard.resolve_and_check("localhost"))
    with pytest.raises(socket.gaierror):
        asyncio.run(guard.resolve_and_check("api.example.com"))


def test_an_offline_guard_reaches_loopback_only_even_when_private_targets_are_allowed():
    guard = OutboundGuard(allow_private=True, offline=True)
    assert not guard.is_blocked_ip("127.0.0.1")
    assert not guard.is_blocked_ip("::1")
    for address in ("8.8.8.8", "93.184.216.34", "10.0.0.1", "192.168.1.1"):
        assert guard.is_blocked_ip(address)


def test_making_clients_leaves_the_shared_tls_context_as_it_was():
    """One context serves every client of a process (the check runner's, batch after batch,
    and their connections at once): a client must set nothing on it. ALPN was set per client."""
    from chalicelib.kernel.netguard import make_ssl_context

    context = make_ssl_context()
    calls = []
    context.set_alpn_protocols = lambda protocols: calls.append(protocols)
    for keepalive in (False, True):
        make_http_client(OutboundGuard(), 4, ssl_context=context, keepalive=keepalive)
    assert calls == []


def test_the_tls_context_offers_http_1_1_from_where_it_is_made(monkeypatch):
    import ssl

    from chalicelib.kernel.netguard import make_ssl_context

    offered = []
    monkeypatch.setattr(ssl.SSLContext, "set_alpn_protocols",
                        lambda self, protocols: offered.append(protocols))
    make_ssl_context()
    assert offered == [["http/1.1"]]
