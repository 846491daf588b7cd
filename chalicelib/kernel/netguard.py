"""The one guarded outbound seam (ARCHITECTURE §5): every check and every alert delivery that
opens a socket to a user-supplied target goes through here.

The guard resolves a name once, refuses blocked addresses and hands back the validated addresses;
callers connect to those addresses and never look the name up again, so DNS rebinding has no
window. For HTTP the guard sits inside the client's network backend (see `_GuardedBackend`);
the Website checker's aiohttp client puts the same guard in aiohttp's resolver and socket
factory (`netguard_aio`, kept apart so only the check workers import aiohttp).
"""
from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore._utils import is_socket_readable

from chalicelib.kernel.settings import settings
from chalicelib.kernel.errors import SsrfBlockedError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Awaitable[list[str]]]

# Never reachable on purpose, even for self-hosted installs that watch private services.
_UNROUTABLE = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    "::/128", "ff00::/8",
))
# Internal ranges: loopback (covers the Lambda runtime API at 127.0.0.1:9001), RFC 1918, link-local
# (covers the metadata service 169.254.169.254), CGNAT, ULA, and the other non-global blocks.
_INTERNAL = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15",
    "::/96", "fc00::/7",  # ::/96 holds ::1 and the deprecated IPv4-compatible forms
    "fe80::/10", "fec0::/10", "64:ff9b:1::/48", "100::/64",
))
# IPv6 forms that carry an IPv4 address (the socket reaches, or a translator forwards to, that
# IPv4 host), each with where the IPv4 address sits: (prefix, bit offsets of its 32 bits).
# RFC 6052 skips bits 64-71 (the "u" octet), hence the split positions for short prefixes.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")                # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")        # RFC 8215 local use, any length
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")        # RFC 2765 SIIT IPv4-translated
_COMPATIBLE = ipaddress.ip_network("::/96")                  # RFC 4291 IPv4-compatible (deprecated)
_RFC6052_SPLITS = (((48, 16), (72, 16)), ((56, 8), (72, 24)), ((72, 32),), ((96, 32),))
# Legacy IPv4 spellings that inet_aton accepts: 2130706433, 0x7f000001, 0177.0.0.1, 127.1.
_LEGACY_V4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)
DEFAULT_MAX_HOPS = 5
# Whitespace (str.isspace's set: re's \s on str is the same Py_UNICODE_ISSPACE), backslashes and
# control characters: one regex search instead of a Python test per character of every URL.
_UNSAFE_URL_CHAR = re.compile(r"[\s\\\x00-\x1f]")


class SsrfBlockedRedirectError(SsrfBlockedError):
    """A redirect hop pointed into a blocked range (the first URL itself was fine)."""
    code = "SSRF_BLOCKED_REDIRECT"


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a socket library would connect to for `host`, or None for a real name."""
    text = host.strip().strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    # inet_aton ignores trailing garbage on glibc, so only hand it strings that are all numbers.
    if _LEGACY_V4.match(text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def _bits(value: int, offset: int, length: int) -> int:
    """`length` bits of a 128-bit address, starting `offset` bits from the left."""
    return (value >> (128 - offset - length)) & ((1 << length) - 1)


def _rfc6052_v4(addr: ipaddress.IPv6Address, split: tuple[tuple[int, int], ...]
                ) -> ipaddress.IPv4Address:
    value = 0
    for offset, length in split:
        value = value << length | _bits(int(addr), offset, length)
    return ipaddress.IPv4Address(value)


def embedded_v4s(addr: IPAddress) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address stands for: mapped, translated, NAT64 (both
    prefixes; the local-use one at every position RFC 6052 allows, since its length is a site
    choice), 6to4, Teredo (server and client) and IPv4-compatible. Empty for anything else."""
    if not isinstance(addr, ipaddress.IPv6Address):
        return []
    low32 = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if addr.ipv4_mapped is not None:
        return [addr.ipv4_mapped]
    if addr in _NAT64 or addr in _TRANSLATED:
        return [low32]
    if addr in _NAT64_LOCAL:
        return [_rfc6052_v4(addr, split) for split in _RFC6052_SPLITS]
    if addr.sixtofour is not None:
        return [addr.sixtofour]
    if addr.teredo is not None:
        return list(addr.teredo)
    if addr in _COMPATIBLE and int(addr) > 1:    # :: and ::1 are themselves, not IPv4 hosts
        return [low32]
    return []


