"""The Website checker's aiohttp client keeps the guard whole (rebinding, literals, a request
that skips `fetch`) and follows redirects as the httpx client did: the same methods, bodies,
headers and request lines reach the target, so switching the client changed no check."""
import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest

from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.netguard import OutboundGuard, guarded_request, make_http_client
from chalicelib.kernel.netguard_aio import TooManyRedirectsError, make_web_client

from test_netguard import PublicStandInGuard, fixed_resolver, production_resolver, twin_servers  # noqa: F401


class Recorder(BaseHTTPRequestHandler):
    """`/go?status=S&to=URL[&cookie=C]` answers S with Location URL (and Set-Cookie C),
    `/chain/N` redirects N times, `/set` sets a cookie; anything else 200 with what it saw. Every request is kept as (method, raw path, headers,
    body)."""
    protocol_version = "HTTP/1.1"

    def _any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        seen = {"method": self.command, "path": self.path, "headers": dict(self.headers),
                "body": body.decode()}
        self.server.seen.append(seen)
        path, _, query = self.path.partition("?")
        if path.startswith("/chain/") and path != "/chain/0":
            query = f"status=302&to=/chain/{int(path.rsplit('/', 1)[1]) - 1}"
            path = "/go"
        if path == "/go":
            args = {k: v[0] for k, v in parse_qs(query).items()}
            self.send_response(int(args["status"]))
            self.send_header("Location", args["to"])
            if "cookie" in args:
                self.send_header("Set-Cookie", args["cookie"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        answer = json.dumps(seen).encode()
        self.send_response(200)
        if path == "/set":
            self.send_header("Set-Cookie", "batch=leak")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_HEAD = _any

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    servers = []

    def start():
        server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        server.daemon_threads, server.seen = True, []
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return SimpleNamespace(seen=server.seen, url=f"http://127.0.0.1:{server.server_address[1]}")

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def via_aiohttp(method, url, headers=None, body=None, guard=None, times=1):
    """The URLs the last of `times` fetches on one client visited, and its final URL."""
    guard = guard or OutboundGuard(allow_private=True)

    async def go():
        async with make_web_client(guard, 4) as client:
            for _ in range(times):
                response, hops = await client.fetch(method, url, headers=headers or {}, body=body)
                await response.read()
                response.release()
            return hops, response.final_url
    return asyncio.run(go())


def via_httpx(method, url, headers=None, body=None):
    guard = OutboundGuard(allow_private=True)

    async def go():
        async with make_http_client(guard, 4, keepalive=False) as client:
            response, hops = await guarded_request(client, guard, method, url,
                                                   headers=headers or {}, content=body)
            return hops, str(response.url)
    return asyncio.run(go())


def both(targets, method, url, headers=None, body=None):
    """What `targets` saw of the request through each client (aiohttp's, then httpx's), less
    what differs by client and says nothing about the check (Connection, Accept-Encoding:
    each names what it can do), and what each returned (the URLs visited, the final one)."""
    headers = {"User-Agent": "Enori-Monitor/1.0", **(headers or {})}
    seen, returned = [], []
    for client in (via_aiohttp, via_httpx):
        for target in targets:
            target.seen.clear()
        returned.append(client(method, url, headers=headers, body=body))
        seen.append([{**s, "headers": {k: v for k, v in s["headers"].items()
                                       if k.lower() not in ("connection", "accept-encoding")}}
                     for target in targets for s in target.seen])
    return seen, returned


def redirect(target, status, to, **extra):
    query = "&".join(f"{k}={v}" for k, v in {"status": status, "to": to, **extra}.items())
    return f"{target.url}/go?{query}"


# --- the guard ------------------------------------------------------------------------------

def test_it_connects_to_the_validated_address_when_dns_rebinds(twin_servers):  # noqa: F811
    resolver = fixed_resolver(["127.0.0.2"], ["127.0.0.1"])
    guard = PublicStandInGuard(resolver=resolver)

    async def go():
        async with make_web_client(guard, 4) as client:
            response, _ = await client.fetch("GET", f"http://rebind.test:{twin_servers}/",
                                             headers={})
            return await response.text(), response.request_info.headers["Host"]
    assert asyncio.run(go()) == ("validated address", f"rebind.test:{twin_servers}")
    assert resolver.calls == ["rebind.test"]


def test_it_refuses_a_name_that_resolves_to_an_internal_address(twin_servers):  # noqa: F811
    guard = PublicStandInGuard(resolver=fixed_resolver(["127.0.0.2", "127.0.0.1"]))
    with pytest.raises(SsrfBlockedError, match="127.0.0.1"):
        via_aiohttp("GET", f"http://mixed.test:{twin_servers}/", guard=guard)


@pytest.mark.parametrize("host", ["127.0.0.1", "rebind.test"])
def test_a_request_on_the_session_that_skips_fetch_is_still_judged(recorder, host):
    """The socket factory judges every address dialed, literals included (aiohttp never asks
    a resolver for those), and names go through the guard's resolver: no unguarded path."""
    target = recorder()
    port = target.url.rsplit(":", 1)[1]
    guard = OutboundGuard(resolver=fixed_resolver(["127.0.0.1"]))

    async def go():
        async with make_web_client(guard, 4) as client:
            await client.session.get(f"http://{host}:{port}/")
    with pytest.raises(SsrfBlockedError, match="127.0.0.1"):
        asyncio.run(go())
    assert target.seen == []


def test_it_stops_after_five_redirects(recorder):
    target = recorder()
    assert len(via_aiohttp("GET", f"{target.url}/chain/5")[0]) == 6
    with pytest.raises(TooManyRedirectsError, match="more than 5 redirects"):
        via_aiohttp("GET", f"{target.url}/chain/6")


# --- as httpx did -----------------------------------------------------------------------------

@pytest.mark.parametrize("status, method", [
    (301, "POST"), (301, "PUT"), (302, "POST"), (302, "HEAD"), (303, "PUT"), (303, "HEAD"),
    (307, "POST"), (308, "PUT"),
])
def test_a_redirect_changes_the_method_and_drops_the_body_as_httpx_did(recorder, status, method):
    target = recorder()
    seen, returned = both([target], method, redirect(target, status, "/next"), body="payload")
    assert seen[0] == seen[1] and returned[0] == returned[1]
    first, second = seen[0]
    assert (first["body"], "Content-Type" in first["headers"]) == ("payload", False)
    changed = status in (302, 303) and method != "HEAD" or (status, method) == (301, "POST")
    assert (second["method"], second["body"]) == (("GET", "") if changed else (method, "payload"))


@pytest.mark.parametrize("to_other_port", [False, True])
def test_authorization_goes_to_the_same_origin_only_as_httpx_sent_it(recorder, to_other_port):
    here, there = recorder(), recorder()
    to = f"{there.url}/next" if to_other_port else "/next"
    seen, returned = both([here, there], "GET", redirect(here, 302, to),
                          headers={"Authorization": "Basic dTpw", "X-Token": "t0k"})
    assert seen[0] == seen[1] and returned[0] == returned[1]
    assert ("Authorization" in seen[0][1]["headers"]) is not to_other_port
    assert seen[0][1]["headers"]["X-Token"] == "t0k"


@pytest.mark.parametrize("location", [
    "https://site.test/next", "https://site.test:8443/next", "http://site.test:8080/next",
    "https://other.test/next", "/next",
])
def test_authorization_follows_a_redirect_as_httpx_sends_it(location):
    """Ports 80 and 443 are not ours to listen on: the plain upgrade to https (which keeps
    Authorization) is compared with httpx's own client on a mock transport."""
    import httpx

    from chalicelib.kernel.netguard_aio import _next_hop

    sent = []

    def answer(request):
        sent.append(request)
        return httpx.Response(302 if len(sent) == 1 else 200, headers={"Location": location})

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer),
                                     follow_redirects=True, max_redirects=1) as client:
            await client.get("http://site.test/", headers={"Authorization": "Basic dTpw"})
    asyncio.run(go())
    _, there, headers, _ = _next_hop(302, "GET", httpx.URL("http://site.test/"),
                                     {"Authorization": "Basic dTpw"}, None, location)
    assert there == sent[1].url
    assert headers.get("Authorization") == sent[1].headers.get("Authorization")


