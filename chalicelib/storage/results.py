"""The reads of check results and their hourly rollups.

Results: the compact minute items of the monitor's result shard (table result-batches,
`result_batches.minutes_between`): `monitor_results`, and `count_monitor_results` with the
rollups below for whole rolled-up hours. Nothing is stored per check (E16 point 3).

Access patterns, check-rollups (`CheckRollupItem`; range bucket "h#<hour epoch:011d>"):
- an hour rolled up by the hourly job (checks/rollup_job.py): ONE PutItem per result shard of
  every monitor's exact sums from the minute items (hash: the shard key, `shard_hour_item`,
  `monitors_json`), with the per-region checks; a rerun overwrites the same
- a day closed by the job (its last hour rolled up): per monitor with results that day ONE
  PutItem of its hours ("h#<day epoch>#day", `day_item`, `hours_json`) from the shard's hour
  items of the day (one Query of the shard's keys)
- before day items, the job wrote an item per monitor and hour ("h#<hour>", the counts as
  attributes, `regions_json`): still read where they are, until they expire
- a period's rollups (`rollups_between`): Query(monitor_id) with bucket BETWEEN the first
  hour's day and the last hour (day items and hourly items alike), plus, for the hours of the
  day still open (`open_day`: rolled up, day not closed), Query(shard) over those hours; for
  the hours after the rollup job's cursor, the shard's minute items are summed instead
  (`monitor_rollups`)
- given hours of many monitors (the overview: the hours a monitor's hour summary does not
  hold; the rollup job: the hours a shard's summaries drop): BatchGetItem of the hourly,
  day and shard-hour keys that may hold them, 100 per call (`rollups_at`)
- cascade delete: Query(monitor_id) for keys only + BatchWriteItem deletes (a shard's hour
  items expire); expiry: the TTL attribute `expires_at`, from the plan's data retention

Access patterns, status changes of Job monitors (`StatusChangeItem`, in the check-rollups table
under the monitor with range key "s#<epoch:011d>#<new status>", so the "h#" rollup ranges never
see them):
- record one: a PutItem inside the evaluator's transaction that commits the change (one write
  per status change, never per ping); its key is its identity, so a retry rewrites it
- a window's changes: Query(monitor_id) with the range key BETWEEN the window's ends; the
  monitor list remembers a job's changes per process while its evaluator state's version
  stays the one read before them (`monitors.job_status.listed_job_uptimes`)
- cascade delete: with the rollups (the same Query over the monitor's keys)
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import groupby
from typing import Any, Iterator, NamedTuple

from pynamodb.attributes import (NumberAttribute, TTLAttribute,
                                 UnicodeAttribute)
from pynamodb.models import Model

from chalicelib.kernel import stats
from chalicelib.storage import result_batches as batches
from chalicelib.storage.base import table_meta

LAST_SLOT = 10**11 - 1  # the largest epoch an 11-digit slot key holds (year 5138)
HOUR = stats.SECONDS_PER_HOUR


def bucket_key(hour_epoch: int) -> str:
    return f"h#{int(hour_epoch):011d}"


def histogram_attribute(index: int) -> str:
    return f"h{index:02d}"


# The histogram is one top-level number attribute per bucket (h00..h44), not a map: DynamoDB's
# `ADD hist.h07 :one` fails when the map `hist` does not exist yet, and creating it first would
# need a read or a second conditional write per result. `ADD h07 :one` on a top-level attribute
# creates it at 0 + 1, so one UpdateItem stays atomic. Buckets never hit are simply absent.
_HistogramAttributes = type("_HistogramAttributes", (), {
    histogram_attribute(i): NumberAttribute(null=True) for i in range(stats.BUCKET_COUNT)})


class CheckRollupItem(_HistogramAttributes, Model):
    Meta = table_meta("check-rollups")

    monitor_id = UnicodeAttribute(hash_key=True)
    bucket = UnicodeAttribute(range_key=True)
    checks = NumberAttribute(default=0)
    failures = NumberAttribute(default=0)
    rt_count = NumberAttribute(default=0)     # checks with a response time (the histogram's total)
    rt_sum_ms = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)
    # {"EuWest": checks, ...}: the hour's checks per region, written by the hourly rollup job
    # (checks/rollup_job.py) for totalCount with a region filter; None on ADD-counted rollups.
    regions_json = UnicodeAttribute(null=True)
    # Written by the job since one item per monitor and hour cost a write unit each: a day of
    # the monitor's hours ("h#<day epoch>#day": {"<hour of the day>": `hour_row`}), or, under a
    # result shard's key instead of a monitor's, an hour of the shard's monitors
    # ({"<index>": `hour_row`}). See `day_item`, `shard_hour_item`.
    hours_json = UnicodeAttribute(null=True)
    monitors_json = UnicodeAttribute(null=True)

    @property
    def hour_epoch(self) -> int:
        return int(self.bucket.split("#")[1])     # a day item's: its day's first hour

    @property
    def histogram(self) -> list[int]:
        return [int(getattr(self, histogram_attribute(i)) or 0) for i in range(stats.BUCKET_COUNT)]


# --- hours packed by day and by shard (what the rollup job writes) -------------------------

DAY = 24 * HOUR


def day_of(hour_epoch: int) -> int:
    return int(hour_epoch) // DAY * DAY


def day_key(day_epoch: int) -> str:
    """Sorts right after the day's first hour key, so a Query of hour keys from a day's start
    finds the day's item too."""
    return f"{bucket_key(day_epoch)}#day"


