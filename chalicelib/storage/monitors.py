"""Monitors: configuration and current state, one item per monitor under its account.

Access patterns:
- get one monitor of an account: GetItem(account_id, monitor_id) — another account's id is simply
  not found, which is the tenant wall
- list an account's monitors: Query(account_id)
- find a monitor by id alone (public badges, status pages): Query on index `by_id` (monitor_id)
- monitors due in a minute: Query on the sparse index `by_schedule` (schedule_key); paused and
  Job monitors carry no schedule_key, so they are never read by the scheduler
- after each check: one UpdateItem of the check telemetry (last check time, 30-day uptime) on
  condition that the monitor exists, through `MonitorTelemetryItem` (see there why)
"""
from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import (BooleanAttribute, ListAttribute, NumberAttribute,
                                 UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute)
from pynamodb.exceptions import UpdateError
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
    # Sums of the 30-day uptime window's complete hours, taken at the start of `uptime_base_hour`
    # (see chalicelib/results.py): each result then updates the uptime without reading rollups.
    uptime_base_hour = NumberAttribute(null=True)
    uptime_base_checks = NumberAttribute(null=True)
    uptime_base_failures = NumberAttribute(null=True)
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


class MonitorTelemetryItem(Model):
    """The monitors table seen without its VersionAttribute, for check telemetry only.

    The version guards configuration edits (PUT, pause). Results arrive every few seconds per
    region; if their writes bumped the version, users' edits would fail with spurious conflicts,
    and `MonitorItem(...).update()` without a loaded version would even reset it to 1. Telemetry
    is last-write-wins anyway. Never saved whole: only `update` with `monitor_id.exists()`.
    """
    Meta = table_meta("monitors")

    account_id = UnicodeAttribute(hash_key=True)
    monitor_id = UnicodeAttribute(range_key=True)
    last_checked_at = UTCDateTimeAttribute(null=True)
    uptime_percentage = NumberAttribute(null=True)
    uptime_base_hour = NumberAttribute(null=True)
    uptime_base_checks = NumberAttribute(null=True)
    uptime_base_failures = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    paused = BooleanAttribute(null=True)
    state_json = UnicodeAttribute(null=True)


def mirror_state(account_id: str, monitor_id: str, status: str, region_status: dict,
                 degraded: bool) -> bool:
    """Show the evaluator's verdict on the monitor (status, per-region status, degraded).

    Conditional on the monitor existing and not being paused: a verdict that lands after a pause
    must not turn a Paused monitor back to Up. False when skipped for either reason.
    """
    t = MonitorTelemetryItem
    state = json.dumps({"region_status": region_status, "degraded": degraded})
    try:
        t(account_id, monitor_id).update(
            actions=[t.status.set(status), t.state_json.set(state)],
            condition=t.monitor_id.exists() & (t.paused.does_not_exist() | (t.paused == False)))  # noqa: E712
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def record_check_telemetry(account_id: str, monitor_id: str, checked_at, *,
                           uptime: float | None = None,
                           base: tuple[int, int, int] | None = None) -> bool:
    """Set `last_checked_at` (and the uptime, and its window base (hour, checks, failures) when
    given) on an existing monitor; False if the monitor is gone or a newer check was recorded.

    Conditional on the monitor existing, so a result landing after a delete never brings back a
    phantom item; and on `last_checked_at` not moving backwards (late, redelivered jobs).
    """
    item, t = MonitorTelemetryItem(account_id, monitor_id), MonitorTelemetryItem
    actions = [t.last_checked_at.set(checked_at)]
    condition = t.monitor_id.exists() & (t.last_checked_at.does_not_exist()
                                         | (t.last_checked_at <= checked_at))
    if uptime is not None:
        actions.append(t.uptime_percentage.set(uptime))
    if base is not None:
        hour, checks, failures = base
        actions += [t.uptime_base_hour.set(hour), t.uptime_base_checks.set(checks),
                    t.uptime_base_failures.set(failures)]
        # Two hours' first results may race; the older must not replace the newer base.
        condition &= t.uptime_base_hour.does_not_exist() | (t.uptime_base_hour <= hour)
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
