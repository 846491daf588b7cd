"""Domain checker: when does the registration expire? RDAP first (structured JSON from the
registry), WHOIS on port 43 as the fallback for registries without RDAP.

The RDAP endpoints come from a trimmed snapshot of IANA's bootstrap (`rdap_bootstrap.json`; its
"description" says how to refresh it from https://data.iana.org/rdap/dns.json).
"""
from __future__ import annotations

import asyncio
import functools
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from chalicelib.checks.checkers.base import CheckDeps, CheckResult, Stopwatch, failure, timeout_of
from chalicelib.checks.checkers.port import host_of
from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.netguard import connect_tcp, guarded_request

DEFAULT_WARNING_DAYS = 30
_EXPIRY_LINE = re.compile(
    r"^\s*(?:registry expiry date|registrar registration expiration date|expiration date|"
    r"expiry date|expires on|expire|paid-till|renewal date)\s*:\s*(.+?)\s*$",
    re.IGNORECASE | re.MULTILINE)
_DATE_FORMATS = ("%d-%b-%Y", "%Y.%m.%d", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y")


class LookupFailedError(Exception):
    """RDAP or WHOIS gave no usable expiry date (the other source may still)."""


@functools.lru_cache(maxsize=1)
def shipped_bootstrap() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "rdap_bootstrap.json").read_text())


async def check(monitor: Any, deps: CheckDeps) -> CheckResult:
    timeout = timeout_of(monitor)
    domain = host_of(monitor.url).lower().rstrip(".")
    bootstrap = deps.rdap_bootstrap or shipped_bootstrap()
    watch = Stopwatch()
    reasons = []
    for source, lookup in (("RDAP", _rdap_expiry), ("WHOIS", _whois_expiry)):
        try:
            expires = await lookup(domain, bootstrap, deps, timeout)
        except SsrfBlockedError as exc:
            return failure(exc.message, "SSRF_BLOCKED")
        except (LookupFailedError, httpx.HTTPError, OSError, asyncio.TimeoutError, ValueError) as exc:
            reasons.append(f"{source}: {exc or type(exc).__name__}")
            continue
        return _judge(monitor, domain, expires, deps.clock.now(), watch.ms(), source)
    return failure(f"could not find the expiry date of {domain} ({'; '.join(reasons)})",
                   "DOMAIN_LOOKUP_FAILED")


def _judge(monitor: Any, domain: str, expires: datetime, now: datetime, elapsed_ms: int,
           source: str) -> CheckResult:
    days_left = int((expires - now).total_seconds() // 86400)
    warning_days = getattr(monitor, "expiry_warning_days", None) or DEFAULT_WARNING_DAYS
    details = {"expiresAt": expires.isoformat().replace("+00:00", "Z"), "daysLeft": days_left,
               "source": source, "expiringSoon": days_left < warning_days}
    if expires <= now:
        return failure(f"domain {domain} expired on {expires.date().isoformat()}", "DOMAIN_EXPIRED",
                       response_time_ms=elapsed_ms, details=details)
    return CheckResult(ok=True, response_time_ms=elapsed_ms, details=details)


def _tld_entry(domain: str, mapping: dict[str, Any]) -> Any:
    """The value for the longest suffix of `domain` present in `mapping` ("co.uk" before "uk")."""
    labels = domain.split(".")
    for i in range(len(labels)):
        if ".".join(labels[i:]) in mapping:
            return mapping[".".join(labels[i:])]
    return None


def rdap_base_urls(domain: str, bootstrap: dict[str, Any]) -> list[str]:
    mapping = {tld: urls for tlds, urls in bootstrap.get("services", []) for tld in tlds}
    return _tld_entry(domain, mapping) or []


async def _rdap_expiry(domain: str, bootstrap: dict[str, Any], deps: CheckDeps,
                       timeout: float) -> datetime:
    bases = rdap_base_urls(domain, bootstrap)
    if not bases:
        raise LookupFailedError("no RDAP server known for this TLD")
    url = bases[0].rstrip("/") + f"/domain/{domain}"
    response, _hops = await guarded_request(deps.http_client, deps.guard, "GET", url,
                                            headers={"Accept": "application/rdap+json"},
                                            timeout=timeout)
    if response.status_code != 200:
        raise LookupFailedError(f"HTTP {response.status_code} from {url}")
    for event in response.json().get("events", []):
        if event.get("eventAction") == "expiration":
            return parse_date(event["eventDate"])
    raise LookupFailedError("no expiration event in the RDAP answer")


async def _whois_expiry(domain: str, bootstrap: dict[str, Any], deps: CheckDeps,
                        timeout: float) -> datetime:
    server = _tld_entry(domain, bootstrap.get("whois", {}))
    if not server:
        referral = await whois_query("whois.iana.org", domain.rsplit(".", 1)[-1], deps, timeout)
        found = re.search(r"^(?:refer|whois):\s*(\S+)", referral, re.IGNORECASE | re.MULTILINE)
        if not found:
            raise LookupFailedError("no WHOIS server known for this TLD")
        server = found.group(1)
    return parse_whois_expiry(await whois_query(server, domain, deps, timeout))


async def whois_query(server: str, query: str, deps: CheckDeps, timeout: float) -> str:
    reader, writer = await connect_tcp(deps.guard, server, deps.whois_port, timeout)
    try:
        writer.write(query.encode("idna") + b"\r\n")  # IDNs travel as A-labels
        await writer.drain()
        # WHOIS answers then closes; cap the read in case a server never stops talking.
        return (await asyncio.wait_for(reader.read(256 * 1024), timeout)).decode("utf-8", "replace")
    finally:
        writer.close()


def parse_whois_expiry(text: str) -> datetime:
    for match in _EXPIRY_LINE.finditer(text):
        try:
            return parse_date(match.group(1))
        except ValueError:
            continue
    raise LookupFailedError("no expiry date in the WHOIS answer")


def parse_date(text: str) -> datetime:
    """Dates as registries write them; naive ones are UTC."""
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _parse_legacy_date(text.split(" (")[0])
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def _parse_legacy_date(text: str) -> datetime:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"unrecognised date {text!r}")
