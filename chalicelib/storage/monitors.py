"""Monitors: configuration and current state, one item per monitor under its account.

Access patterns:
- get one monitor of an account: GetItem(account_id, monitor_id) — another account's id is simply
  not found, which is the tenant wall
- list an account's monitors: Query(account_id); the monitor list projects what it shows
  (`list_monitors_listed`)
- find a monitor by id alone (public badges, status pages): Query on index `by_id` (monitor_id)
- monitors due in a minute: Query on the sparse index `by_schedule_v2` (schedule_key); paused
  and Job monitors carry no schedule_key, so they are never read by the scheduler; it projects
  what a check request carries: the mirrored verdict (status, state_json), the request's
  expectation, and what the worker checks with (config_json, type, result_seq), so a check
  reads no monitor (`ByScheduleIndex`). `by_schedule`, its predecessor, is read by nothing
- the uptime base, hour summary and last check the hourly rollup job kept here before it kept
  them on the shard's rolled item (`result_batches.ShardRolledItem`): read, never written any
  more (readers take the rolled item's entry once the job has rolled the monitor up again)
- number a monitor created before numbering (`set_result_seq`): UpdateItem SET result_seq on
  condition that it has none and the monitor exists (the loser of a race re-reads the winner's)
- a Job monitor's run fields (last ping, run start, deadline, rate window) live on its job
  state (`storage.job_states`), which pings write; readers that show them read it next to the
  monitor (`monitors.jobs.get_monitor_and_job`, `with_job_states`).
- Job monitors created by an older release, before job states, carry their deadline here:
  Query on the sparse index `by_deadline` (deadline_shard "job#0".."job#31", deadline_at <=
  now) until their first ping or edit gives them a job state (then the sweep clears it here)
"""
from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import (BooleanAttribute, ListAttribute, NumberAttribute,
                                 UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute)
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.kernel.vocabulary import MonitorStatus, MonitorType
from chalicelib.storage.base import get_or_none, query_items, shard_key, table_meta, update_if


class ByScheduleIndex(GlobalSecondaryIndex):
    """The scheduler's due index. A GSI's projection cannot be changed in place, so the one that
    projects a check's configuration is a new index under a new name (`by_schedule_v2`); CDK
    builds it beside the old one (`RetiredByScheduleIndex`)."""
    class Meta:
        index_name = "by_schedule_v2"
        # status: the scheduler sends a Down monitor's checks to the slow lane; status and
        # state_json: the verdict the evaluator mirrored, which the scheduler copies into each
        # check request as its expectation (chalicelib/status/expectations.py). config_json,
        # type and result_seq: what the worker checks and numbers a result with, carried in the
        # request (`CheckRequest.config`, `.seq`) so that no check reads its monitor.
        projection = IncludeProjection(["offset_seconds", "regions", "status", "state_json",
                                        "config_json", "type", "result_seq"])

    schedule_key = UnicodeAttribute(hash_key=True)
    monitor_id = UnicodeAttribute(range_key=True)


class RetiredByScheduleIndex(GlobalSecondaryIndex):
    """The due index before it projected the configuration: read by nothing. Kept declared for
    one release because CloudFormation adds or deletes only one GSI per table update (one
    UpdateTable), so a rename in one deploy would fail; and the scheduler of the release before
    still read it while the deploy rolls out. Delete it in the next release."""
    class Meta:
        index_name = "by_schedule"
        projection = IncludeProjection(["offset_seconds", "regions", "status", "state_json"])

    schedule_key = UnicodeAttribute(hash_key=True)
    monitor_id = UnicodeAttribute(range_key=True)


class ByIdIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_id"
        projection = KeysOnlyProjection()

    monitor_id = UnicodeAttribute(hash_key=True)


class ByDeadlineIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_deadline"
        projection = KeysOnlyProjection()

    deadline_shard = UnicodeAttribute(hash_key=True)
    deadline_at = NumberAttribute(range_key=True)


DEADLINE_SHARDS = 32
JOB = MonitorType.JOB        # the type of Job (heartbeat) monitors


def deadline_shard(monitor_id: str) -> str:
    return shard_key("job", monitor_id, DEADLINE_SHARDS)


