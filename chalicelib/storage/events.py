"""The event outbox: every event is written here before it is published to SNS, and stays
pending until every consumer of the topic has handled it.

A transition's events are stored in the same transaction as the state change that caused them,
so an event exists exactly when its transition happened. Each consumer acknowledges the event
once it has done its part (the alert consumer: once the delivery records of every matching
channel exist); the last acknowledgement takes the event off the pending index. An event that
a crash, an outage or a lost queue message left without every acknowledgement is found there
by the sweeper and published again (consumers are idempotent), so no event is lost.

Access patterns:
- store an event: PutItem on condition it does not exist (its id is derived from its cause)
- acknowledge: UpdateItem deleting the consumer from `awaiting`; then, when none is left,
  UpdateItem removing `pending_shard`/`pending_since` (the sparse index forgets it)
- find events still pending: Query per shard on the sparse index `pending`
  (pending_shard, pending_since); events spread over PENDING_SHARDS so that a burst of events
  (a region's outage) does not write one index partition
- postpone after a republish: UpdateItem of `pending_since` and `republished`
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from pynamodb.attributes import (NumberAttribute, TTLAttribute, UnicodeAttribute,
                                 UnicodeSetAttribute)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import query_each_shard, save_if, shard_keys, table_meta, update_if

PENDING_SHARDS = 8


class PendingIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "pending"
        projection = AllProjection()

    pending_shard = UnicodeAttribute(hash_key=True)
    pending_since = NumberAttribute(range_key=True)


class EventItem(Model):
    Meta = table_meta("events")

    event_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    type = UnicodeAttribute()
    payload_json = UnicodeAttribute()
    created_at = NumberAttribute()
    # Consumers (SNS handler names) that have not acknowledged the event yet.
    awaiting = UnicodeSetAttribute(null=True)
    pending_shard = UnicodeAttribute(null=True)
    pending_since = NumberAttribute(null=True)
    republished = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)
    pending = PendingIndex()

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json)


def pending_shard_of(event_id: str) -> str:
    return f"pending#{int(hashlib.sha256(event_id.encode()).hexdigest(), 16) % PENDING_SHARDS}"


def new_event_item(event_id: str, account_id: str, type_: str, payload: dict, now_epoch: float,
                   expires_at, consumers) -> EventItem:
    return EventItem(event_id, account_id=account_id, type=type_,
                     payload_json=json.dumps(payload, separators=(",", ":")),
                     created_at=now_epoch, awaiting=set(consumers) or None,
                     pending_shard=pending_shard_of(event_id), pending_since=now_epoch,
                     expires_at=expires_at)


def put_event(item: EventItem) -> bool:
    """Store an event; False if an event with this id was already stored."""
    return save_if(item, EventItem.event_id.does_not_exist())


def acknowledge(event_id: str, consumer: str) -> None:
    """`consumer` has handled the event; the last one takes it off the pending index.
    Idempotent: acknowledging twice, or an expired (gone) event, changes nothing."""
    item = EventItem(event_id)
    if not update_if(item, [EventItem.awaiting.delete({consumer})], EventItem.event_id.exists()):
        return
    if not item.awaiting:   # an emptied set is removed: nobody is waiting any more
        update_if(item, [EventItem.pending_shard.remove(), EventItem.pending_since.remove()],
                  EventItem.event_id.exists() & EventItem.awaiting.does_not_exist())


def postpone(event_id: str, until_epoch: float) -> None:
    """After a republish: look again at `until_epoch` if it is still pending then."""
    update_if(EventItem(event_id), [EventItem.pending_since.set(until_epoch),
                                    EventItem.republished.add(1)],
              EventItem.pending_since.exists())


def pending_before(epoch: float, limit: int = 500) -> list[EventItem]:
    """Pending events whose `pending_since` is before `epoch`, at most `limit` per shard."""
    return query_each_shard(EventItem.pending, shard_keys("pending", PENDING_SHARDS),
                            EventItem.pending_since < epoch, limit)
