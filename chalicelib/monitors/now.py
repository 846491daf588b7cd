"""What a checked monitor shows "now" (E16 point 3): its last check, last response time, 30-day
uptime and the counts of its current hours, from the shard heads the check worker keeps
(`storage/result_batches.py`) and what the hourly rollup job keeps of the monitor (the uptime
base, hour summary and last result it saw: on the shard's rolled item, or on the monitor item
for a monitor the job has not rolled up since it moved them there).

No write per check keeps these on the monitor any more: `fill_now` puts them on loaded monitor
items, in memory only, for the pages and routes that show them (the monitor list and detail,
the overview). Cost: ONE BatchGetItem for all the given monitors' heads (their shards × regions
× head parts) and their shards' rolled items (PynamoDB splits it by 100 keys). Job monitors are left as they are: their pings
keep their own fields.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from chalicelib.kernel import stats
from chalicelib.kernel.settings import REGION_NAMES
from chalicelib.storage import result_batches as batches
from chalicelib.storage.monitors import JOB


def fill_now(items: Iterable, now: datetime) -> None:
    """Set `last_checked_at`, `last_response_ms`, `uptime_percentage` and `head_hours` (hour
    epoch -> [checks, failures, rt_count, rt_sum_ms], summed over regions) on each checked
    monitor item from what the rollup job kept of it (`apply_rolled`) and its heads. A monitor
    without a number or without a head keeps what the job kept (`head_hours` empty)."""
    placed = []
    for item in items:
        if item.type == JOB:
            continue
        item.head_hours = {}
        place = batches.place_of(item)
        if place is not None:
            placed.append((item, *place))
    # The regions a monitor is checked from: a region it left keeps at most an hour of counts.
    keys = {(shard, region, batches.head_part(index))
            for item, shard, index in placed for region in _regions(item)}
    indexes: dict[str, set[int]] = {}
    for _, shard, index in placed:
        indexes.setdefault(shard, set()).add(index)
    heads, rolled = batches.heads_and_rolled(keys, indexes)
    for item, shard, index in placed:
        apply_rolled(item, rolled.get(shard, {}).get(index))
        part = batches.head_part(index)
        found = (heads.get((shard, batches.head_key(region, part)), {}).get(index)
                 for region in _regions(item))
        apply_heads(item, [entry for entry in found if entry is not None], now)


def _regions(item) -> list[str]:
    return list(item.regions or []) or list(REGION_NAMES)


def apply_heads(item, entries: list[batches.HeadEntry], now: datetime) -> None:
    """Put the monitor's head entries (one a region) on its item. Pure.

    The last check is the newest entry's if newer than the stored one (the job's). The uptime
    is the base the job stored (the 30-day window's hours before `uptime_base_hour`) plus the
    heads' counts of the hours from that one on; without a base, the heads' counts alone.
    Hours that left the 30-day window are not counted. A head keeps two hours: should the job
    fall further behind, the hours between its base and them are missing until it catches up."""
    first = stats.hour_of(now.timestamp()) - stats.UPTIME_WINDOW_SECONDS + stats.SECONDS_PER_HOUR
    hours: dict[int, list[int]] = {}
    for entry in entries:
        for hour, counts in entry.hours.items():
            if int(hour) < first:
                continue
            summed = hours.setdefault(int(hour), [0, 0, 0, 0])
            for i, value in enumerate(counts[:4]):
                summed[i] += int(value)
    item.head_hours = hours
    if entries:
        newest = max(entries, key=lambda e: e.checked_at)
        stored = item.last_checked_at
        if stored is None or newest.checked_at > stored.timestamp():
            item.last_checked_at = datetime.fromtimestamp(newest.checked_at, timezone.utc)
            item.last_response_ms = newest.response_time_ms
    base_hour = item.uptime_base_hour
    checks = int(item.uptime_base_checks or 0) if base_hour is not None else 0
    failures = int(item.uptime_base_failures or 0) if base_hour is not None else 0
    for hour, counts in hours.items():
        if base_hour is None or hour >= int(base_hour):
            checks, failures = checks + counts[0], failures + counts[1]
    if checks:
        item.uptime_percentage = stats.uptime_percentage(checks, failures)


def apply_rolled(monitor, entry: batches.RolledEntry | None) -> None:
    """Put what the job kept of a monitor on its item, in memory: the uptime base, hour
    summary, uptime and (if newer) last check. A monitor rolled up before the shard's rolled
    item carries them on its item: those are kept unless the entry is of a later hour. Pure
    (the item is changed, nothing is written): `fill_now` for the readers, and the rollup job
    for the summary it rolls on."""
    if entry is None or (monitor.uptime_base_hour is not None
                         and entry.base_hour < int(monitor.uptime_base_hour)):
        return
    monitor.uptime_base_hour = entry.base_hour
    monitor.uptime_base_checks, monitor.uptime_base_failures = entry.base_checks, \
        entry.base_failures
    monitor.uptime_percentage = stats.uptime_percentage(entry.base_checks, entry.base_failures)
    monitor.hour_summary_json = entry.summary
    stored = monitor.last_checked_at
    if entry.last_checked_at is not None and (
            stored is None or entry.last_checked_at > stored.timestamp()):
        monitor.last_checked_at = datetime.fromtimestamp(entry.last_checked_at, timezone.utc)
        monitor.last_response_ms = entry.last_response_ms
