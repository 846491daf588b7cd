"""The hourly rollup job (E16 point 3): each settled hour's results, summed per monitor from the
shards' minute items, into the hour's rollups (`storage/results.py`: one item of the shard's
monitors per hour, and one item of each monitor per day once the day is closed) and what the
monitor list and the overview read of them (the uptime base, the hour summary and the last
result: a `RolledEntry` per monitor on its shard's rolled item).

A few minutes past each hour it rolls up every hour after `rolled_through()` up to the last
settled one (at most MAX_HOURS_PER_RUN a run: a long outage catches up over several runs).
Per hour and result shard: one Query of the hour's minute items; one Query of the account's
monitors (cached for the run: the shard's are those whose `result_seq` falls in it); ONE PutItem
of the shard's hour item (the exact sums of every monitor, overwritten: a rerun writes the
same); with a day's last hour, one Query of the day's hour items and one PutItem per monitor of
its day (`close_day`); and ONE GetItem and ONE conditional PutItem of the shard's rolled item
(~200 bytes a monitor), the summaries rolled on from the previous hour's with the rollups of
the hours the windows drop: one BatchGetItem per 100 of them for the shard; a monitor without
a recent summary: one Query of its window's rollups. About 0.35 write units per monitor-hour
(bench/cost.py), where an item per monitor and hour and an UpdateItem of each ~1.5 KB monitor
item took 3. Then, when every shard of the hour succeeded, the cursor moves.
No Scan: the shards come from their registry (one Query).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from chalice import Blueprint, Cron

from chalicelib.bus.check_requests import STALE_AFTER_SECONDS
from chalicelib.checks import hour_summary
from chalicelib.checks.results import retention_days_of
from chalicelib.kernel import stats
from chalicelib.kernel.runtime import runtime
from chalicelib.monitors import now
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
# A summary this many hours old or less is rolled on (2 keys an hour between); older: a Query.
MAX_GAP_HOURS = 24


@dataclass
class HourSums(batches.LiveRollup):
    """One monitor's results of one hour, as its rollup item holds them, per region too, and
    its newest result (checked_at epoch, response ms)."""
    regions: dict[str, int] = field(default_factory=dict)
    newest: tuple[int, int | None] | None = None

    def add(self, region: str, result: batches.CompactResult) -> None:
        batches.count_result(self, result)
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
    """What one run reads once: each account's monitors (placed in their shards once, not
    again for each of the account's shards and hours) and retention."""

    def __init__(self) -> None:
        self._placed: dict[str, dict[str, dict[int, monitor_store.MonitorItem]]] = {}
        self._retention: dict[str, int] = {}

    def monitors_of(self, account_id: str, shard: str) -> dict[int, monitor_store.MonitorItem]:
        """The account's numbered monitors of `shard`, by index in it."""
        if account_id not in self._placed:
            placed: dict[str, dict[int, monitor_store.MonitorItem]] = {}
            for monitor in monitor_store.list_monitors(account_id):
                if monitor.result_seq is not None:
                    key, index = batches.shard_of(account_id, monitor.result_seq)
                    placed.setdefault(key, {})[index] = monitor
            self._placed[account_id] = placed
        return self._placed[account_id].get(shard, {})

    def retention_days(self, account_id: str) -> int:
        if account_id not in self._retention:
            self._retention[account_id] = retention_days_of(account_id)
        return self._retention[account_id]


def roll_shard(shard: batches.ShardItem, hour: int, run: _Run) -> int:
    """Roll one shard's hour up; the number of monitors written. The hour's sums of every
    monitor go in ONE item of the shard (`shard_hour_item`); with a day's last hour, each
    monitor's day goes in one item of its own (`close_day`): what readers Query per monitor."""
    minute = hour // 60
    sums = sums_by_index(batches.minutes_between(shard.key, minute, minute + 59,
                                                 newest_first=False))
    keep = timedelta(days=run.retention_days(shard.account_id))
    monitors = run.monitors_of(shard.account_id, shard.key) if sums else {}
    rolled = [(index, monitors[index], hour_sums) for index, hour_sums in sorted(sums.items())
              if index in monitors]      # not there: deleted; its entries expire with them
    for _, _, hour_sums in rolled:
        hour_sums.hour_epoch = hour
    if rolled:
        store.shard_hour_item(shard.key, hour, {i: store.hour_row(s) for i, _, s in rolled},
                              _epoch_dt(hour + HOUR) + keep).save()
    if (hour + HOUR) % store.DAY == 0:
        close_day(shard, hour + HOUR - store.DAY, run, _epoch_dt(hour + HOUR) + keep)
    if rolled:
        keep_rolled(shard.key, hour, rolled, monitors)
    return len(rolled)


