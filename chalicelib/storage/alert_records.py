"""Alert records: one per (event, channel) delivery, carrying every attempt.

The record's id is derived from the event id and the channel id, so a duplicate SNS or SQS
delivery of one event finds the record already there and sends nothing new. Each attempt is
claimed with a conditional update on the attempt count, so two workers never send the same
attempt; a crash mid-send leaves the claim's lease to expire, and the sweeper sends again
(at least once, never lost).

Access patterns:
- create: PutItem on condition it does not exist
- get one: GetItem(account_id, alert_id)
- list an account's records newest first, optionally from/to: Query on LSI `by_created`
- records of one monitor (filter, cascade delete): Query on GSI `by_monitor`
- deliveries needing attention (retry due, lease expired): Query on sparse GSI `due`
  (due_shard, due_at < now), one Query per shard "due#0".."due#15" with a limit per shard, plus
  the single key "due" every record used before the index was sharded (E16 point 8: one key
  took every alert's write and the sweep's read). A record's shard is a hash of its alert id;
  a record found under the old key moves to its shard at its next claim, and the old key's
  Query can go once no record carries it (finished records leave the index, all expire).
"""
from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import (BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute,
                                 TTLAttribute, UnicodeAttribute)
from pynamodb.indexes import (AllProjection, GlobalSecondaryIndex, KeysOnlyProjection,
                              LocalSecondaryIndex)
from pynamodb.expressions.condition import size
from pynamodb.models import Model

from chalicelib.storage.base import (get_or_none, query_each_shard, save_if, shard_key,
                                     shard_keys, table_meta, update_if)

DUE_SHARDS = 16
LEGACY_DUE_SHARD = "due"        # the one key of every record before the index was sharded
DUE_KEYS = shard_keys("due", DUE_SHARDS, [LEGACY_DUE_SHARD])
UNFINISHED = ("Pending", "Retrying")


class ByCreatedIndex(LocalSecondaryIndex):
    class Meta:
        index_name = "by_created"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class ByMonitorIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_monitor"
        projection = KeysOnlyProjection()

    monitor_id = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "due"
        projection = KeysOnlyProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class AttemptMap(MapAttribute):
    at = NumberAttribute()
    status_code = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    ok = BooleanAttribute()


class AlertRecordItem(Model):
    Meta = table_meta("alert-records")

    account_id = UnicodeAttribute(hash_key=True)
    alert_id = UnicodeAttribute(range_key=True)
    event_id = UnicodeAttribute()
    event_type = UnicodeAttribute()
    alert_type = UnicodeAttribute()
    channel_id = UnicodeAttribute()
    channel_type = UnicodeAttribute()
    monitor_id = UnicodeAttribute(null=True)
    incident_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()                 # Pending, Retrying, Delivered, Failed
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    response_code = NumberAttribute(null=True)
    permanent_failure = BooleanAttribute(default=False)
    history = ListAttribute(of=AttemptMap, default=list)
    created_at = NumberAttribute()
    delivered_at = NumberAttribute(null=True)
    next_attempt_at = NumberAttribute(null=True)
    due_shard = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    event_json = UnicodeAttribute()
    test = BooleanAttribute(default=False)
    escalation_level = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)

    by_created = ByCreatedIndex()
    by_monitor = ByMonitorIndex()
    due = DueIndex()

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.event_json)


def due_shard_of(alert_id: str) -> str:
    """The `due` index key of a record: one of DUE_SHARDS, by its id."""
    return shard_key("due", alert_id, DUE_SHARDS)


def create_record(item: AlertRecordItem) -> bool:
    """Store a new record; False when this event already has one for this channel."""
    return save_if(item, AlertRecordItem.alert_id.does_not_exist())


def get_record(account_id: str, alert_id: str) -> AlertRecordItem | None:
    return get_or_none(AlertRecordItem, account_id, alert_id)


# SQS delays are not to the millisecond: a retry arriving this early still counts as due.
DUE_TOLERANCE_SECONDS = 5


def claim_attempt(item: AlertRecordItem, now: float, lease_seconds: int) -> bool:
    """Take the next attempt: only if nobody took it and its lease (if any) has run out."""
    a = AlertRecordItem
    condition = (a.attempts == item.attempts) & a.status.is_in(*UNFINISHED) & \
        (a.due_at.does_not_exist() | (a.due_at <= now + DUE_TOLERANCE_SECONDS))
    return update_if(item, [a.attempts.add(1), a.due_shard.set(due_shard_of(item.alert_id)),
                            a.due_at.set(now + lease_seconds)], condition)


def finish_attempt(item: AlertRecordItem, *, status: str, now: float, status_code: int | None,
                   error: str | None, next_attempt_at: float | None = None,
                   permanent: bool = False) -> None:
    """Record an attempt's outcome; a retry keeps the record on the due index. Once per
    attempt: recording it again (a write retried after a timeout that had gone through) finds
    the attempt's history entry there and changes nothing."""
    a = AlertRecordItem
    attempt = AttemptMap(at=now, status_code=status_code, error=error, ok=status == "Delivered")
    actions = [a.status.set(status), a.response_code.set(status_code) if status_code is not None
               else a.response_code.remove(), a.history.set(a.history.append([attempt])),
               a.permanent_failure.set(permanent)]
    actions.append(a.last_error.set(error) if error else a.last_error.remove())
    if status == "Delivered":
        actions.append(a.delivered_at.set(now))
    if next_attempt_at is not None:
        actions += [a.next_attempt_at.set(next_attempt_at), a.due_at.set(next_attempt_at)]
    else:
        actions += [a.next_attempt_at.remove(), a.due_at.remove(), a.due_shard.remove()]
    update_if(item, actions, a.alert_id.exists() &
              (a.history.does_not_exist() | (size(a.history) < int(item.attempts))))


def due_before(epoch: float, limit: int = 200) -> list[tuple[str, str]]:
    """(account_id, alert_id) of deliveries whose retry or lease is overdue, at most `limit`
    per shard."""
    return [(i.account_id, i.alert_id) for i in
            query_each_shard(AlertRecordItem.due, DUE_KEYS, AlertRecordItem.due_at < epoch, limit)]


def list_records(account_id: str, start: float | None = None, end: float | None = None):
    """An account's records, newest first, optionally within [start, end]."""
    condition = None
    if start is not None and end is not None:
        condition = AlertRecordItem.created_at.between(start, end)
    elif start is not None:
        condition = AlertRecordItem.created_at >= start
    elif end is not None:
        condition = AlertRecordItem.created_at <= end
    return AlertRecordItem.by_created.query(account_id, condition, scan_index_forward=False)


def delete_for_monitor(account_id: str, monitor_id: str) -> None:
    keys = [(k.account_id, k.alert_id) for k in AlertRecordItem.by_monitor.query(monitor_id)
            if k.account_id == account_id]
    with AlertRecordItem.batch_write() as batch:
        for hash_key, range_key in keys:
            batch.delete(AlertRecordItem(hash_key, range_key))
