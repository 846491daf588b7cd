"""The hourly rollup job (E16 point 3): each settled hour's results, summed per monitor from the
shards' minute items, into the monitor's rollup of that hour (`CheckRollupItem`) and what the
monitor list and the overview read of it (the uptime base and the hour summary, on the monitor).

A few minutes past each hour it rolls up every hour after `rolled_through()` up to the last
settled one (at most MAX_HOURS_PER_RUN a run: a long outage catches up over several runs).
Per hour and result shard: one Query of the hour's minute items; one Query of the account's
monitors (cached for the run: the shard's are those whose `result_seq` falls in it); per monitor
with results one PutItem of its rollup (the exact sums, overwritten: a rerun writes the same),
one Query of its window's earlier rollups (for the uptime base and the summary; what the
per-check path read at each hour's first result) and ONE UpdateItem of its telemetry
(`monitors.store_rolled_hour`). Then, when every shard of the hour succeeded, the cursor moves.
No Scan: the shards come from their registry (one Query).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from chalice import Blueprint, Cron

from chalicelib.bus.check_requests import STALE_AFTER_SECONDS
from chalicelib.checks import hour_summary
from chalicelib.checks.results import retention_days_of
from chalicelib.kernel import stats
from chalicelib.kernel.runtime import runtime
from chalicelib.monitors.models import MAX_TIMEOUT_SECONDS
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import result_batches as batches
from chalicelib.storage import results as store

bp = Blueprint(__name__)
log = logging.getLogger("enori.rollups")

HOUR = stats.SECONDS_PER_HOUR
MAX_HOURS_PER_RUN = 48
# An hour is settled once no result of it can arrive any more: its last slot is sent until
# STALE_AFTER_SECONDS after its second, then may take the longest timeout, then its batch is
# written (a minute of margin). The schedule runs after that (minute 10 > 8 minutes).
SETTLE_SECONDS = STALE_AFTER_SECONDS + MAX_TIMEOUT_SECONDS + 60


@dataclass
class HourSums:
    """One monitor's results of one hour, as its rollup item holds them, per region too, and
    its newest result (checked_at epoch, response ms)."""
    checks: int = 0
    failures: int = 0
    rt_count: int = 0
    rt_sum_ms: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * stats.BUCKET_COUNT)
    regions: dict[str, int] = field(default_factory=dict)
    newest: tuple[int, int | None] | None = None

    def add(self, region: str, result: batches.CompactResult) -> None:
        self.checks += 1
        self.failures += 0 if result.ok else 1
        if result.response_time_ms is not None:
            self.rt_count += 1
            self.rt_sum_ms += int(result.response_time_ms)
            self.histogram[stats.bucket_index(result.response_time_ms)] += 1
        self.regions[region] = self.regions.get(region, 0) + 1
        at = result.checked_at if result.checked_at is not None else result.slot
        if self.newest is None or at > self.newest[0]:
            self.newest = (at, result.response_time_ms)


def sums_by_index(items) -> dict[int, HourSums]:
    """The minute items of an hour, summed per monitor index. Pure."""
    sums: dict[int, HourSums] = {}
    for item in items:
        region = item.region
        for result in item.results():
            sums.setdefault(result.index, HourSums()).add(region, result)
    return sums


def hours_to_roll(cursor: int | None, now_epoch: float) -> list[int]:
    """The hours this run rolls up, oldest first: those after the cursor up to the last
    settled one, at most MAX_HOURS_PER_RUN (without a cursor: the last MAX_HOURS_PER_RUN)."""
    last = stats.hour_of(now_epoch - SETTLE_SECONDS) - HOUR
    first = last - (MAX_HOURS_PER_RUN - 1) * HOUR if cursor is None else cursor + HOUR
    return list(range(first, min(last, first + (MAX_HOURS_PER_RUN - 1) * HOUR) + HOUR, HOUR))


class _Run:
    """What one run reads once: each account's monitors and retention."""

    def __init__(self) -> None:
        self._monitors: dict[str, list] = {}
        self._retention: dict[str, int] = {}

    def monitors_of(self, account_id: str, shard: str) -> dict[int, monitor_store.MonitorItem]:
        if account_id not in self._monitors:
            self._monitors[account_id] = monitor_store.list_monitors(account_id)
        placed = ((batches.shard_of(account_id, m.result_seq), m)
                  for m in self._monitors[account_id] if m.result_seq is not None)
        return {index: m for (key, index), m in placed if key == shard}

    def retention_days(self, account_id: str) -> int:
        if account_id not in self._retention:
            self._retention[account_id] = retention_days_of(account_id)
        return self._retention[account_id]