class MonitorItem(Model):
    Meta = table_meta("monitors")

    account_id = UnicodeAttribute(hash_key=True)
    monitor_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    type = UnicodeAttribute()
    config_json = UnicodeAttribute()        # the validated configuration, snake_case JSON
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    regions = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute(default=MonitorStatus.PENDING)
    paused = BooleanAttribute(default=False)
    schedule_key = UnicodeAttribute(null=True)
    offset_seconds = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    last_checked_at = UTCDateTimeAttribute(null=True)
    uptime_percentage = NumberAttribute(default=100)
    # Sums of the 30-day uptime window's hours before `uptime_base_hour`, as the hourly rollup
    # job kept them here before it kept them on the shard's rolled item (read only now:
    # chalicelib/monitors/now.py `apply_rolled` puts the rolled item's on loaded items): the
    # heads' counts of the hours from that one on give the uptime shown now. Last check and
    # response time: as the job last saw them; the heads have newer ones.
    uptime_base_hour = NumberAttribute(null=True)
    uptime_base_checks = NumberAttribute(null=True)
    uptime_base_failures = NumberAttribute(null=True)
    # The last recorded result's response time (absent when it measured none), and the figures of
    # the hours the job rolled up (chalicelib/checks/hour_summary.py): what the overview shows
    # without reading each monitor's rollups.
    last_response_ms = NumberAttribute(null=True)
    hour_summary_json = UnicodeAttribute(null=True)
    # The monitor's number in its account, given once at creation and never reused: its
    # result shard and its index there (`result_batches.shard_of`). None: not given yet.
    result_seq = NumberAttribute(null=True)
    state_json = UnicodeAttribute(default="{}")   # evaluator state (streaks, per-region status)
    # Job monitors only: the ping token (also claimed in `uniques`), the last finished run
    # (success or fail), the start of the run in progress, and the deadline (epoch s) the
    # missed-run sweep finds through `by_deadline`.
    ping_token = UnicodeAttribute(null=True)
    last_ping_at = UTCDateTimeAttribute(null=True)
    last_start_at = UTCDateTimeAttribute(null=True)
    deadline_at = NumberAttribute(null=True)
    deadline_shard = UnicodeAttribute(null=True)
    # The per-token ping limit's fixed window (start epoch s) and its count: see ping_writes.
    ping_window = NumberAttribute(null=True)
    ping_hits = NumberAttribute(null=True)
    version = VersionAttribute()

    by_schedule = ByScheduleIndex()
    retired_by_schedule = RetiredByScheduleIndex()
    by_id = ByIdIndex()
    by_deadline = ByDeadlineIndex()

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.config_json)

    @property
    def state(self) -> dict[str, Any]:
        return json.loads(self.state_json or "{}")


# What the monitor list reads of a monitor (`monitors.routes.list_monitors`): its summary
# (name, type, status, tags, regions, created_at, the configuration's url, interval and group),
# the last check and what `monitors.now.fill_now` sums the uptime from (the rollup job's base
# and the result numbering). Not the evaluator state, hour summary, schedule or ping fields.
LISTED = (MonitorItem.account_id, MonitorItem.monitor_id, MonitorItem.name, MonitorItem.type,
          MonitorItem.config_json, MonitorItem.tags, MonitorItem.regions, MonitorItem.status,
          MonitorItem.created_at, MonitorItem.last_checked_at, MonitorItem.uptime_percentage,
          MonitorItem.uptime_base_hour, MonitorItem.uptime_base_checks,
          MonitorItem.uptime_base_failures, MonitorItem.result_seq)
_LISTED_NAMES = [attribute.attr_name for attribute in LISTED]


def get_monitor(account_id: str, monitor_id: str) -> MonitorItem | None:
    return get_or_none(MonitorItem, account_id, monitor_id)


def list_monitors(account_id: str) -> list[MonitorItem]:
    return list(MonitorItem.query(account_id))


