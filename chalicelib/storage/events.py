"""The event outbox: every event is written here before it is published to SNS.

A transition's events are stored in the same transaction as the state change that caused them,
so an event exists exactly when its transition happened. Publishing marks them done; anything a
crash left unpublished is found again by the sweeper, so no event is lost.

Access patterns:
- store an event: PutItem on condition it does not exist (its id is derived from its cause)
- mark published: UpdateItem removing `pending_since` (the sparse index forgets it)
- find events left unpublished: Query on the sparse index `pending` (pending_shard, pending_since)
"""
from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import save_if, table_meta, update_if

PENDING_SHARD = "pending"


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
    pending_shard = UnicodeAttribute(null=True)
    pending_since = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    pending = PendingIndex()

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json)


def new_event_item(event_id: str, account_id: str, type_: str, payload: dict, now_epoch: float,
                   expires_at) -> EventItem:
    return EventItem(event_id, account_id=account_id, type=type_,
                     payload_json=json.dumps(payload, separators=(",", ":")),
                     created_at=now_epoch, pending_shard=PENDING_SHARD, pending_since=now_epoch,
                     expires_at=expires_at)


def put_event(item: EventItem) -> bool:
    """Store an event; False if an event with this id was already stored."""
    return save_if(item, EventItem.event_id.does_not_exist())


def mark_published(event_id: str) -> None:
    update_if(EventItem(event_id),
              [EventItem.pending_shard.remove(), EventItem.pending_since.remove()],
              EventItem.event_id.exists())  # an expired (gone) event needs no marking


def pending_before(epoch: float, limit: int = 500) -> list[EventItem]:
    return list(EventItem.pending.query(PENDING_SHARD, EventItem.pending_since < epoch,
                                        limit=limit))
