"""What a checked monitor shows "now" (E16 point 3): its last check, last response time, 30-day
uptime and the counts of its current hours, from the shard heads the check worker keeps
(`storage/result_batches.py`) and what the hourly rollup job stored on the monitor.

No write per check keeps these on the monitor any more: `fill_now` puts them on loaded monitor
items, in memory only, for the pages and routes that show them (the monitor list and detail,
the overview). Cost: ONE BatchGetItem for all the given monitors' heads (their shards × regions
× head parts; PynamoDB splits it by 100 keys). Job monitors are left as they are: their pings
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
    monitor item from its heads. A monitor without a number or without a head keeps what the
    job stored (`head_hours` empty)."""
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
    heads = {(h.shard, h.key): h.entries() for h in batches.heads_of(keys)}
    for item, shard, index in placed:
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