def keep_rolled(shard_key: str, hour: int, rolled: list[tuple[int, object, HourSums]],
                monitors: dict) -> None:
    """The shard's rolled item with the summaries of the monitors `rolled` this hour rolled on
    (ONE GetItem and ONE PutItem on condition of the version read); raises if another run
    wrote it meanwhile (the shard's hour is then redone)."""
    stored = batches.rolled_of(shard_key)
    kept = stored.rolled_entries()
    for index, monitor, _ in rolled:
        now.apply_rolled(monitor, kept.get(index))
    summaries = _summaries(hour, [(monitor, hour_sums) for _, monitor, hour_sums in rolled])
    # Deleted monitors' entries go (their indexes are never given again).
    entries = {i: e for i, e in kept.items() if i in monitors}
    for index, monitor, hour_sums in rolled:
        entry = rolled_entry(monitor, hour, summaries[monitor.monitor_id], hour_sums)
        if index in entries and entries[index].base_hour > entry.base_hour:
            continue      # a later hour's is stored (a run that overlapped): never moved back
        entries[index] = entry
        now.apply_rolled(monitor, entry)      # a catch-up's next hour rolls this summary on
    if not batches.put_rolled(stored, entries):
        raise RuntimeError(f"the rolled item of shard {shard_key} was written meanwhile")


def _summaries(hour: int, rolled: list[tuple]) -> dict[str, str]:
    """Each monitor's summary through `hour`, by monitor id. A monitor whose summary is of a
    recent earlier hour rolls it on (`hour_summary.rolled_on`): the rollups of the hours its
    windows drop, for the whole shard in one BatchGetItem per 100 keys. Any other (a first
    summary, one from before the job, a long pause, a rerun of an hour) from one Query of its
    window's rollups."""
    previous = {}
    for monitor, _ in rolled:
        summary = hour_summary.parse(monitor.hour_summary_json)
        if summary is not None and hour - MAX_GAP_HOURS * HOUR <= summary.through < hour:
            previous[monitor.monitor_id] = summary
    keys = sorted({(monitor_id, h) for monitor_id, summary in previous.items()
                   for h in hour_summary.dropped_hours(summary, hour)})
    places = {monitor.monitor_id: batches.place_of(monitor) for monitor, _ in rolled}
    dropped: dict = {}
    for i in range(0, len(keys), store.BATCH_GET_KEYS):      # the hours before are rolled up
        dropped.update(store.rollups_at(keys[i:i + store.BATCH_GET_KEYS], places, hour - HOUR))
    texts = {}
    for monitor, rollup in rolled:
        summary = previous.get(monitor.monitor_id)
        if summary is not None:
            gone = {h: r for (m, h), r in dropped.items() if m == monitor.monitor_id}
            texts[monitor.monitor_id] = hour_summary.rolled_on(summary, hour, rollup, gone)
        else:
            first = hour - (hour_summary.MONTH_HOURS - 2) * HOUR
            earlier = store.rollups_between(monitor.monitor_id, first, hour - HOUR,
                                            places[monitor.monitor_id], hour - HOUR)
            texts[monitor.monitor_id] = hour_summary.summary_through(hour, earlier + [rollup])
    return texts


def close_day(shard: batches.ShardItem, day: int, run: _Run, expires_at: datetime) -> None:
    """Once a day's last hour is rolled up: each of the shard's monitors' hours of the day, from
    the shard's hour items (ONE Query), in one day item per monitor with results that day (one
    or two write units a day where an item per hour took 24)."""
    items = store.shard_hours(shard.key, day, day + store.DAY - HOUR)
    if not items:
        return
    monitors = run.monitors_of(shard.account_id, shard.key)
    rows: dict[int, dict[int, list]] = defaultdict(dict)
    for item in items:
        for index, row in store.shard_rows(item).items():
            rows[index][item.hour_epoch] = row
    written = [store.day_item(monitors[index].monitor_id, day, hours, expires_at)
               for index, hours in sorted(rows.items()) if index in monitors]
    for item in written:
        item.save()


def rolled_entry(monitor, hour: int, summary_text: str, sums: HourSums) -> batches.RolledEntry:
    """What the job keeps of a monitor once `hour` is rolled up: the window after it (its sums
    are the summary's month) and the newest result known (the hour's, if newer). Pure."""
    checks, failures = hour_summary.parse(summary_text).month
    known = int(monitor.last_checked_at.timestamp()) if monitor.last_checked_at else None
    last = (known, None if monitor.last_response_ms is None else int(monitor.last_response_ms))
    if sums.newest is not None and (known is None or sums.newest[0] > known):
        last = sums.newest
    return batches.RolledEntry(hour + HOUR, checks, failures, summary_text, *last)


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