def _judged(addr: IPAddress) -> list[IPAddress]:
    """The addresses that decide whether `addr` may be reached: an IPv4-embedding form is judged
    by its IPv4 address(es), however spelled. The local-use NAT64 prefix and the deprecated
    IPv4-compatible block are also judged as themselves (both internal)."""
    v4s = embedded_v4s(addr)
    if not v4s:
        return [addr]
    if addr in _NAT64_LOCAL or addr in _COMPATIBLE:
        return [addr, *v4s]
    return list(v4s)


async def _system_resolve(host: str) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def hosts_file_resolver(path: str = "/etc/hosts") -> Resolver:
    """A resolver that answers from the hosts file only and never sends a DNS query: for
    sandboxes and test machines whose only network is loopback (`ENORI_RESOLVER=hosts`)."""

    async def resolve(host: str) -> list[str]:
        wanted = host.strip().rstrip(".").lower()
        found = []
        with open(path, encoding="utf-8", errors="replace") as hosts:
            for line in hosts:
                fields = line.split("#", 1)[0].split()
                if len(fields) >= 2 and wanted in (name.lower() for name in fields[1:]):
                    found.append(fields[0])
        if not found:
            raise socket.gaierror(socket.EAI_NONAME,
                                  f"{host} is not in {path} (ENORI_RESOLVER=hosts: no DNS queries)")
        return found

    return resolve


class OutboundGuard:
    """Decides which addresses a user-supplied target may reach."""

    def __init__(self, allow_private: bool = False, resolver: Resolver | None = None,
                 offline: bool | None = None) -> None:
        self.allow_private = allow_private
        # Offline: names resolve from the hosts file only, only loopback addresses are reached,
        # and nothing (not even a DNS query) leaves the machine.
        self.offline = settings.resolver_mode == "hosts" if offline is None else offline
        self._resolve = resolver or (hosts_file_resolver() if self.offline else _system_resolve)

    def is_blocked_ip(self, ip: str | IPAddress) -> bool:
        addr = ip if not isinstance(ip, str) else parse_ip_literal(ip)
        if addr is None:
            raise ValueError(f"not an IP address: {ip!r}")
        return any(self._blocks(judged) for judged in _judged(addr))

    def _blocks(self, addr: IPAddress) -> bool:
        if any(addr in net for net in _UNROUTABLE) or addr.is_multicast:
            return True
        if self.offline and not addr.is_loopback:
            return True       # a sandbox whose only network is loopback: nothing leaves it
        if self.allow_private:
            return False
        return any(addr in net for net in _INTERNAL) or not addr.is_global

    def check_ip(self, host: str, ip: str | IPAddress) -> str:
        if self.is_blocked_ip(ip):
            raise SsrfBlockedError(f"{host} resolves to {ip}, a blocked address")
        return str(ip)

    async def resolve_and_check(self, host: str) -> list[str]:
        """Validated addresses for `host`, in resolver order. Refuses the host if ANY answer is
        blocked: a name that mixes public and private answers is a rebinding setup."""
        literal = parse_ip_literal(host)
        if literal is not None:
            return [self.check_ip(host, literal)]
        name = host.strip().rstrip(".").lower()
        addresses = list(dict.fromkeys(await self._resolve(name)))
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, f"no addresses for {host}")
        return [self.check_ip(host, parse_ip_literal(a) or a) for a in addresses]

    def check_url(self, url: str) -> None:
        """Save-time validation: http(s) only, no credentials, IP literals judged. This is for
        clear 400s; the binding decision is made again at connect time on the address httpx
        actually dials, so a URL-parser disagreement cannot slip past the guard."""
        if _UNSAFE_URL_CHAR.search(url):
            raise ValueError(f"URL contains whitespace or backslashes: {url!r}")
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise ValueError(f"only http and https URLs are allowed, got {parts.scheme or 'none'!r}")
        if "@" in parts.netloc:
            raise ValueError("credentials in the URL are not allowed; use request headers")
        try:
            host, _port = parts.hostname, parts.port
        except ValueError as exc:
            raise ValueError(f"invalid URL {url!r}: {exc}") from exc
        if not host:
            raise ValueError(f"URL has no host: {url!r}")
        literal = parse_ip_literal(host)
        if literal is not None:
            self.check_ip(host, literal)


