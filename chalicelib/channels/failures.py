"""Channels that fail for good: marked, and their owner told through the account's other channels.

A permanent failure (a revoked token, an unknown chat, a 401/403/404 from the provider: the
sender's `DeliveryError(permanent=True)`) stops that delivery at once (`delivery._finish`). It also
says the channel itself is broken, so:

- the channel is marked: `last_failure` (the failure's time, error, status code and alert id),
  shown as `lastFailure` by the API, until a delivery to it succeeds again or it is replaced;
- the first failure of a spell (the channel was not marked yet) creates a `channel.failed` event,
  in the same transaction as the mark, delivered at once to the account's other enabled channels
  that people read (never back to the failing one, never to a Webhook: a machine receiver takes
  the spec's events only). Later failures while it stays marked tell nobody again, so a dead
  channel costs its owner one notice, not one per alert.

The event is stored in the outbox like every other (no notice is lost to a crash between the mark
and the delivery); the delivery worker delivers it in the same run rather than publishing it, so
it is granted no publishing (infra/access.py), and the outbox republishes it if that run dies.
A test alert (`POST .../test`) that fails marks nothing: its caller reads the answer.

Access patterns: the mark and the event: one TransactWriteItems (UpdateItem of the channel on
condition it exists and is not marked; PutItem of the event on condition it does not exist);
clearing: UpdateItem on condition it is still the same failure; the notice's targets: Query of
the account's channels (`storage.channels.list_channels`).
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta



from chalicelib.channels.messages import CHANNEL_FAILED
from chalicelib.bus.event_topic import CONSUMERS
from chalicelib.storage import channels as channel_store
from chalicelib.storage import events as event_store
from chalicelib.storage.base import update_if
from chalicelib.storage.channels import AlertChannelItem
from chalicelib.storage.transactions import TransactionFailed, transaction

__all__ = ["CHANNEL_FAILED", "clear", "failure_json", "failure_of", "mark_failed",
           "notice_event", "notice_targets"]
NOTICE_ALERT_TYPE = "ChannelFailed"
# Channel types a notice is not sent to: a Webhook takes the spec's events only.
NOT_NOTIFIED_TYPES = frozenset({"Webhook"})
RETENTION = timedelta(days=30)


def notice_event_id(channel_id: str, alert_id: str) -> str:
    """Stable per failing delivery (`events.event_id_for`'s form; that module publishes, which
    the delivery worker is not granted)."""
    return "evt_" + hashlib.sha256(f"{channel_id}|failed|{alert_id}".encode()).hexdigest()[:24]


def failure_of(channel) -> dict | None:
    """The channel's mark (`{"at", "error", "statusCode", "alertId"}`), None when healthy."""
    raw = getattr(channel, "last_failure_json", None)
    return json.loads(raw) if raw else None


def failure_json(error_message: str, status_code: int | None, alert_id: str, at: str) -> dict:
    return {"at": at, "error": error_message, "statusCode": status_code, "alertId": alert_id}


def notice_event(channel, failure: dict) -> dict:
    """The `channel.failed` event: which channel, and why, in the `alert` every renderer reads."""
    return {
        "id": notice_event_id(channel.channel_id, failure["alertId"]), "event": CHANNEL_FAILED,
        "accountId": channel.account_id,
        "channel": {"id": channel.channel_id, "name": channel.name, "type": channel.type},
        "alert": {"type": NOTICE_ALERT_TYPE,
                  "message": f"Deliveries to it fail and are not retried: {failure['error']}",
                  "timestamp": failure["at"], "responseTimeMs": None},
    }


def mark_failed(channel: AlertChannelItem, failure: dict, now: datetime) -> dict | None:
    """Mark the channel; the notice event to deliver when this starts a spell of failures
    (None when it was already marked, or is gone)."""
    event = notice_event(channel, failure)
    item = event_store.new_event_item(event["id"], channel.account_id, CHANNEL_FAILED, event,
                                      now.timestamp(), now + RETENTION, CONSUMERS)
    marked = json.dumps(failure, separators=(",", ":"))
    try:
        with transaction() as tx:
            tx.update(channel, actions=[AlertChannelItem.last_failure_json.set(marked)],
                      condition=AlertChannelItem.channel_id.exists()
                      & AlertChannelItem.last_failure_json.does_not_exist())
            tx.save(item, condition=event_store.EventItem.event_id.does_not_exist())
    except TransactionFailed:
        return None         # already marked (by this failure or an earlier one), or deleted
    channel.last_failure_json = marked
    return event


def clear(channel) -> bool:
    """Take the mark off after a delivery succeeded (nothing written for a healthy channel)."""
    raw = getattr(channel, "last_failure_json", None)
    if not raw or not isinstance(channel, AlertChannelItem):
        return False
    cleared = update_if(channel, [AlertChannelItem.last_failure_json.remove()],
                        AlertChannelItem.last_failure_json == raw)
    if cleared:
        channel.last_failure_json = None
    return cleared


def notice_targets(event: dict) -> list[AlertChannelItem]:
    """The account's channels that hear of a failing one: enabled, read by people, not it."""
    failing = (event.get("channel") or {}).get("id")
    return [c for c in channel_store.list_channels(event["accountId"])
            if c.enabled and c.channel_id != failing and c.type not in NOT_NOTIFIED_TYPES]