def test_the_request_line_and_the_final_url_are_the_ones_httpx_wrote(recorder):
    """yarl would re-quote what httpx leaves as written ([ ] in a query, %7e); aiohttp's
    response URL has no fragment."""
    target = recorder()
    seen, returned = both([target], "GET", redirect(target, 302, "/end?q=[1]%257e")
                          .replace("/go?", "/./go?") + "#top")
    assert seen[0] == seen[1] and returned[0] == returned[1]
    assert [s["path"] for s in seen[0]] == ["/go?status=302&to=/end?q=[1]%257e", "/end?q=[1]%7e"]
    assert returned[0][1] == f"{target.url}/end?q=[1]%7e#top"


def test_a_cookie_set_by_a_redirect_comes_back_on_the_next_hop_of_that_check(recorder):
    target = recorder()
    via_aiohttp("GET", redirect(target, 302, "/end", cookie="consent=yes"))
    assert target.seen[1]["headers"].get("Cookie") == "consent=yes"


def test_a_cookie_never_goes_from_one_check_to_the_next(recorder):
    """httpx's client kept every cookie for the whole batch: one monitor's session cookie went
    with every later check of the same host in that batch, whoever's monitor it was."""
    target = recorder()
    via_aiohttp("GET", f"{target.url}/set", times=2)
    assert [s["headers"].get("Cookie") for s in target.seen] == [None, None]


@pytest.mark.parametrize("url", [
    "http://Example.COM", "https://example.com:8443/a/b.html?q=1&r=x-y", "http://a.com./", "http://a.com:80/",
    "http://xn--bcher-kva.de/~user/", "http://127.0.0.1:8080/a..b/c.?x=.", "https://h/.well-known/x",
    # not plain: through httpx's parser
    "http://a.com/a/./b/../c", "http://a.com/?", "HTTP://a.com:80/", "http://a.com/p?x=[1]&y=%7e",
    "http://bücher.de/ö?q=ü", "http://a.com/a b", "http://a.com?x=1",
])
def test_a_url_is_sent_and_written_as_httpx_did(url):
    """Sent: host, port and request target (yarl drops an empty query's "?": the same resource);
    written: what `finalUrl` and the hops say."""
    import httpx

    from chalicelib.kernel.netguard_aio import wire_url

    (sent, written), theirs = wire_url(url), httpx.URL(url)
    assert (written, sent.raw_host, sent.port, sent.raw_path_qs) == (
        str(theirs), theirs.raw_host.decode(),
        theirs.port or {"http": 80, "https": 443}[theirs.scheme],
        theirs.raw_path.decode().removesuffix("?") or "/")


def test_a_url_httpx_cannot_parse_is_a_value_error():
    from chalicelib.kernel.netguard_aio import wire_url

    with pytest.raises(ValueError, match="Invalid port"):
        wire_url("http://[::1/")