@dataclass
class StoredHour(batches.LiveRollup):
    """One hour of one monitor read from a day or shard-hour item: what `CheckRollupItem`
    holds of an hour (`stats.RollupLike`, `hour_epoch`, `regions_json`)."""
    regions_json: str | None = None


def hour_row(rollup) -> list:
    """`[checks, failures, rtCount, rtSum, {bucket: count}, {region: checks}]` of one hour,
    from a rollup with its checks per region (`regions`, as the rollup job sums them)."""
    return [int(rollup.checks), int(rollup.failures), int(rollup.rt_count),
            int(rollup.rt_sum_ms), {str(i): n for i, n in enumerate(rollup.histogram) if n},
            dict(sorted(rollup.regions.items()))]


def read_hour_row(hour_epoch: int, row: list) -> StoredHour:
    checks, failures, rt_count, rt_sum, buckets, regions = row
    histogram = [0] * stats.BUCKET_COUNT
    for i, n in buckets.items():
        histogram[int(i)] = int(n)
    return StoredHour(checks, failures, rt_count, rt_sum, histogram, hour_epoch=int(hour_epoch),
                      regions_json=json.dumps(regions))


def _dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def shard_hour_item(shard: str, hour_epoch: int, rows: dict[int, list], expires_at: datetime
                    ) -> CheckRollupItem:
    """An hour of a result shard's monitors (`hour_row` by index): ~60 bytes a monitor, so
    one write unit holds about 15 monitors' hour where a monitor's own item took one."""
    return CheckRollupItem(shard, bucket_key(hour_epoch), expires_at=expires_at,
                           monitors_json=_dumps({str(i): r for i, r in sorted(rows.items())}))


def day_item(monitor_id: str, day_epoch: int, rows: dict[int, list], expires_at: datetime
             ) -> CheckRollupItem:
    """A day of a monitor's hours (`hour_row` by hour epoch): one or two write units a day."""
    return CheckRollupItem(monitor_id, day_key(day_epoch), expires_at=expires_at,
                           hours_json=_dumps({str((h - day_epoch) // HOUR): r
                                              for h, r in sorted(rows.items())}))


def shard_hours(shard: str, first_hour: int, last_hour: int) -> list[CheckRollupItem]:
    """The shard's hour items of first_hour..last_hour, oldest first: ONE Query (consistent:
    the job reads the day's hours right after writing its last)."""
    if first_hour > last_hour:
        return []
    return list(CheckRollupItem.query(
        shard, CheckRollupItem.bucket.between(bucket_key(first_hour), bucket_key(last_hour)),
        consistent_read=True))


def shard_rows(item: CheckRollupItem) -> dict[int, list]:
    """A shard's hour item's `hour_row`s by index."""
    return {int(i): row for i, row in json.loads(item.monitors_json or "{}").items()}


def rows_of_index(item: CheckRollupItem, index: int) -> list | None:
    return shard_rows(item).get(int(index))


def _hours_in(item: CheckRollupItem) -> list:
    """The hours an item of a monitor holds: a day item's, or the hour of an hourly one."""
    if not item.hours_json:
        return [item]
    day = int(item.bucket.split("#")[1])
    return [read_hour_row(day + int(offset) * HOUR, row)
            for offset, row in json.loads(item.hours_json).items()]


def open_day(rolled: int | None) -> int | None:
    """The first hour whose rollup is only in its shard's hour item, not yet in a day item:
    the day of the hour after the cursor (the job writes a day's items with its last hour)."""
    return None if rolled is None else day_of(rolled + HOUR)


# Status changes are kept past the longest window any uptime covers (90 days: stats, badges and
# status pages), whatever the plan's retention: without one, a window could not tell how it began.
STATUS_CHANGE_KEEP_SECONDS = 92 * 24 * 3600


def change_key(at_epoch: int, after: str) -> str:
    return f"s#{int(at_epoch):011d}#{after}"


class StatusChangeItem(Model):
    """A Job monitor's status change (Up/Down/Pending), for its time-based uptime."""
    Meta = table_meta("check-rollups")

    monitor_id = UnicodeAttribute(hash_key=True)
    bucket = UnicodeAttribute(range_key=True)
    before = UnicodeAttribute()
    after = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)

    @property
    def at(self) -> int:
        return int(self.bucket.split("#")[1])


