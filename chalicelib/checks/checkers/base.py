"""The shape every checker shares: `async def check(monitor, deps) -> CheckResult`.

A checker never raises for a down target: failures are results with human words (`error`) and a
machine code (`error_code`). The monitor is duck-typed (snake_case attributes), so the worker can
pass its pydantic model and tests a SimpleNamespace.
"""
from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from chalicelib.kernel.clock import SystemClock
from chalicelib.kernel.netguard import OutboundGuard

if TYPE_CHECKING:   # imported on first use only (aiohttp's import cost: website._aio)
    from chalicelib.kernel.netguard_aio import GuardedWebClient

DEFAULT_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    response_time_ms: int | None = None
    status_code: int | None = None
    error: str | None = None
    error_code: str | None = None
    ssl_days_left: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckDeps:
    """Everything a checker touches outside itself, injected so tests stay on 127.0.0.1."""
    guard: OutboundGuard
    http_client: httpx.AsyncClient
    # The Website checker's client: a batch's, opened by the runner with `http_client`.
    web_client: GuardedWebClient
    clock: Any = field(default_factory=SystemClock)
    # Used by the Dns checker when the monitor names no nameserver (None: the system resolver).
    dns_resolver: Any = None
    # "auto" tries ICMP first; "tcp" forces the TCP fallback (Lambda has no ICMP).
    ping_mode: str = "auto"
    ping_tcp_ports: tuple[int, ...] = (443, 80)
    # IANA dns.json-shaped mapping (plus a "whois" map); None loads the shipped snapshot.
    rdap_bootstrap: dict[str, Any] | None = None
    whois_port: int = 43


def failure(error: str, error_code: str, **extra: Any) -> CheckResult:
    return CheckResult(ok=False, error=error, error_code=error_code, **extra)


def timeout_of(monitor: Any) -> float:
    return float(getattr(monitor, "timeout_seconds", None) or DEFAULT_TIMEOUT_SECONDS)


def timed_out(seconds: float) -> CheckResult:
    return failure(f"timed out after {seconds:g} s", "TIMEOUT")


class Stopwatch:
    """Response times are durations of real I/O, so they use the monotonic clock, not `clock`."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def ms(self) -> int:
        return int((time.perf_counter() - self._start) * 1000)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything behind it (httpx wraps httpcore wraps OSError/SSLError;
    aiohttp wraps OSError/SSLError)."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        todo += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]
    return seen


# OpenSSL verify codes worth their own words (X509_V_ERR_*).
_TLS_VERIFY_WORDS = {
    10: "TLS certificate expired",
    9: "TLS certificate not yet valid",
    18: "TLS certificate verify failed: self-signed certificate",
    19: "TLS certificate verify failed: self-signed certificate in chain",
    20: "TLS certificate verify failed: unknown issuer",
    62: "TLS hostname mismatch",
}


def network_failure(exc: BaseException, timeout: float) -> CheckResult:
    """Clear words for a failed connection, whatever library raised it."""
    chain = _causes(exc)
    for cause in chain:
        # aiohttp's ClientConnectorCertificateError is one too, without the codes: its cause
        # (later in the chain) has them.
        if isinstance(cause, ssl.SSLCertVerificationError) and hasattr(cause, "verify_code"):
            words = _TLS_VERIFY_WORDS.get(cause.verify_code,
                                          f"TLS certificate verify failed: {cause.verify_message}")
            return failure(words, "TLS_ERROR")
    for cause in chain:
        if isinstance(cause, ssl.SSLError):
            return failure(f"TLS error: {cause.reason or cause}", "TLS_ERROR")
        if isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED:
            return failure("connection refused", "CONNECTION_REFUSED")
        if isinstance(cause, socket.gaierror):
            return failure(f"DNS lookup failed: {cause.strerror or cause}", "DNS_ERROR")
        if isinstance(cause, (TimeoutError, asyncio.TimeoutError, httpx.TimeoutException)):
            return timed_out(timeout)
    return failure(f"connection failed: {exc}", "CONNECTION_ERROR")
