"""The outbound guard inside aiohttp: the Website checker's HTTP client (E20 point 3).

Why aiohttp for this one request: its parser and multidicts are C, where httpx's models and h11
are pure Python; a check against an instant local target costs less than half the CPU
(bench/checks.py). httpx stays for everything else (alert deliveries, RDAP).

How the guard stays whole, as in `netguard` (ARCHITECTURE §5):
- every URL, the first and each redirect's, passes `guard.check_url` (scheme, credentials,
  literals); redirects are followed here, by hand, never by aiohttp;
- a name is resolved by the guard (`_GuardResolver`: one lookup, refused if any answer is
  blocked) and the connection goes to those addresses only: aiohttp has no other resolver and
  no DNS cache, so DNS rebinding has no window;
- every socket aiohttp dials is judged on the address itself (`_judged_socket`, literals
  included), so a URL-parser disagreement cannot slip past.
No keep-alive (each check connects, as the check client did), no cookie jar shared between
checks, no proxies from the environment.
"""
from __future__ import annotations

import re
import socket
import ssl
from typing import Any, Callable

import aiohttp
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
# httpx's own origin rules, not a copy: private to httpx, as `netguard`'s `_pool` is (pinned at
# 0.28.1; importing this module fails loudly if they move).
from httpx._client import _is_https_redirect, _same_origin
from yarl import URL

from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.netguard import (
    DEFAULT_MAX_HOPS,
    OutboundGuard,
    check_redirect,
    hop_refusal,
    make_ssl_context,
)

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A body given as text is sent as its bytes and nothing else, as httpx sends it: aiohttp would
# add a Content-Type the monitor never asked for.
_NO_AUTO_CONTENT_TYPE = frozenset({"Content-Type"})
# Header lines up to h11's whole-head limit (16 KiB), so a site with long cookies or CSPs that
# passed with httpx is not refused here (aiohttp's default is 8 KiB per line).
_MAX_HEADER_BYTES = 16 * 1024
# URLs made of these only (most monitors') are written and sent alike by yarl and httpx: nothing
# to quote, no dot segment to resolve (tests/kernel/test_netguard_aio.py compares them). yarl
# parses them in C; any other URL goes through httpx's parser first (~12 us), so it is sent as
# it was before (yarl would re-quote [ ] in a query, or %7e).
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[1-9][0-9]{0,4})?"
                        r"(?:/[A-Za-z0-9._~/-]*(?:\?[A-Za-z0-9._~=&/-]+)?)?")
_DOT_SEGMENT = re.compile(r"/\.\.?(?:[/?]|$)")


class TooManyRedirectsError(Exception):
    """More redirects than a check follows."""


class _GuardResolver(AbstractResolver):
    """aiohttp's resolver, answered by the guard: only addresses it approved are dialed."""

    def __init__(self, guard: OutboundGuard) -> None:
        self._guard = guard

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        return [{"hostname": host, "host": ip, "port": port,
                 "family": socket.AF_INET6 if ":" in ip else socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}
                for ip in await self._guard.resolve_and_check(host)]

    async def close(self) -> None:
        """Nothing held."""


def _judged_socket(guard: OutboundGuard) -> Callable[[tuple], socket.socket]:
    """aiohttp's socket factory: the last word on each address dialed, whatever the URL said."""

    def open_socket(addr_info: tuple) -> socket.socket:
        family, type_, proto, _, address = addr_info
        if guard.is_blocked_ip(address[0]):
            raise SsrfBlockedError(f"{address[0]} is a blocked address")
        return socket.socket(family=family, type=type_, proto=proto)

    return open_socket


class CheckedResponse(aiohttp.ClientResponse):
    """A response that keeps its TLS peer certificate: read when the response starts, since a
    response without a body (HEAD, 204) gives its connection back before the caller sees it."""

    peer_certificate: dict | None = None
    final_url = ""   # as httpx writes it (fragment kept), set by `GuardedWebClient.fetch`

    async def start(self, connection: Any) -> "CheckedResponse":
        transport = connection.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        if ssl_object is not None:
            self.peer_certificate = ssl_object.getpeercert()
        return await super().start(connection)