def status_change_item(monitor_id: str, at_epoch: int, before: str, after: str
                       ) -> StatusChangeItem:
    return StatusChangeItem(monitor_id, change_key(at_epoch, after), before=before, after=after,
                            expires_at=datetime.fromtimestamp(
                                at_epoch + STATUS_CHANGE_KEEP_SECONDS, timezone.utc))


def status_changes_between(monitor_id: str, start_epoch: int, end_epoch: int,
                           consistent: bool = False) -> list[StatusChangeItem]:
    """The monitor's status changes at start_epoch..end_epoch (inclusive), oldest first.
    `consistent`: a strongly consistent Query (for a reader that remembers the answer)."""
    low, high = max(start_epoch, 0), min(end_epoch, LAST_SLOT)
    if low > high:
        return []
    return list(StatusChangeItem.query(
        monitor_id, StatusChangeItem.bucket.between(change_key(low, ""), change_key(high, "~")),
        consistent_read=consistent))


def _epoch_window(start_epoch: int | None, end_epoch: int | None) -> tuple[int, int] | None:
    """[low, high] clamped to what an 11-digit key holds; None for an empty window (DynamoDB
    refuses an inverted BETWEEN, so an empty window asks nothing)."""
    low_epoch = max(start_epoch if start_epoch is not None else 0, 0)
    high_epoch = min(end_epoch if end_epoch is not None else LAST_SLOT, LAST_SLOT)
    return (low_epoch, high_epoch) if low_epoch <= high_epoch else None


# --- a monitor's results and rollups, read from the compact minute items (result_batches) ---

class Unread:
    """The rollup cursor not read yet: a reader reads it itself (`cursor`)."""


UNREAD = Unread()


def cursor(rolled: int | None | Unread = UNREAD) -> int | None:
    """The rollup cursor (`result_batches.rolled_through`): as passed by a caller that reads
    many monitors' rollups (a report, the metrics: ONE GetItem per run instead of one or two
    per monitor), else read now. A cursor read at the start of a request may lag the job by
    the request's length: the hours it moved past are then summed from their minute items,
    which give the same sums as the rollups written from them, so the answers do not change."""
    return batches.rolled_through() if isinstance(rolled, Unread) else rolled


class FoundResult(NamedTuple):
    """One recorded result of a monitor: its region (from the minute item) and its entry."""
    region: str
    entry: batches.CompactResult


def _monitor_window(monitor: Any, start_epoch: int | None, end_epoch: int | None
                    ) -> tuple[int, int] | None:
    """`_epoch_window`, starting no earlier than the minute the monitor was created: nothing
    of it is older, so no minute item before it is read."""
    created = int(monitor.created_at.timestamp()) // 60 * 60
    return _epoch_window(max(created, start_epoch if start_epoch is not None else 0), end_epoch)


