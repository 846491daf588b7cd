"""Dns checker: resolve a record and, optionally, require expected values among the answers."""
from __future__ import annotations

import asyncio
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.rdatatype
import dns.resolver

from chalicelib.checks.checkers.base import (
    CheckDeps,
    CheckResult,
    Stopwatch,
    failure,
    timed_out,
    timeout_of,
)
from chalicelib.kernel.errors import SsrfBlockedError

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "CAA", "SRV")


async def check(monitor: Any, deps: CheckDeps) -> CheckResult:
    timeout = timeout_of(monitor)
    record_type = (getattr(monitor, "record_type", None) or "A").upper()
    if record_type not in RECORD_TYPES:
        return failure(f"unsupported record type {record_type}", "INVALID_RECORD_TYPE")
    name = monitor.url.strip()
    if not getattr(monitor, "nameserver", None) and deps.dns_resolver is None and deps.guard.offline:
        return failure("this install sends no DNS queries (ENORI_RESOLVER=hosts); name a "
                       "nameserver on the monitor", "DNS_ERROR")
    try:
        resolver = await _resolver_for(monitor, deps, timeout)
    except SsrfBlockedError as exc:
        return failure(exc.message, "SSRF_BLOCKED")
    except (ValueError, OSError) as exc:
        return failure(f"invalid nameserver: {exc}", "DNS_ERROR")
    watch = Stopwatch()
    try:
        answer = await resolver.resolve(name, record_type, lifetime=timeout, search=False)
    except dns.exception.DNSException as exc:
        return _dns_failure(exc, name, record_type, timeout)
    answers = sorted(_as_text(rdata) for rdata in answer)  # rrsets are unordered; results should not flap
    return _judge(monitor, answers, watch.ms())


async def _resolver_for(monitor: Any, deps: CheckDeps, timeout: float) -> Any:
    nameserver = getattr(monitor, "nameserver", None)
    if not nameserver:
        return deps.dns_resolver or dns.asyncresolver.Resolver()
    host, port = _split_nameserver(nameserver)
    # A user-chosen nameserver is an outbound target like any other.
    addresses = await asyncio.wait_for(deps.guard.resolve_and_check(host), timeout)
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = addresses
    resolver.port = port
    return resolver


def _split_nameserver(text: str) -> tuple[str, int]:
    """"ip", "ip:port", "[v6]:port" or a bare IPv6 address."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest.lstrip(":") or 53)
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, 53


def _as_text(rdata: Any) -> str:
    if rdata.rdtype == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    return rdata.to_text()


def normalise(value: str) -> str:
    return value.strip().strip('"').rstrip(".").lower()


def _comparable(answers: list[str]) -> set[str]:
    """Answers as users write them: "10 mail.example.com" also matches "mail.example.com"."""
    values = {normalise(a) for a in answers}
    return values | {v.split()[-1] for v in values if " " in v and v.split()[0].isdigit()}


def _judge(monitor: Any, answers: list[str], elapsed_ms: int) -> CheckResult:
    details = {"answers": answers}
    expected = [normalise(v) for v in getattr(monitor, "expected_values", None) or []]
    missing = [v for v in expected if v not in _comparable(answers)]
    if missing:
        return failure(f"expected {', '.join(missing)} not among answers: {', '.join(answers)}",
                       "DNS_MISMATCH", response_time_ms=elapsed_ms, details=details)
    return CheckResult(ok=True, response_time_ms=elapsed_ms, details=details)


def _dns_failure(exc: Exception, name: str, record_type: str, timeout: float) -> CheckResult:
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return failure(f"{name} does not exist (NXDOMAIN)", "DNS_ERROR", details={"rcode": "NXDOMAIN"})
    if isinstance(exc, dns.resolver.NoAnswer):
        return failure(f"no {record_type} records for {name}", "DNS_ERROR", details={"answers": []})
    if isinstance(exc, dns.resolver.NoNameservers):
        return failure(f"nameservers failed to answer for {name} (SERVFAIL or refused)", "DNS_ERROR",
                       details={"rcode": "SERVFAIL"})
    if isinstance(exc, dns.exception.Timeout):
        return timed_out(timeout)
    return failure(f"DNS query failed: {exc}", "DNS_ERROR")