def roll_shard(shard: batches.ShardItem, hour: int, run: _Run) -> int:
    """Roll one shard's hour up; the number of monitors written."""
    minute = hour // 60
    sums = sums_by_index(batches.minutes_between(shard.key, minute, minute + 59,
                                                 newest_first=False))
    if not sums:
        return 0
    monitors = run.monitors_of(shard.account_id, shard.key)
    keep = timedelta(days=run.retention_days(shard.account_id))
    written = 0
    for index, hour_sums in sorted(sums.items()):
        monitor = monitors.get(index)
        if monitor is None:       # deleted: its entries expire with their items
            continue
        rollup = rollup_item(monitor.monitor_id, hour, hour_sums,
                             _epoch_dt(hour + HOUR) + keep)
        rollup.save()
        _store_telemetry(monitor, hour, rollup, hour_sums)
        written += 1
    return written


def rollup_item(monitor_id: str, hour: int, sums: HourSums,
                expires_at: datetime) -> store.CheckRollupItem:
    histogram = {store.histogram_attribute(i): n for i, n in enumerate(sums.histogram) if n}
    return store.CheckRollupItem(
        monitor_id, store.bucket_key(hour), checks=sums.checks, failures=sums.failures,
        rt_count=sums.rt_count, rt_sum_ms=sums.rt_sum_ms, expires_at=expires_at,
        regions_json=json.dumps(dict(sorted(sums.regions.items())), separators=(",", ":")),
        **histogram)


def _store_telemetry(monitor, hour: int, rollup: store.CheckRollupItem,
                     sums: HourSums) -> None:
    """The window after `hour`: its earlier hours from the monitor's rollups (the job wrote
    them in earlier runs; an eventually consistent Query may miss one written a moment ago in
    this catch-up, which the next hour's run corrects), `hour` from the rollup just built."""
    first = hour - (hour_summary.MONTH_HOURS - 2) * HOUR
    rollups = store.rollups_between(monitor.monitor_id, first, hour - HOUR) + [rollup]
    checks = sum(int(r.checks) for r in rollups)
    failures = sum(int(r.failures) for r in rollups)
    newest = sums.newest
    known = monitor.last_checked_at.timestamp() if monitor.last_checked_at else None
    last_check = None
    if newest is not None and (known is None or newest[0] > known):
        last_check = (_epoch_dt(newest[0]), newest[1])
    monitor_store.store_rolled_hour(
        monitor.account_id, monitor.monitor_id, base=(hour + HOUR, checks, failures),
        uptime=stats.uptime_percentage(checks, failures),
        hour_summary=hour_summary.summary_through(hour, rollups), last_check=last_check)


def roll_up(now: datetime, shards: Callable[[], list] = batches.all_shards) -> dict:
    """Roll up every hour due (see the module). Per hour, a shard that fails is logged and the
    others are still rolled; the cursor then stays before that hour and the run stops, so the
    next run redoes the whole hour (rewriting the same items is harmless: every write is an
    overwrite of exact sums) and no later hour is marked rolled past a missing one."""
    run, rolled, failed = _Run(), [], []
    hours = hours_to_roll(batches.rolled_through(), now.timestamp())
    every_shard = shards() if hours else []
    for hour in hours:
        for shard in every_shard:
            try:
                roll_shard(shard, hour, run)
            except Exception:   # noqa: BLE001 - one shard must not stop the others
                log.exception("rollup of shard %s, hour %s failed", shard.key, hour)
                failed.append(shard.key)
        if failed:
            break
        batches.set_rolled_through(hour)
        rolled.append(hour)
    return {"rolled": rolled, "failed": failed}


def _epoch_dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


@bp.schedule(Cron(10, "*", "*", "*", "?", "*"))
def run_rollups(event):
    done = roll_up(runtime.clock.now())
    log.info("hourly rollups: %s", done)
    return done
