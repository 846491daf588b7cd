"""Alert channels: where an account's alerts are delivered (Email, Slack, Discord, Teams, Webhook).

Access patterns:
- get one channel of an account: GetItem(account_id, channel_id) — another account's id is simply
  not found, which is the tenant wall
- list an account's channels: Query(account_id)
- the channels an event reaches, or which referenced ids exist: BatchGetItem of
  (account_id, channel_id) keys, consistent, so a channel created a moment ago counts
- create / delete: a transaction with the account's `alert_channels_count` (chalicelib/channels/service.py)
- mark failing / clear: a transaction with its `channel.failed` event, or a conditional UpdateItem
  (chalicelib/notify/channel_failures.py)
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import get_many, get_or_none, oldest_first, table_meta


class AlertChannelItem(Model):
    Meta = table_meta("alert-channels")

    account_id = UnicodeAttribute(hash_key=True)
    channel_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    type = UnicodeAttribute()                  # models.alerts.CHANNEL_TYPES: "Email", "Slack", ...
    config_json = UnicodeAttribute(default="{}")  # alerting.validate_config output, snake_case
    enabled = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    # The last permanent failure, JSON, while the channel stays broken (chalicelib.channels.failures).
    last_failure_json = UnicodeAttribute(null=True)

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.config_json or "{}")


def get_channel(account_id: str, channel_id: str) -> AlertChannelItem | None:
    return get_or_none(AlertChannelItem, account_id, channel_id)


def list_channels(account_id: str) -> list[AlertChannelItem]:
    """The account's channels, oldest first."""
    return oldest_first(AlertChannelItem, account_id, AlertChannelItem.channel_id)


def get_channels(account_id: str, channel_ids: Iterable[str]) -> list[AlertChannelItem]:
    """The channels of `channel_ids` that exist in the account, in the order asked (BatchGet;
    missing or deleted ids are left out, which is how delivery ignores dangling references)."""
    return get_many(AlertChannelItem, account_id, AlertChannelItem.channel_id, channel_ids)


def existing_channel_ids(account_id: str, channel_ids: list[str]) -> set[str]:
    """Which of `channel_ids` exist in the account."""
    return {c.channel_id for c in get_channels(account_id, channel_ids)}