def monitor_results(monitor: Any, start_epoch: int | None = None, end_epoch: int | None = None,
                    region: str | None = None) -> Iterator[FoundResult]:
    """The monitor's results scheduled at start_epoch..end_epoch (inclusive), newest slot
    first (one slot's regions in descending name order, as the per-check keys sorted), lazily:
    the shard's minute items are queried newest first a page at a time, so a caller that has
    enough stops reading. Each minute's items (every region and request group) are gathered
    before its entries are given, since a minute's keys are in region order, not slot order."""
    place, window = batches.place_of(monitor), _monitor_window(monitor, start_epoch, end_epoch)
    if place is None or window is None:
        return
    (shard, index), (low, high) = place, window
    items = batches.minutes_between(shard, low // 60, high // 60, newest_first=True,
                                    region=region)
    for _, minute in groupby(items, key=lambda item: item.minute):
        found = [FoundResult(item.region, entry) for item in minute for entry in item.results()
                 if entry.index == index and low <= entry.slot <= high]
        yield from sorted(found, key=lambda f: (f.entry.slot, f.region), reverse=True)


def count_monitor_results(monitor: Any, start_epoch: int | None = None,
                          end_epoch: int | None = None, region: str | None = None,
                          rolled: int | None | Unread = UNREAD) -> int:
    """How many results `monitor_results` gives, without reading them all: whole hours the
    rollup job has rolled up are summed from their rollups (`checks`; with a region, that
    region's count in `regions_json`), one Query of at most a few thousand small items; the
    rest (the partial hours at the window's ends, the live hours after the job's cursor, and
    a rolled hour whose rollup has no per-region counts) is counted from the minute items.
    `rolled`: the rollup cursor if the caller has read it (`cursor`), else it is read here."""
    place, window = batches.place_of(monitor), _monitor_window(monitor, start_epoch, end_epoch)
    if place is None or window is None:
        return 0
    low, high = window
    first_whole = -(-low // HOUR) * HOUR             # the first hour starting at or after low
    last_whole = (high + 1) // HOUR * HOUR - HOUR    # the last hour ending by high
    rolled = cursor(rolled)
    last_rolled = last_whole if rolled is None else min(last_whole, rolled)
    if rolled is None or first_whole > last_rolled:   # nothing rolled up inside: count it all
        return _count_minutes(*place, low, high, region)
    total, unsplit = 0, []
    for rollup in rollups_between(monitor.monitor_id, first_whole, last_rolled, place, rolled):
        checks = _checks_in(rollup, region)
        if checks is None:
            unsplit.append(rollup.hour_epoch)
        total += checks or 0
    spans = [(low, first_whole - 1), (last_rolled + HOUR, high),
             *((hour, hour + HOUR - 1) for hour in unsplit)]
    return total + sum(_count_minutes(*place, a, b, region) for a, b in spans if a <= b)


def _checks_in(rollup: CheckRollupItem, region: str | None) -> int | None:
    """The rollup's checks (of `region` only, if given); None if it does not split them."""
    if region is None:
        return int(rollup.checks)
    regions = getattr(rollup, "regions_json", None)
    return None if regions is None else int(json.loads(regions).get(region, 0))


def _count_minutes(shard: str, index: int, low: int, high: int, region: str | None) -> int:
    return sum(1 for item in batches.minutes_between(shard, low // 60, high // 60,
                                                     region=region)
               for entry in item.results() if entry.index == index and low <= entry.slot <= high)


def monitor_rollups(monitor: Any, first_hour: int, last_hour: int,
                    rolled: int | None | Unread = UNREAD) -> list[stats.RollupLike]:
    """The monitor's rollups for first_hour..last_hour (hour epochs, inclusive), oldest first:
    the stored ones of the hours the rollup job has rolled up (`rolled_through`), and for the
    later ("live") hours rollups summed from the minute items (`rollups_from_minutes`), so
    /stats, badges, status pages and reports count the current hour before the job rolls it
    up. Cost: one Query of rollups, one GetItem of the cursor (none when the caller passes the
    one it read: `rolled`, see `cursor`), and one Query of the shard's live minutes (an hour
    or two of them, from the monitor's creation at the earliest)."""
    rolled = cursor(rolled)
    place = batches.place_of(monitor)
    stored = [] if rolled is None or rolled < first_hour else \
        rollups_between(monitor.monitor_id, first_hour, min(last_hour, rolled), place, rolled)
    live_first = max(first_hour, stats.hour_of(monitor.created_at.timestamp()),
                     first_hour if rolled is None else rolled + HOUR)
    if place is None or live_first > last_hour:
        return list(stored)
    shard, index = place
    by_hour: dict[int, list[batches.CompactResult]] = defaultdict(list)
    for item in batches.minutes_between(shard, live_first // 60, (last_hour + HOUR) // 60 - 1,
                                        newest_first=False):
        by_hour[stats.hour_of(item.minute * 60)] += item.results()
    return [*stored, *batches.rollups_from_minutes(index, by_hour)]


def rollups_between(monitor_id: str, start_hour: int, end_hour: int,
                    place: tuple[str, int] | None = None, rolled: int | None = None) -> list:
    """The rollups of a monitor for the hours start_hour..end_hour (epochs, inclusive), oldest
    first; hours without results have none. ONE Query of the monitor's rollup items from the
    start's day: its day items (expanded) and the hourly items the job wrote before day items;
    and, for the hours of the day still open (`open_day`, with the monitor's `place` and the
    cursor `rolled`), ONE Query of its shard's hour items."""
    if start_hour > end_hour:
        return []
    by_hour: dict[int, Any] = {}
    for item in CheckRollupItem.query(monitor_id, CheckRollupItem.bucket.between(
            bucket_key(day_of(start_hour)), bucket_key(end_hour) + "#~")):
        for rollup in _hours_in(item):
            if start_hour <= rollup.hour_epoch <= end_hour:
                by_hour.setdefault(rollup.hour_epoch, rollup)
    if place is not None and rolled is not None:
        shard, index = place
        for item in shard_hours(shard, max(start_hour, open_day(rolled)), min(end_hour, rolled)):
            row = rows_of_index(item, index)
            if row is not None:
                by_hour.setdefault(item.hour_epoch, read_hour_row(item.hour_epoch, row))
    return [by_hour[h] for h in sorted(by_hour)]


# What the overview reads of a rollup: its counts and response-time sum, not the histogram
# (the packed items' rows hold them with it).
_COUNTING = ["monitor_id", "bucket", "checks", "failures", "rt_count", "rt_sum_ms", "hours_json",
             "monitors_json"]
BATCH_GET_KEYS = 100   # DynamoDB's limit per BatchGetItem


def rollups_at(keys: list[tuple[str, int]], places: dict[str, tuple[str, int]] | None = None,
               rolled: int | None = None) -> dict[tuple[str, int], Any]:
    """The rollups of the given (monitor_id, hour epoch) pairs, by pair: one BatchGetItem per
    100 item keys (PynamoDB splits and retries unprocessed ones). An hour is looked for in
    its monitor's hourly item (written before day items), in its day item once its day is
    closed, and in its shard's hour item (`places`: monitor_id -> (shard, index)) while its
    day is open (`open_day` of the cursor `rolled`). Hours without results have no entry."""
    first_open = open_day(rolled)
    wanted: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for monitor_id, hour in keys:
        place = (places or {}).get(monitor_id)
        item_keys = [(monitor_id, bucket_key(hour))]
        if first_open is not None and hour < first_open:
            item_keys.append((monitor_id, day_key(day_of(hour))))
        elif place is not None and first_open is not None and hour <= int(rolled or 0):
            item_keys.append((place[0], bucket_key(hour)))
        for key in item_keys:
            wanted[key].append((monitor_id, hour))
    found: dict[tuple[str, int], Any] = {}
    for item in CheckRollupItem.batch_get(sorted(wanted), attributes_to_get=_COUNTING) \
            if wanted else []:
        # Decoded once per item, not per pair: a shard's hour item serves every monitor of
        # the shard asked for, a day item every hour of the day asked for.
        rows = shard_rows(item) if item.monitors_json else None
        hours = None if rows is not None else {r.hour_epoch: r for r in _hours_in(item)}
        for monitor_id, hour in wanted[(item.monitor_id, item.bucket)]:
            if rows is None:
                rollup = hours.get(hour)
            else:
                place = (places or {}).get(monitor_id)
                row = None if place is None else rows.get(place[1])
                rollup = None if row is None else read_hour_row(hour, row)
            if rollup is not None:
                found.setdefault((monitor_id, hour), rollup)
    return found


def _keys_of(model: type[Model], range_name: str, monitor_id: str) -> Iterator[Model]:
    return model.query(monitor_id, attributes_to_get=["monitor_id", range_name])


def delete_monitor_data(monitor_id: str) -> int:
    """Delete every rollup and status change of a monitor (Query + batch deletes, never a
    scan); the number of items deleted. Its compact results expire with their minute items
    (its index in its shard is never given again)."""
    deleted = 0
    with CheckRollupItem.batch_write() as batch:
        for key in _keys_of(CheckRollupItem, "bucket", monitor_id):
            batch.delete(key)
            deleted += 1
    return deleted
