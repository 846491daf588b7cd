"""Alert channels (the full feature comes with alerting; monitors reference them now).

Access patterns:
- get one channel of an account: GetItem(account_id, channel_id)
- list an account's channels: Query(account_id)
"""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import table_meta


class AlertChannelItem(Model):
    Meta = table_meta("alert-channels")

    account_id = UnicodeAttribute(hash_key=True)
    channel_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    type = UnicodeAttribute()
    config_json = UnicodeAttribute(default="{}")
    created_at = UTCDateTimeAttribute()


def existing_channel_ids(account_id: str, channel_ids: list[str]) -> set[str]:
    """Which of `channel_ids` exist in the account (one Query; accounts have few channels)."""
    if not channel_ids:
        return set()
    return {c.channel_id for c in AlertChannelItem.query(account_id)} & set(channel_ids)