def list_monitors_listed(account_id: str) -> list[MonitorItem]:
    """The account's monitors with only what the monitor list shows and reads (`LISTED`): one
    consistent Query with a projection, since every attribute is parsed on every item of every
    list, each item built by `base.read_item` (a third of PynamoDB's CPU for the same item).
    Consistent: a monitor created just before is in the list (`kernel.collapse` shares a list
    on that promise). For reading only: an item missing attributes must never be saved."""
    return query_items(MonitorItem, account_id, consistent_read=True,
                       attributes_to_get=_LISTED_NAMES)


def find_by_id(monitor_id: str) -> MonitorItem | None:
    """A monitor by id alone, whatever its account (public routes only)."""
    for key in MonitorItem.by_id.query(monitor_id, limit=1):
        return get_monitor(key.account_id, monitor_id)
    return None


def due_entries(schedule_key: str):
    """The entries of one schedule key: keys, offset, regions, the mirrored verdict and what a
    check needs (config_json, type, result_seq), as `ByScheduleIndex` projects them."""
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
    last_response_ms = NumberAttribute(null=True)
    hour_summary_json = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    paused = BooleanAttribute(null=True)
    state_json = UnicodeAttribute(null=True)
    last_ping_at = UTCDateTimeAttribute(null=True)
    last_start_at = UTCDateTimeAttribute(null=True)
    deadline_at = NumberAttribute(null=True)
    deadline_shard = UnicodeAttribute(null=True)
    ping_window = NumberAttribute(null=True)
    ping_hits = NumberAttribute(null=True)
    result_seq = NumberAttribute(null=True)
    # Only read in conditions (a ping's cached copy is still current), never set here: a plain
    # number, so these updates do not bump it.
    version = NumberAttribute(null=True)


def mirror_state(account_id: str, monitor_id: str, status: str, region_status: dict,
                 degraded: bool, not_checked_slots: int = 0, steady: bool | None = None) -> bool:
    """Show the evaluator's verdict on the monitor (status, per-region status, degraded, the
    slots short of a quorum, and whether a passing result would be quiet:
    `expectations.is_steady`).

    Conditional on the monitor existing and not being paused: a verdict that lands after a pause
    must not turn a Paused monitor back to Up. False when skipped for either reason.
    """
    t = MonitorTelemetryItem
    shown = {"region_status": region_status, "degraded": degraded}
    if not_checked_slots:
        shown["not_checked_slots"] = not_checked_slots
    if steady is not None:
        shown["steady"] = steady
    state = json.dumps(shown)
    return update_if(
        t(account_id, monitor_id), [t.status.set(status), t.state_json.set(state)],
        t.monitor_id.exists() & (t.paused.does_not_exist() | (t.paused == False)))  # noqa: E712


def set_result_seq(account_id: str, monitor_id: str, result_seq: int) -> bool:
    """Give a monitor created before numbering its number, once: False if it has one already
    (another worker got there first: read it) or is gone."""
    t = MonitorTelemetryItem
    return update_if(t(account_id, monitor_id), [t.result_seq.set(int(result_seq))],
                     t.monitor_id.exists() & t.result_seq.does_not_exist())


def overdue_jobs(shard: str, now_epoch: int):
    """Keys (account_id, monitor_id, deadline_at) of the Job monitors of one shard whose
    deadline is at or before `now_epoch`."""
    return MonitorItem.by_deadline.query(shard, MonitorItem.deadline_at <= now_epoch)


def _deadline_actions(monitor_id: str, deadline_epoch: int | None) -> list:
    t = MonitorTelemetryItem
    if deadline_epoch is None:
        return [t.deadline_at.remove(), t.deadline_shard.remove()]
    return [t.deadline_at.set(deadline_epoch), t.deadline_shard.set(deadline_shard(monitor_id))]


def move_deadline(account_id: str, monitor_id: str, expected: int,
                  deadline_epoch: int | None) -> bool:
    """Move a missed deadline on (None: clear it), only if it is still `expected` (a ping, a
    pause or another sweep did not move it meanwhile)."""
    t = MonitorTelemetryItem
    return update_if(t(account_id, monitor_id), _deadline_actions(monitor_id, deadline_epoch),
                      t.monitor_id.exists() & (t.deadline_at == expected))
