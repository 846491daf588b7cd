"""ntfy channel: a push notification published to a topic, on ntfy.sh or a self-hosted server.

Follows https://docs.ntfy.sh/publish/ ("Publish as JSON", priorities, access tokens): POST the
server's root with `{"topic", "title", "message", "priority", "tags", "click"}`, and
`Authorization: Bearer <token>` when the channel has a token. `serverUrl` is the user's own server
(default https://ntfy.sh): it is a URL like a webhook's, so the outbound guard judges it when the
channel is saved and on every request (a self-hosted server on a private address needs
ENORI_ALLOW_PRIVATE_TARGETS). Priority 1 (min) ... 5 (max), default 4, for what needs attention
(down, degraded, SSL, incidents opened, a failing channel); recoveries and acknowledgements go out
at 3 (ntfy's default).

Answers: 200 with the published message. 401 and 403 (`{"code":40301,"http":403,
"error":"forbidden"}`: a wrong or revoked token, a topic the token may not write) and 404:
permanent. 413, 429 (`{"code":42901,...}`) and 5xx: transient. ntfy has no idempotency key: a
delivery is posted once per (event, channel) record (`delivery`).
"""
from __future__ import annotations

from typing import Annotated, Optional

from pydantic import Field, StringConstraints, field_validator

from chalicelib.channels.kinds import paging
from chalicelib.channels.kinds.base import (
    ChannelUrl,
    DeliveryOutcome,
    SendContext,
    is_test,
    json_headers,
)
from chalicelib.channels.messages import summarize
from chalicelib.channels.kinds.providers import (
    ProviderRequest,
    plain_lines,
    post_request,
    provider_url,
)
from chalicelib.kernel.models import ApiModel

DEFAULT_PRIORITY = 4
CALM_PRIORITY = 3
PRIORITY_NAMES = {"min": 1, "low": 2, "default": 3, "high": 4, "max": 5, "urgent": 5}
MESSAGE_MAX_CHARS = 4000          # ntfy turns longer messages into attachments
SECRET_FIELDS = ("token",)
TAGS = {"bad": "rotating_light", "good": "white_check_mark", "warning": "warning",
        "info": "information_source"}


class NtfyChannelConfig(ApiModel):
    server_url: Optional[ChannelUrl] = Field(
        None, description="A self-hosted ntfy server (default https://ntfy.sh)")
    topic: Annotated[str, StringConstraints(pattern=r"^[-_A-Za-z0-9]{1,64}$")]
    priority: Annotated[int, Field(ge=1, le=5, description=(
        "1 (min) ... 5 (max), or ntfy's names, for alerts that need attention; recoveries go "
        "out at 3"))] = DEFAULT_PRIORITY
    token: Optional[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.~+/=-]{8,256}$")]] = \
        Field(None, description="An access token (sent as Bearer); answers show `…`")

    @field_validator("priority", mode="before")
    @classmethod
    def _named_priority(cls, value):
        """ntfy's names (min, low, default, high, max, urgent) as well as 1 ... 5."""
        if isinstance(value, str) and value.strip().lower() in PRIORITY_NAMES:
            return PRIORITY_NAMES[value.strip().lower()]
        return value


def render(event: dict, test: bool = False, priority: int = DEFAULT_PRIORITY) -> dict:
    """The message without its topic (`request` adds it)."""
    summary = summarize(event, test=test)
    calm = paging.action_of(event) in (paging.RESOLVE, paging.ACKNOWLEDGE, paging.NOTE)
    body = {"title": summary.title, "message": "\n".join(plain_lines(summary))[:MESSAGE_MAX_CHARS]
            or summary.title, "priority": CALM_PRIORITY if calm else priority,
            "tags": [TAGS[summary.tone]]}
    if summary.link:
        body["click"] = summary.link
    return body


def server_root(channel_config: dict) -> str:
    return (channel_config.get("server_url") or provider_url("ntfy")).rstrip("/")


def request(channel_config: dict, event: dict, test: bool = False) -> ProviderRequest:
    headers = json_headers()
    if channel_config.get("token"):
        headers["Authorization"] = f"Bearer {channel_config['token']}"
    body = render(event, test=test, priority=int(channel_config.get("priority")
                                                 or DEFAULT_PRIORITY))
    return ProviderRequest(f"{server_root(channel_config)}/",
                           {"topic": channel_config["topic"], **body}, headers)


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    return await post_request(request(channel_config, event, test=is_test(event, ctx)), ctx)