class GuardedWebClient:
    """One aiohttp session behind `guard`: a check's request, redirects followed by hand."""

    def __init__(self, guard: OutboundGuard, ssl_context: ssl.SSLContext,
                 max_connections: int = 50) -> None:
        self.guard = guard
        connector = aiohttp.TCPConnector(
            limit=max_connections, force_close=True, use_dns_cache=False,
            resolver=_GuardResolver(guard), socket_factory=_judged_socket(guard),
            # Addresses in the guard's order, one at a time, as the httpx client tried them.
            happy_eyeballs_delay=None, ssl=ssl_context)
        self.session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False,
            # No timer of aiohttp's own: the caller holds one deadline over the whole check.
            timeout=aiohttp.ClientTimeout(), response_class=CheckedResponse,
            max_line_size=_MAX_HEADER_BYTES, max_field_size=_MAX_HEADER_BYTES)

    async def __aenter__(self) -> "GuardedWebClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.session.close()

    async def fetch(self, method: str, url: str, *, headers: dict[str, str],
                    body: str | bytes | None = None, follow_redirects: bool = True,
                    max_hops: int = DEFAULT_MAX_HOPS) -> tuple[CheckedResponse, list[str]]:
        """The final response (unread: the caller reads and releases it; `final_url` its URL)
        and the URLs visited. Redirects as httpx follows them (`_next_hop`), each hop judged by
        the guard. Raises SsrfBlockedError (SsrfBlockedRedirectError past the first hop),
        TooManyRedirectsError, ValueError for a malformed URL, and aiohttp.ClientError or
        OSError for network failures; no timeout of its own (the caller's deadline covers every
        hop and the body)."""
        self.guard.check_url(url)
        target, written = wire_url(url)
        data = body.encode() if isinstance(body, str) else body
        hops, cookies = [url], None
        while True:
            response = await self._send(method, target, headers, data, cookies, len(hops) == 1)
            location = response.headers.get("Location") \
                if follow_redirects and response.status in _REDIRECT_STATUSES else None
            if location is None:
                response.final_url = written
                return response, hops
            response.release()
            if len(hops) > max_hops:
                raise TooManyRedirectsError(f"more than {max_hops} redirects")
            cookies = _cookies_kept(cookies, response)
            method, there, headers, data = _next_hop(response.status, method, httpx.URL(written),
                                                     headers, data, location)
            target, written = URL(str(there), encoded=True), str(there)
            hops.append(written)
            check_redirect(self.guard, written)

    async def _send(self, method: str, target: URL, headers: dict[str, str],
                    data: bytes | None, cookies: aiohttp.CookieJar | None,
                    first: bool) -> CheckedResponse:
        try:
            return await self.session.request(
                method, target, headers=headers, data=data, allow_redirects=False,
                skip_auto_headers=_NO_AUTO_CONTENT_TYPE,
                cookies=cookies.filter_cookies(target) if cookies is not None else None)
        except SsrfBlockedError as exc:
            raise hop_refusal(exc, target, first)


def wire_url(url: str) -> tuple[URL, str]:
    """`url` to send, as httpx sent it (so a target sees the same request line as before), and
    as httpx wrote it (`final_url`, the hops)."""
    if _PLAIN_URL.fullmatch(url) and not _DOT_SEGMENT.search(url):
        target = URL(url)
        return target, str(target)
    try:
        written = str(httpx.URL(url))
    except httpx.InvalidURL as exc:   # not a ValueError: said as one, as `fetch` promises
        raise ValueError(str(exc)) from exc
    return URL(written, encoded=True), written


def _cookies_kept(jar: aiohttp.CookieJar | None, response: CheckedResponse
                  ) -> aiohttp.CookieJar | None:
    """The cookies a redirect set, for the next hops of this check only (as httpx's client kept
    them: a site that sets one and redirects, a consent or session check, gets it back).
    `unsafe`: cookies of IP-address hosts too, as httpx's jar keeps them."""
    if not response.cookies:
        return jar
    jar = jar if jar is not None else aiohttp.CookieJar(unsafe=True)
    jar.update_cookies(response.cookies, response.url)
    return jar


def _next_hop(status: int, method: str, here: httpx.URL, headers: dict[str, str],
              data: bytes | None, location: str
              ) -> tuple[str, httpx.URL, dict[str, str], bytes | None]:
    """httpx's redirect rules (`Client._build_redirect_request`): 302 and 303 become GET (not
    HEAD), a POST answered 301 too, without its body; Authorization is dropped when the origin
    changes, except for a plain upgrade to https on the same host."""
    there = _redirect_url(here, location)
    next_method = method
    if status in (302, 303) and method != "HEAD" or status == 301 and method == "POST":
        next_method = "GET"
    if next_method != method:
        data = None
    if not _same_origin(here, there):
        keep_auth = _is_https_redirect(here, there)
        headers = {k: v for k, v in headers.items()
                   if k.lower() != "host" and (keep_auth or k.lower() != "authorization")}
    return next_method, there, headers, data


def _redirect_url(current: httpx.URL, location: str) -> httpx.URL:
    """httpx's `Client._redirect_url`: a relative Location joined, one without a host given the
    current host, the fragment carried over."""
    try:
        url = httpx.URL(location)
    except httpx.InvalidURL as exc:
        raise aiohttp.ClientError(f"Invalid URL in location header: {exc}.") from None
    if url.scheme and not url.host:
        url = url.copy_with(host=current.host)
    if url.is_relative_url:
        url = current.join(url)
    if current.fragment and not url.fragment:
        url = url.copy_with(fragment=current.fragment)
    return url


def make_web_client(guard: OutboundGuard, max_connections: int = 50, *,
                    ssl_context: ssl.SSLContext | None = None) -> GuardedWebClient:
    """The Website checker's client: a batch's checks share one (the runner opens it); the TLS
    context is the process's shared one (`make_ssl_context`), or the one given."""
    return GuardedWebClient(guard, ssl_context or make_ssl_context(), max_connections)
