"""What the provider channels (PagerDuty, Opsgenie, Telegram, ntfy) share: a request they build
purely (`ProviderRequest`, what the snapshot tests compare), the provider's API root from the
settings (tests point it at local stand-ins; an alert channel's body never can), and posting it
through `base.post_json` with the provider's own reading of its error answers.

A provider that has nothing to do for an event (PagerDuty on an incident update) sends nothing:
the delivery is recorded as delivered with no status code and says why (`nothing_to_send`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from chalicelib.channels.kinds.base import (
    DeliveryError,
    DeliveryOutcome,
    SendContext,
    json_headers,
    post_json,
    to_json_bytes,
)
from chalicelib.channels.messages import MISSING, Summary
from chalicelib.kernel.settings import settings

# 401/403/404 from a provider: a revoked or wrong key, an unknown chat or topic, a deleted
# integration. No retry can make them succeed (issue E18): stop, and the channel is marked.
AUTH_PERMANENT_STATUSES = frozenset({401, 403, 404, 410})
NOTHING_TO_SEND = "nothing to send: "


@dataclass(frozen=True)
class ProviderRequest:
    """One POST to a provider: the exact request a channel makes for an event."""
    url: str
    body: dict
    headers: dict[str, str] = field(default_factory=json_headers)

    def encoded(self) -> bytes:
        return to_json_bytes(self.body)


def provider_url(name: str) -> str:
    """The provider's API root (`settings.PROVIDER_URLS`, or its ENORI_<NAME>_URL override)."""
    return settings.provider_urls[name]


def nothing_to_send(reason: str) -> DeliveryOutcome:
    return DeliveryOutcome(status_code=None, response_excerpt=NOTHING_TO_SEND + reason)


async def post_request(request: ProviderRequest, ctx: SendContext, *,
                       permanent_statuses: frozenset[int] = AUTH_PERMANENT_STATUSES,
                       reclassify: Callable[[DeliveryError], DeliveryError] | None = None
                       ) -> DeliveryOutcome:
    """POST the request; `reclassify` may turn a failure permanent from what the provider said
    (Telegram's 400 "chat not found", PagerDuty's 400 about the routing key)."""
    try:
        return await post_json(request.url, request.encoded(), request.headers, ctx,
                               permanent_statuses=permanent_statuses)
    except DeliveryError as error:
        if reclassify is None or error.permanent:
            raise
        raise reclassify(error) from error


def permanent(error: DeliveryError) -> DeliveryError:
    return DeliveryError(error.message, permanent=True, status_code=error.status_code,
                         response_excerpt=error.response_excerpt)


def plain_lines(summary: Summary) -> list[str]:
    """The summary as plain text lines: the test notice for a test, then the facts that are
    known (the description is the cause otherwise, which the facts carry already)."""
    lines = [summary.description] if summary.test and summary.description else []
    lines += [f"{label}: {value}" for label, value in summary.facts() if value != MISSING]
    return lines