async def connect_tcp(guard: OutboundGuard, host: str, port: int,
                      timeout: float) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection to the first validated address of `host` that answers."""
    last_error: OSError | None = None
    for ip in await asyncio.wait_for(guard.resolve_and_check(host), timeout):
        try:
            return await asyncio.wait_for(asyncio.open_connection(ip, port), timeout)
        except OSError as exc:  # refused/unreachable: try the next validated address
            last_error = exc
    assert last_error is not None
    raise last_error


class _AsyncioStream(httpcore.AsyncNetworkStream):
    """httpcore's network stream on plain asyncio streams. Why not httpcore's AnyIOBackend: its
    connect runs anyio's happy-eyeballs task group and every read and write enters an anyio cancel
    scope (sniffio lookups included), ~0.3 of the ~1 CPU ms a check cost against a local target
    (bench/checks.py, cProfile); the guard has already chosen the address, so there is no race to
    run, and asyncio's own timeout does the rest. Errors map to httpcore's as AnyIOBackend maps
    them, with the OSError or SSLError kept as the cause (checkers read it for their words)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc) or "read timed out") from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc) or "write timed out") from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        # No TLS close_notify exchange (as AnyIOBackend's standard_compatible=False): a peer that
        # never answers it must not hold a finished check for asyncio's 30 s shutdown timeout.
        transport = self._writer.transport
        if transport.get_extra_info("ssl_object") is not None:
            transport.abort()
        else:
            transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except BaseException as exc:
            await self.aclose()
            if isinstance(exc, TimeoutError):
                raise httpcore.ConnectTimeout(str(exc) or "TLS handshake timed out") from exc
            if isinstance(exc, (ssl.SSLError, OSError)):
                raise httpcore.ConnectError(str(exc)) from exc
            raise
        return self

    def get_extra_info(self, info: str) -> Any:
        if info in ("ssl_object", "socket"):
            return self._writer.get_extra_info(info)
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "is_readable":   # the pool asks whether an idle connection was dropped
            sock = self._writer.get_extra_info("socket")
            return self._reader.at_eof() or (sock is not None and is_socket_readable(sock))
        return None


async def _open_stream(ip: str, port: int, timeout: float | None, local_address: str | None,
                       socket_options: Any) -> _AsyncioStream:
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                ip, port, local_addr=(local_address, 0) if local_address else None)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(str(exc) or f"connect to {ip} timed out") from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    sock = writer.get_extra_info("socket")
    for option in socket_options or ():
        sock.setsockopt(*option)
    return _AsyncioStream(reader, writer)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Why a network backend: httpx has no resolver hook, but httpcore opens every socket through
    `connect_tcp(host, port)` and passes the URL host separately as TLS server_hostname. Resolving
    and validating here means each new connection (every redirect hop included) goes to an
    address the guard just approved, with one lookup, while Host, SNI and certificate checks
    keep using the original name. No caller can forget the guard: there is no unguarded path."""

    def __init__(self, guard: OutboundGuard) -> None:
        self._guard = guard

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        try:   # a timeout scope, not wait_for: that runs the lookup in a task of its own
            async with asyncio.timeout(timeout):
                addresses = await self._guard.resolve_and_check(host)
        except (socket.gaierror, asyncio.TimeoutError) as exc:
            error = httpcore.ConnectTimeout if isinstance(exc, asyncio.TimeoutError) else httpcore.ConnectError
            raise error(f"could not resolve {host}: {exc}") from exc
        last_error: Exception | None = None
        for ip in addresses:
            try:
                return await _open_stream(ip, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise SsrfBlockedError("unix sockets are not allowed for outbound requests")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its pool rebuilt on the guarded backend. `_pool` is private to
    httpx (pinned at 0.28.1); tests/kernel/test_netguard.py fails loudly if that ever changes."""

    def __init__(self, guard: OutboundGuard, ssl_context: ssl.SSLContext, limits: httpx.Limits) -> None:
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(guard),
        )


