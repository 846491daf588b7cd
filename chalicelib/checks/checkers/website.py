"""Website checker: one HTTP(S) request through the guarded client, judged by status code,
keyword and certificate."""
from __future__ import annotations

import ssl
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

import httpx

from chalicelib.checks.checkers.base import (
    CheckDeps,
    CheckResult,
    Stopwatch,
    failure,
    network_failure,
    timed_out,
    timeout_of,
)
from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.netguard import SsrfBlockedRedirectError, guarded_request

DEFAULT_USER_AGENT = "Enori-Monitor/1.0"
# Keyword search reads at most this much body: a monitor must not pull a 2 GB file into Lambda.
MAX_BODY_BYTES = 1024 * 1024


async def check(monitor: Any, deps: CheckDeps) -> CheckResult:
    timeout = timeout_of(monitor)
    watch = Stopwatch()
    try:
        response, hops = await guarded_request(
            deps.http_client, deps.guard, (getattr(monitor, "http_method", None) or "GET").upper(),
            monitor.url, headers=_headers(monitor), content=getattr(monitor, "request_body", None),
            timeout=timeout, follow_redirects=bool(getattr(monitor, "follow_redirects", True)),
            stream=True)
        try:
            certificate = _certificate_expiry(response)
            body = await _read_capped(response)
        finally:
            await response.aclose()
    except Exception as exc:  # noqa: BLE001 - narrowed in _request_failure, re-raised if unknown
        return _request_failure(exc, timeout)
    return _judge(monitor, response, body, watch.ms(), certificate, deps.clock.now(), hops)


def _request_failure(exc: Exception, timeout: float) -> CheckResult:
    if isinstance(exc, SsrfBlockedRedirectError):
        return failure(exc.message, "SSRF_BLOCKED_REDIRECT")
    if isinstance(exc, SsrfBlockedError):
        return failure(exc.message, "SSRF_BLOCKED")
    if isinstance(exc, httpx.TooManyRedirects):
        return failure(f"too many redirects ({exc})", "TOO_MANY_REDIRECTS")
    if isinstance(exc, httpx.TimeoutException):
        return timed_out(timeout)
    if isinstance(exc, (ValueError, httpx.InvalidURL)):
        return failure(f"invalid URL: {exc}", "INVALID_URL")
    if isinstance(exc, (httpx.RequestError, OSError)):
        return network_failure(exc, timeout)
    raise exc


def _headers(monitor: Any) -> dict[str, str]:
    headers = {"User-Agent": getattr(monitor, "custom_user_agent", None) or DEFAULT_USER_AGENT}
    headers.update(getattr(monitor, "request_headers", None) or {})
    return headers


async def _read_capped(response: httpx.Response) -> str:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_BYTES:
            break
    return b"".join(chunks)[:MAX_BODY_BYTES].decode(response.encoding or "utf-8", errors="replace")


def _certificate_expiry(response: httpx.Response) -> datetime | None:
    """When the served certificate expires (None over plain http)."""
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    cert = ssl_object.getpeercert() if ssl_object is not None else None
    if not cert or "notAfter" not in cert:
        return None
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), timezone.utc)


def _judge(monitor: Any, response: httpx.Response, body: str, elapsed_ms: int,
           certificate: datetime | None, now: datetime, hops: list[str]) -> CheckResult:
    details = {"finalUrl": str(response.url), "redirects": len(hops) - 1}
    days_left = None
    if certificate is not None:
        days_left = int((certificate - now).total_seconds() // 86400)
        # The expiry identifies the certificate, so a warning is sent once per certificate.
        details["sslNotAfter"] = certificate.isoformat().replace("+00:00", "Z")
    common = dict(response_time_ms=elapsed_ms, status_code=response.status_code,
                  ssl_days_left=days_left, details=details)
    expected = int(getattr(monitor, "expected_status_code", None) or 200)
    if response.status_code != expected:
        return failure(f"HTTP {response.status_code} {_reason(response)}", "HTTP_STATUS", **common)
    keyword_error = _keyword_error(monitor, body)
    if keyword_error:
        return failure(keyword_error, "KEYWORD", **common)
    return CheckResult(ok=True, **common)


def _reason(response: httpx.Response) -> str:
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason_phrase or "Unknown Status"


def _keyword_error(monitor: Any, body: str) -> str | None:
    keyword = getattr(monitor, "expected_keyword", None)
    if not keyword:
        return None
    found = keyword in body
    if getattr(monitor, "keyword_must_be_absent", False):
        return f'keyword "{keyword}" found' if found else None
    return None if found else f'keyword "{keyword}" not found'
