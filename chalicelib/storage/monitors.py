"""Monitors: configuration and current state, one item per monitor under its account.

Access patterns:
- get one monitor of an account: GetItem(account_id, monitor_id) — another account's id is simply
  not found, which is the tenant wall
- list an account's monitors: Query(account_id)
- find a monitor by id alone (public badges, status pages): Query on index `by_id` (monitor_id)
- monitors due in a minute: Query on the sparse index `by_schedule` (schedule_key); paused and
  Job monitors carry no schedule_key, so they are never read by the scheduler
"""
from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import (BooleanAttribute, ListAttribute, NumberAttribute,
                                 UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.base import table_meta


class ByScheduleIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_schedule"
        projection = IncludeProjection(["offset_seconds", "regions"])

    schedule_key = UnicodeAttribute(hash_key=True)
    monitor_id = UnicodeAttribute(range_key=True)


class ByIdIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_id"
        projection = KeysOnlyProjection()

    monitor_id = UnicodeAttribute(hash_key=True)


class MonitorItem(Model):
    Meta = table_meta("monitors")

    account_id = UnicodeAttribute(hash_key=True)
    monitor_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    type = UnicodeAttribute()
    config_json = UnicodeAttribute()        # the validated configuration, snake_case JSON
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    regions = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute(default="Pending")
    paused = BooleanAttribute(default=False)
    schedule_key = UnicodeAttribute(null=True)
    offset_seconds = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    last_checked_at = UTCDateTimeAttribute(null=True)
    uptime_percentage = NumberAttribute(default=100)
    state_json = UnicodeAttribute(default="{}")   # evaluator state (streaks, per-region status)
    version = VersionAttribute()

    by_schedule = ByScheduleIndex()
    by_id = ByIdIndex()

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.config_json)

    @property
    def state(self) -> dict[str, Any]:
        return json.loads(self.state_json or "{}")


def get_monitor(account_id: str, monitor_id: str) -> MonitorItem | None:
    try:
        return MonitorItem.get(account_id, monitor_id, consistent_read=True)
    except MonitorItem.DoesNotExist:
        return None


def list_monitors(account_id: str) -> list[MonitorItem]:
    return list(MonitorItem.query(account_id))


def find_by_id(monitor_id: str) -> MonitorItem | None:
    """A monitor by id alone, whatever its account (public routes only)."""
    for key in MonitorItem.by_id.query(monitor_id, limit=1):
        return get_monitor(key.account_id, monitor_id)
    return None


def due_entries(schedule_key: str):
    """The (monitor_id, account_id, offset, regions) entries of one schedule key."""
    return MonitorItem.by_schedule.query(schedule_key)
