"""What the provider channels share beyond `base`: where a provider lives, the request a paging
provider builds purely (`ProviderRequest`, what the snapshot tests compare), form and
authenticated requests, the secret fields of a config, and one hook for reading a provider's error
answer to tell "never again" from "later" (`send_judged`'s `permanent_answer`).

Users: the chat and push providers (Pushover, Google Chat, Mattermost, Matrix, Gotify, Zulip,
Twilio) and the paging ones (PagerDuty, Opsgenie, Telegram, ntfy).

A provider with one public address (PagerDuty, Opsgenie, Telegram, ntfy.sh, Pushover, Twilio) is
reached at its documented URL; the settings may point it elsewhere (tests only, at local
stand-ins), never a channel's config.

A provider that has nothing to do for an event (PagerDuty on an incident update) sends nothing:
the delivery is recorded as delivered with no status code and says why (`nothing_to_send`).
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Callable
from urllib.parse import urlencode

from pydantic import StringConstraints

from chalicelib.channels.kinds.base import (
    CHAT_PERMANENT_STATUSES,
    DeliveryError,
    DeliveryOutcome,
    SendContext,
    json_headers,
    post_json,
    to_json_bytes,
)
from chalicelib.channels.messages import MISSING, Summary
from chalicelib.kernel.settings import settings

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
USER_AGENT = "Enori/1.0"
NOTHING_TO_SEND = "nothing to send: "

# A credential as a provider issues it: printable, no spaces, bounded.
Secret = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=r"^[\x21-\x7e]+$")]
# A plain one-line text field (a stream, a topic, a sender name).
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                                        pattern=r"^[^\r\n\x00]+$")]


@dataclass(frozen=True)
class ProviderRequest:
    """One POST to a provider: the exact request a channel makes for an event."""
    url: str
    body: dict
    headers: dict[str, str] = field(default_factory=json_headers)

    def encoded(self) -> bytes:
        return to_json_bytes(self.body)


def provider_url(name: str, default: str = "") -> str:
    """The base URL of provider `name`: `settings.provider_urls` (the paging providers' documented
    roots, or a test's stand-in), else its documented `default` (Pushover, Twilio)."""
    return settings.provider_urls.get(name, default).rstrip("/")


def nothing_to_send(reason: str) -> DeliveryOutcome:
    return DeliveryOutcome(status_code=None, response_excerpt=NOTHING_TO_SEND + reason)


def base_url(url: str) -> str:
    """A self-hosted server's URL as the user gave it, without the trailing slash we add paths to."""
    return url.rstrip("/")


def headers(content_type: str = "application/json", **extra: str) -> dict[str, str]:
    return {"Content-Type": content_type, "User-Agent": USER_AGENT, "Accept": "application/json",
            "Accept-Encoding": "identity", **extra}


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def form_body(fields: dict[str, Any]) -> bytes:
    """`application/x-www-form-urlencoded`, UTF-8, fields with a None value left out."""
    return urlencode({k: v for k, v in fields.items() if v is not None}).encode("utf-8")


def error_body(excerpt: str) -> dict:
    """A provider's JSON error answer, or {} when it is not JSON (a proxy's HTML page)."""
    try:
        data = json.loads(excerpt)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


Verdict = Callable[[int, dict], bool]


async def send_judged(url: str, body: bytes, request_headers: dict[str, str], ctx: SendContext, *,
                      permanent_statuses: frozenset[int], permanent_answer: Verdict | None = None,
                      method: str = "POST") -> DeliveryOutcome:
    """`post_json` (any body, any method), then a second look at a failure the status alone does
    not settle: `permanent_answer(status, json_body)` says a 400 naming an unknown user is final."""
    try:
        return await post_json(url, body, request_headers, ctx,
                               permanent_statuses=permanent_statuses, method=method)
    except DeliveryError as error:
        if error.permanent or error.status_code is None or permanent_answer is None:
            raise
        if not permanent_answer(error.status_code, error_body(error.response_excerpt)):
            raise
        raise DeliveryError(error.message, permanent=True, status_code=error.status_code,
                            response_excerpt=error.response_excerpt) from error


async def post_request(request: ProviderRequest, ctx: SendContext, *,
                       permanent_answer: Verdict | None = None) -> DeliveryOutcome:
    """POST a paging provider's request: a 401, 403, 404 or 410 (a revoked or wrong key, an
    unknown chat or topic, a deleted integration) is final (issue E18), and so is an answer
    `permanent_answer` judges final (Telegram's 400 "chat not found")."""
    return await send_judged(request.url, request.encoded(), request.headers, ctx,
                             permanent_statuses=CHAT_PERMANENT_STATUSES,
                             permanent_answer=permanent_answer)


def plain_lines(summary: Summary) -> list[str]:
    """The summary as plain text lines: the test notice for a test, then the facts that are
    known (the description is the cause otherwise, which the facts carry already)."""
    lines = [summary.description] if summary.test and summary.description else []
    lines += [f"{label}: {value}" for label, value in summary.facts() if value != MISSING]
    return lines


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;")


def html_lines(summary: Summary) -> list[str]:
    """The four facts and the link as HTML lines (Matrix, Pushover, Google Chat)."""
    lines = [f"<b>{label}:</b> {html_escape(value)}" for label, value in summary.facts()]
    if summary.link:
        lines.append(f'<a href="{html_escape(summary.link)}">{summary.link_label}</a>')
    return lines


def text_lines(summary: Summary) -> list[str]:
    """The same as plain text (the body Matrix clients without HTML show, Gotify, SMS)."""
    lines = [f"{label}: {value}" for label, value in summary.facts()]
    if summary.link:
        lines.append(f"{summary.link_label}: {summary.link}")
    return lines


def markdown_escape(text: str) -> str:
    """Markdown that a monitor name cannot use to format or link (backslash escapes) nor to
    mention anyone (`@channel`, `@**all**`: a zero-width space after the @)."""
    out = []
    for char in text:
        if char in "\\`*_[]<>~|":
            out.append("\\" + char)
        elif char == "@":
            out.append("@\u200b")
        else:
            out.append(char)
    return "".join(out)


def markdown_lines(summary: Summary) -> list[str]:
    lines = [f"**{label}:** {markdown_escape(value)}" for label, value in summary.facts()]
    if summary.link:
        lines.append(f"[{summary.link_label}]({summary.link})")
    return lines
