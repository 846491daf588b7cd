"""Website checker: one HTTP(S) request through the guarded aiohttp client
(`kernel.netguard_aio`), judged by status code, keyword and certificate."""
from __future__ import annotations

import codecs
import ssl
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any

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
from chalicelib.kernel.netguard import SsrfBlockedRedirectError

DEFAULT_USER_AGENT = "Enori-Monitor/1.0"
# Keyword search reads at most this much body: a monitor must not pull a 2 GB file into Lambda.
MAX_BODY_BYTES = 1024 * 1024


def _aio():
    """`kernel.netguard_aio`, imported on first use: aiohttp takes 0.1-0.3 s to import, and the
    API's Lambda, which loads this module through app.py, never checks a website."""
    from chalicelib.kernel import netguard_aio

    return netguard_aio


async def check(monitor: Any, deps: CheckDeps) -> CheckResult:
    """One deadline over every hop and the body (E16 point 2) is `family.run_check`'s: the
    checker holds none of its own."""
    timeout = timeout_of(monitor)
    watch = Stopwatch()
    try:
        response, hops = await deps.web_client.fetch(
            (getattr(monitor, "http_method", None) or "GET").upper(), monitor.url,
            headers=_headers(monitor), body=getattr(monitor, "request_body", None),
            follow_redirects=bool(getattr(monitor, "follow_redirects", True)))
        try:
            body = await _read_capped(response)
        finally:
            response.release()
    except Exception as exc:  # noqa: BLE001 - narrowed in _request_failure, re-raised if unknown
        return _request_failure(exc, timeout)
    return _judge(monitor, response, body, watch.ms(), _certificate_expiry(response),
                  deps.clock.now(), hops)


def _request_failure(exc: Exception, timeout: float) -> CheckResult:
    import aiohttp   # on first use, as `_aio`

    if isinstance(exc, SsrfBlockedRedirectError):
        return failure(exc.message, "SSRF_BLOCKED_REDIRECT")
    if isinstance(exc, SsrfBlockedError):
        return failure(exc.message, "SSRF_BLOCKED")
    if isinstance(exc, _aio().TooManyRedirectsError):
        return failure(f"too many redirects ({exc})", "TOO_MANY_REDIRECTS")
    if isinstance(exc, TimeoutError):
        return timed_out(timeout)
    # aiohttp's certificate errors are ValueErrors too (ssl.CertificateError): not URLs.
    if isinstance(exc, aiohttp.InvalidURL) or isinstance(exc, ValueError) \
            and not isinstance(exc, (aiohttp.ClientError, ssl.SSLError)):
        return failure(f"invalid URL: {exc}", "INVALID_URL")
    if isinstance(exc, (aiohttp.ClientError, OSError)):
        result = network_failure(exc, timeout)
        if result.error_code == "CONNECTION_ERROR":
            return failure(f"connection failed: {_one_line(exc)}", "CONNECTION_ERROR")
        return result
    raise exc


def _one_line(exc: Exception) -> str:
    """aiohttp's words for a failed exchange, on one line: its parser's `message` (the error
    itself or its cause) without the URL, status 400 and repr it wraps them in; httpx's words
    where aiohttp's say less."""
    import aiohttp

    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "Server disconnected without sending a response."
    for said in (exc, exc.__cause__):
        message = getattr(said, "message", None)
        if isinstance(message, str):
            return " ".join(message.split())
    return " ".join(str(exc).split())


def _headers(monitor: Any) -> dict[str, str]:
    headers = {"User-Agent": getattr(monitor, "custom_user_agent", None) or DEFAULT_USER_AGENT}
    headers.update(getattr(monitor, "request_headers", None) or {})
    return headers


async def _read_capped(response: Any) -> str:
    chunks, size = [], 0
    while size < MAX_BODY_BYTES:
        chunk = await response.content.read(MAX_BODY_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks).decode(_encoding(response), errors="replace")


def _encoding(response: Any) -> str:
    """The charset the response declares if Python knows it, else UTF-8 (as httpx decodes)."""
    charset = response.charset
    if charset:
        try:
            return codecs.lookup(charset).name
        except LookupError:
            pass
    return "utf-8"


def _certificate_expiry(response: Any) -> datetime | None:
    """When the served certificate expires (None over plain http)."""
    cert = response.peer_certificate
    if not cert or "notAfter" not in cert:
        return None
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), timezone.utc)


def _judge(monitor: Any, response: Any, body: str, elapsed_ms: int,
           certificate: datetime | None, now: datetime, hops: list[str]) -> CheckResult:
    details = {"finalUrl": response.final_url, "redirects": len(hops) - 1}
    days_left = None
    if certificate is not None:
        days_left = int((certificate - now).total_seconds() // 86400)
        # The expiry identifies the certificate, so a warning is sent once per certificate.
        details["sslNotAfter"] = certificate.isoformat().replace("+00:00", "Z")
    common = dict(response_time_ms=elapsed_ms, status_code=response.status,
                  ssl_days_left=days_left, details=details)
    expected = int(getattr(monitor, "expected_status_code", None) or 200)
    if response.status != expected:
        return failure(f"HTTP {response.status} {_reason(response)}", "HTTP_STATUS", **common)
    keyword_error = _keyword_error(monitor, body)
    if keyword_error:
        return failure(keyword_error, "KEYWORD", **common)
    return CheckResult(ok=True, **common)


def _reason(response: Any) -> str:
    try:
        return HTTPStatus(response.status).phrase
    except ValueError:
        return response.reason or "Unknown Status"


def _keyword_error(monitor: Any, body: str) -> str | None:
    keyword = getattr(monitor, "expected_keyword", None)
    if not keyword:
        return None
    found = keyword in body
    if getattr(monitor, "keyword_must_be_absent", False):
        return f'keyword "{keyword}" found' if found else None
    return None if found else f'keyword "{keyword}" not found'
