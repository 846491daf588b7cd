"""The alert channels family: one module per channel type, each with the same surface:

- `async def send(channel_config, event, ctx: SendContext) -> DeliveryOutcome` (raises
  `DeliveryError(permanent=...)`),
- `def render(event, test=False)` — the pure payload (a dict; an `EmailMessage` for email),
- a pydantic `<Type>ChannelConfig` model that validates a channel's config at save time.

`SENDERS` and `VALIDATORS` map the API's channel type to them; `validate_config` is what the
alert-channels API calls, `render` what previews and snapshot tests call.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from chalicelib.channels.kinds import (
    discord,
    email,
    google_chat,
    gotify,
    matrix,
    mattermost,
    ntfy,
    opsgenie,
    pagerduty,
    pushover,
    slack,
    telegram,
    twilio_sms,
    webhook,
    zulip,
)
from chalicelib.channels.kinds import msteams as teams
from chalicelib.channels.kinds.base import (
    DeliveryError,
    DeliveryOutcome,
    SendContext,
    delivery_id_for,
)
from chalicelib.kernel.errors import ValidationError
from chalicelib.channels.models import CHANNEL_TYPES
from chalicelib.kernel.models import ApiModel
from chalicelib.kernel.netguard import OutboundGuard

__all__ = ["ACKNOWLEDGING_TYPES", "CHANNEL_TYPES", "DeliveryError", "DeliveryOutcome",
           "RENDERERS", "SECRET_FIELDS", "SENDERS", "SendContext", "VALIDATORS", "delivery_id_for",
           "render", "validate_config"]

Sender = Callable[[dict, dict, SendContext], Awaitable[DeliveryOutcome]]

SENDERS: dict[str, Sender] = {
    "Email": email.send,
    "Slack": slack.send,
    "Discord": discord.send,
    "Teams": teams.send,
    "Webhook": webhook.send,
    "Pushover": pushover.send,
    "GoogleChat": google_chat.send,
    "Mattermost": mattermost.send,
    "Matrix": matrix.send,
    "Gotify": gotify.send,
    "Zulip": zulip.send,
    "TwilioSms": twilio_sms.send,
    "PagerDuty": pagerduty.send,
    "Opsgenie": opsgenie.send,
    "Telegram": telegram.send,
    "Ntfy": ntfy.send,
}
VALIDATORS: dict[str, type[ApiModel]] = {
    "Email": email.EmailChannelConfig,
    "Slack": slack.SlackChannelConfig,
    "Discord": discord.DiscordChannelConfig,
    "Teams": teams.TeamsChannelConfig,
    "Webhook": webhook.WebhookChannelConfig,
    "Pushover": pushover.PushoverChannelConfig,
    "GoogleChat": google_chat.GoogleChatChannelConfig,
    "Mattermost": mattermost.MattermostChannelConfig,
    "Matrix": matrix.MatrixChannelConfig,
    "Gotify": gotify.GotifyChannelConfig,
    "Zulip": zulip.ZulipChannelConfig,
    "TwilioSms": twilio_sms.TwilioSmsChannelConfig,
    "PagerDuty": pagerduty.PagerDutyChannelConfig,
    "Opsgenie": opsgenie.OpsgenieChannelConfig,
    "Telegram": telegram.TelegramChannelConfig,
    "Ntfy": ntfy.NtfyChannelConfig,
}
RENDERERS: dict[str, Callable[..., Any]] = {
    "Email": email.render,
    "Slack": slack.render,
    "Discord": discord.render,
    "Teams": teams.render,
    "Webhook": webhook.render,
    "Pushover": pushover.render,
    "GoogleChat": google_chat.render,
    "Mattermost": mattermost.render,
    "Matrix": matrix.render,
    "Gotify": gotify.render,
    "Zulip": zulip.render,
    "TwilioSms": twilio_sms.render,
    "PagerDuty": pagerduty.render,
    "Opsgenie": opsgenie.render,
    "Telegram": telegram.render,
    "Ntfy": ntfy.render,
}
# The config fields (snake_case) no API answer shows: they are the keys to the account elsewhere
# (chalicelib/channels/service.py masks them).
SECRET_FIELDS: dict[str, tuple[str, ...]] = {
    "Pushover": pushover.SECRET_FIELDS,
    "Matrix": matrix.SECRET_FIELDS,
    "Gotify": gotify.SECRET_FIELDS,
    "Zulip": zulip.SECRET_FIELDS,
    "TwilioSms": twilio_sms.SECRET_FIELDS,
    "PagerDuty": pagerduty.SECRET_FIELDS,
    "Opsgenie": opsgenie.SECRET_FIELDS,
    "Telegram": telegram.SECRET_FIELDS,
    "Ntfy": ntfy.SECRET_FIELDS,
}
# The types that act on `incident.acknowledged` (acknowledging their own alert); the others
# hear of an incident when it opens and when it is resolved only.
ACKNOWLEDGING_TYPES = ("PagerDuty", "Opsgenie")


def canonical_type(channel_type: str) -> str:
    """"slack" -> "Slack"; an unknown type is a 400 on the field `type`."""
    by_lower = {name.lower(): name for name in CHANNEL_TYPES}
    found = by_lower.get(str(channel_type).lower()) if channel_type is not None else None
    if found is None:
        raise ValidationError.for_field("type", f"must be one of {', '.join(CHANNEL_TYPES)}")
    return found


def validate_config(channel_type: str, data: dict, guard: OutboundGuard) -> dict:
    """The snake_case config to store for a channel of `channel_type`, from the API's camelCase
    `data`. Raises pydantic.ValidationError (field errors, `webhookUrl` included for a URL the
    guard refuses to parse), chalicelib.kernel.errors.SsrfBlockedError for a URL aimed at a blocked
    address, and chalicelib.kernel.errors.ValidationError for an unknown type."""
    model = VALIDATORS[canonical_type(channel_type)]
    return model.model_validate(data, context={"guard": guard}).model_dump(exclude_none=True)


def render(channel_type: str, event: dict, test: bool = False) -> Any:
    """What `channel_type` would send for `event` (no network)."""
    return RENDERERS[canonical_type(channel_type)](event, test=test)