def make_ssl_context(extra_ca_pem: bytes | None = None) -> ssl.SSLContext:
    """The one SSL context (building one costs tens of ms; Lambda reuses it across checks).
    `extra_ca_pem` lets self-hosted installs and tests trust a private CA."""
    context = ssl.create_default_context()
    # Once here, not per client or connection: the context is shared by every client of a
    # process (and their connections, concurrently). httpcore's connections set the same.
    context.set_alpn_protocols(["http/1.1"])
    if extra_ca_pem:
        context.load_verify_locations(cadata=extra_ca_pem.decode("ascii"))
    return context


def make_http_client(guard: OutboundGuard, max_connections: int = 50, *,
                     extra_ca_pem: bytes | None = None,
                     ssl_context: ssl.SSLContext | None = None,
                     keepalive: bool = True) -> httpx.AsyncClient:
    """The product's one HTTP client factory (checks and alert deliveries). Pool sized to the
    caller's concurrency; no environment proxies (a proxy would bypass the guard's pinning).

    `keepalive=False` closes each connection after its response: for checks, whose monitors
    mostly reach different hosts (an idle connection is rarely reused, yet every request of
    httpcore's pool walks all of them), and whose time should include the connect every time.
    Website checks go through aiohttp (`netguard_aio`, E20 point 3); this client serves only
    the Domain checker's RDAP lookups, so the one-shot path that bypassed the pool for Website
    checks is gone: it saved ~0.25 CPU ms of the ~2.3 an HTTPS lookup costs (local target)."""
    limits = httpx.Limits(max_connections=max_connections,
                          max_keepalive_connections=max_connections if keepalive else 0)
    context = ssl_context or make_ssl_context(extra_ca_pem)
    transport = _GuardedTransport(guard, context, limits)
    return httpx.AsyncClient(transport=transport, trust_env=False, follow_redirects=False)


async def guarded_request(client: httpx.AsyncClient, guard: OutboundGuard, method: str, url: str, *,
                          headers: dict[str, str] | None = None, content: str | bytes | None = None,
                          timeout: float = 30.0, follow_redirects: bool = True,
                          max_hops: int = DEFAULT_MAX_HOPS,
                          stream: bool = False) -> tuple[httpx.Response, list[str]]:
    """Send a request, following redirects by hand so every hop is validated. `guard` must be the
    guard `client` was made with (it judges each Location; the client's backend judges each
    connection). Returns the final
    response and the URLs visited. With `stream=True` the caller reads and closes the response.
    Raises SsrfBlockedError (SsrfBlockedRedirectError past the first hop), httpx.TooManyRedirects,
    ValueError for a malformed URL, and httpx.RequestError for network failures."""
    guard.check_url(url)
    request = client.build_request(method, url, headers=headers, content=content, timeout=timeout)
    hops = [url]
    while True:
        response = await _send_hop(client, request, first=len(hops) == 1)
        if not (follow_redirects and response.next_request is not None):
            break
        await response.aclose()
        if len(hops) > max_hops:
            raise httpx.TooManyRedirects(f"more than {max_hops} redirects", request=request)
        request = response.next_request
        hops.append(str(request.url))
        check_redirect(guard, str(request.url))
    if not stream:
        await response.aread()
    return response, hops


async def _send_hop(client: httpx.AsyncClient, request: httpx.Request, first: bool) -> httpx.Response:
    try:
        return await client.send(request, stream=True, follow_redirects=False)
    except SsrfBlockedError as exc:
        raise hop_refusal(exc, request.url, first)


def check_redirect(guard: OutboundGuard, url: str) -> None:
    """Judge a redirect's target URL as the first one was judged; refused as a redirect."""
    try:
        guard.check_url(url)
    except (SsrfBlockedError, ValueError) as exc:
        raise SsrfBlockedRedirectError(f"redirect to {url} refused: {exc}") from exc


def hop_refusal(exc: SsrfBlockedError, url: Any, first: bool) -> SsrfBlockedError:
    """What a hop whose connection the guard refused raises, in both clients (this one and
    `netguard_aio`'s): the guard's error on the first hop, a refused redirect past it."""
    if first or isinstance(exc, SsrfBlockedRedirectError):
        return exc
    refusal = SsrfBlockedRedirectError(f"redirect to {url} refused: {exc.message}")
    refusal.__cause__ = exc
    return refusal
