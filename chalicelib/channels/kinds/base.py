"""The shape every alert channel shares:
`async def send(channel_config, event, ctx) -> DeliveryOutcome`.

A sender either returns a `DeliveryOutcome` or raises `DeliveryError`, whose `permanent` flag says
whether trying the same delivery again could ever succeed (a revoked Slack hook, a 410 Gone, a
blocked URL) or not (a timeout, a 5xx, a 429). Delivery retries only transient failures.

Each channel module also has a pure `render(event, test=False)` and a pydantic config model; the
HTTP channels post through `post_json` below, the one place that talks to a receiver.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Annotated, Any

import httpx
from pydantic import AfterValidator, ValidationInfo

from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.fields import WebsiteUrl
from chalicelib.kernel.netguard import OutboundGuard, guarded_request
from chalicelib.kernel.settings import settings

TIMEOUT_SECONDS = 10.0
# A receiver may answer with anything; we keep a little of it for the alert record, never more.
MAX_RESPONSE_BYTES = 64 * 1024
EXCERPT_CHARS = 1000
# Chat webhooks answer these when the hook was deleted or revoked: retrying cannot help.
CHAT_PERMANENT_STATUSES = frozenset({401, 403, 404, 410})


class DeliveryError(Exception):
    """A failed delivery. `status_code` is the receiver's HTTP status (the SMTP reply code for
    email), None when there was no answer."""

    def __init__(self, message: str, *, permanent: bool = False, status_code: int | None = None,
                 response_excerpt: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status_code = status_code
        self.response_excerpt = response_excerpt

    def __repr__(self) -> str:
        return (f"DeliveryError({self.message!r}, permanent={self.permanent}, "
                f"status_code={self.status_code})")


@dataclass(frozen=True)
class DeliveryOutcome:
    status_code: int | None
    response_excerpt: str


@dataclass
class SendContext:
    """Everything a sender touches outside itself. `delivery_id` is stable across the retries of
    one (event, channel) delivery, so receivers can drop duplicates (at-least-once delivery)."""
    http_client: httpx.AsyncClient | None
    guard: OutboundGuard
    clock: Any
    attempt: int
    delivery_id: str
    test: bool = False
    timeout: float = TIMEOUT_SECONDS
    # Email: an SMTP URL (smtp://user:pass@host:port?starttls=1) or None for SES. Read from the
    # settings when the context is made, so tests can point it at a local SMTP server.
    smtp_url: str | None = field(default_factory=lambda: settings.smtp_url)
    ses_client: Any = None               # None: runtime.client("ses") at send time


def delivery_id_for(event_id: str, channel_id: str) -> str:
    """A delivery id for one event on one channel (the same on every retry)."""
    return "msg_" + hashlib.sha256(f"{event_id}|{channel_id}".encode()).hexdigest()[:24]


def is_test(event: dict, ctx: SendContext) -> bool:
    return bool(ctx.test or event.get("test"))


def to_json_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- the URL field every HTTP channel shares -----------------------------------------------

def _check_with_guard(url: str, info: ValidationInfo) -> str:
    """Save-time guard check (literal IPs, schemes, credentials). A ValueError becomes a field
    error on `webhookUrl`; SsrfBlockedError passes through pydantic untouched (a 400
    SSRF_BLOCKED). Without a guard in the context the strict default applies (fail closed)."""
    guard = (info.context or {}).get("guard") or OutboundGuard()
    guard.check_url(url)
    return url


ChannelUrl = Annotated[WebsiteUrl, AfterValidator(_check_with_guard)]


# --- posting to a receiver ------------------------------------------------------------------

async def post_json(url: str, body: bytes, headers: dict[str, str], ctx: SendContext, *,
                    permanent_statuses: frozenset[int], method: str = "POST") -> DeliveryOutcome:
    """POST (or `method`: Matrix sends with PUT) `body` through the guarded client and judge the answer: 2xx is delivered, a status in
    `permanent_statuses` is a permanent failure, anything else (3xx included: redirects are not
    followed, a POST must not turn into a GET) is transient. The whole attempt, body read
    included, has a hard deadline of `ctx.timeout`."""
    try:
        async with asyncio.timeout(ctx.timeout):
            response, _ = await guarded_request(
                ctx.http_client, ctx.guard, method, url, headers=headers, content=body,
                timeout=ctx.timeout, follow_redirects=False, stream=True)
            try:
                excerpt = await read_excerpt(response)
            finally:
                await response.aclose()
    except Exception as exc:  # noqa: BLE001 - narrowed in request_failure, re-raised if unknown
        raise request_failure(exc, ctx.timeout) from exc
    return judge(response.status_code, excerpt, permanent_statuses)


def request_failure(exc: Exception, timeout: float) -> DeliveryError:
    if isinstance(exc, SsrfBlockedError):
        return DeliveryError(f"blocked: {exc.message}", permanent=True)
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return DeliveryError(f"timed out after {timeout:g} s")
    if isinstance(exc, (ValueError, httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return DeliveryError(f"invalid URL: {exc}", permanent=True)
    if isinstance(exc, (httpx.RequestError, OSError)):
        return DeliveryError(f"connection failed: {exc or type(exc).__name__}")
    raise exc


async def read_excerpt(response: httpx.Response) -> str:
    """At most MAX_RESPONSE_BYTES of the raw body (we ask for `identity`, so no decompression
    bomb either), decoded for humans."""
    chunks, size = [], 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_RESPONSE_BYTES:
            break
    data = b"".join(chunks)[:MAX_RESPONSE_BYTES]
    return data.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def judge(status: int, excerpt: str, permanent_statuses: frozenset[int]) -> DeliveryOutcome:
    if 200 <= status < 300:
        return DeliveryOutcome(status_code=status, response_excerpt=excerpt)
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown Status"
    detail = f": {excerpt[:200]}" if excerpt.strip() else ""
    raise DeliveryError(f"HTTP {status} {reason}{detail}", permanent=status in permanent_statuses,
                        status_code=status, response_excerpt=excerpt)


def json_headers(user_agent: str = "Enori/1.0") -> dict[str, str]:
    return {"Content-Type": "application/json", "User-Agent": user_agent,
            "Accept-Encoding": "identity"}
