"""Compact check results (E16 point 3): one item per (result shard, minute, region, request
group) holding ~30 bytes per result, written once per group of a worker batch.

A result shard is up to SHARD_SIZE monitors of one account (`shard_of`): a monitor is given
the next number of its account when it is created (`MonitorItem.result_seq`), so its shard and
its index in it never change and an index is never reused (a deleted monitor's entries expire
with their items; nobody else reads them). The monitors of a shard are checked at the same
second of their minute (`scheduling.phase_for`), so their requests share messages and batches,
and one write carries up to a message's worth of results instead of one write per check.

Table result-batches (hash `shard`, range `key`). Items and access patterns:
- a minute of results (`ResultMinuteItem`), range "<minute epoch:011d>#<region>#<group>":
  PutItem on condition that the key does not exist (a redelivered request group writes nothing
  twice: the group is a hash of its requests, `group_of`); a monitor's results newest first:
  Query(shard) with the range BETWEEN two minutes, ScanIndexForward=False, keeping the entries
  of its index; an hour of a shard (the hourly rollup job, and readers summing the hours
  after the rollup cursor: `rollups_from_minutes`): the same Query over the hour.
  Expiry: `expires_at` (TTL) from the account plan's retention.
- a head (`ShardHeadItem`), range "head#<region>#<part>", one per HEAD_PART monitors: each
  monitor's last result and its two newest hours' counts (`HeadEntry`), what the monitor list
  and the overview show between two hourly rollups. Read: BatchGetItem of the heads of the
  listed monitors. Written by the worker after its minute items: ONE BatchGetItem
  (consistent) of every head its batch touches (`heads_for_update`), then per head a PutItem
  on condition of the version read (optimistic; a lost race re-reads it with a GetItem). It
  is a cache of the minute items (the rollup job recomputes everything from them), so it is
  small and bounded: ~22 bytes a monitor (`pack_heads`), HEAD_PART monitors an item (well
  under 1 KB: one write unit). Heads written before (JSON, `encode_head_entry`) still read.
- the shard's rolled item (`ShardRolledItem`), range "rolled": what the hourly rollup job
  keeps of each of the shard's monitors (`RolledEntry`: the uptime base, the hour summary and
  the last result it saw), ~200 bytes a monitor, so an hour costs the job one write unit per
  five monitors instead of an UpdateItem of each ~1.5 KB monitor item. Written by the job per
  shard and hour rolled: GetItem (consistent) and PutItem on condition of the version read.
  Read: with the heads, in the monitor list's one BatchGetItem (`heads_and_rolled`).
  Monitors rolled up before it carry the same fields on their item (read until the job's
  next hour of them writes their entry here).
- the shard registry (`ShardItem`), hash "shards", range the shard: PutItem when a shard's
  first monitor is created; the hourly rollup job's Query of all shards (no scan).
- the rollup cursor (`RolledItem`), hash "rolled", range "cursor": the last hour the rollup
  job finished (`rolled_through`); hours after it are "live": readers sum them from the minute
  items.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Mapping

from pynamodb.attributes import (BinaryAttribute, NumberAttribute, TTLAttribute,
                                 UnicodeAttribute)
from pynamodb.models import Model

from chalicelib.kernel import stats
from chalicelib.storage.base import get_or_none, save_if, table_meta

SHARD_SIZE = 100   # monitors per result shard
HEAD_PART = 25     # monitors per head item (packed, ~22 bytes each: one write unit)
LAST_MINUTE = 10**11 - 1
_AFTER_ANY = "~"   # sorts after every region and group: "<minute>#~" closes a minute
REGISTRY = "shards"
ROLLED = "rolled"


def shard_of(account_id: str, result_seq: int) -> tuple[str, int]:
    """(shard key, index in the shard) of the monitor numbered `result_seq` in its account."""
    number, index = divmod(int(result_seq), SHARD_SIZE)
    return f"{account_id}#{number}", index


def place_of(monitor) -> tuple[str, int] | None:
    """(shard key, index) of a monitor's results; None before it is numbered (no results)."""
    seq = getattr(monitor, "result_seq", None)
    return None if seq is None else shard_of(monitor.account_id, int(seq))


def minute_key(minute: int, region: str, group: str) -> str:
    return f"{int(minute):011d}#{region}#{group}"


def head_key(region: str, part: int) -> str:
    return f"head#{region}#{int(part)}"


def head_part(index: int) -> int:
    return int(index) // HEAD_PART


def group_of(requests: Iterable[tuple[str, int]]) -> str:
    """A request group's identity: a short hash of its (monitor id, slot) pairs, whatever
    their order, so a redelivered message makes the same key and its write is refused."""
    text = "\n".join(sorted(f"{m}:{int(s)}" for m, s in requests))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# --- the compact entry (pure) --------------------------------------------------------------

@dataclass(frozen=True)
class CompactResult:
    """One check result as a minute item keeps it. `slot` and `checked_at` are epoch seconds.
    `error` and `details` are kept for failures only (a passing check has no error text, and
    its details are not worth their bytes on every check)."""
    index: int
    slot: int
    ok: bool
    response_time_ms: int | None = None
    status_code: int | None = None
    error_code: str | None = None
    ssl_days_left: int | None = None
    checked_at: int | None = None
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def encode_entries(minute: int, results: list[CompactResult]) -> str:
    """`[index, slot - minute*60, ok, ms, status, errorCode, sslDays, checkedAt - slot]`, then
    `error, details` for a failure: about 30 bytes for a passing check."""
    base = int(minute) * 60
    rows = []
    for r in results:
        row: list[Any] = [r.index, r.slot - base, int(bool(r.ok)), r.response_time_ms,
                          r.status_code, r.error_code, r.ssl_days_left,
                          None if r.checked_at is None else r.checked_at - r.slot]
        if not r.ok:
            row += [r.error, r.details or {}]
        while row and row[-1] is None:   # trailing nulls cost bytes on every entry
            row.pop()
        rows.append(row)
    return json.dumps(rows, separators=(",", ":"), default=str)


def decode_entries(minute: int, text: str) -> list[CompactResult]:
    base = int(minute) * 60
    out = []
    for row in json.loads(text or "[]"):
        row = list(row) + [None] * (10 - len(row))
        index, slot_offset, ok, ms, code, error_code, ssl, checked, error, details = row[:10]
        slot = base + int(slot_offset)
        out.append(CompactResult(int(index), slot, bool(ok), ms, code, error_code, ssl,
                                 None if checked is None else slot + int(checked),
                                 error, details or {}))
    return out


# --- minute items --------------------------------------------------------------------------

class ResultMinuteItem(Model):
    Meta = table_meta("result-batches")

    shard = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    entries = UnicodeAttribute(default="[]")
    expires_at = TTLAttribute(null=True)

    @property
    def minute(self) -> int:
        return int(self.key.split("#", 1)[0])

    @property
    def region(self) -> str:
        return self.key.split("#")[1]

    def results(self) -> list[CompactResult]:
        return decode_entries(self.minute, self.entries)


def put_minute(shard: str, minute: int, region: str, group: str,
               results: list[CompactResult], expires_at: datetime) -> bool:
    """Write a request group's results of a minute once; False (nothing written) if that
    group's item exists already (a redelivery)."""
    item = ResultMinuteItem(shard, minute_key(minute, region, group),
                            entries=encode_entries(minute, results), expires_at=expires_at)
    return save_if(item, ResultMinuteItem.key.does_not_exist())


def minutes_between(shard: str, first_minute: int, last_minute: int, newest_first: bool = True,
                    region: str | None = None) -> Iterator[ResultMinuteItem]:
    """The shard's minute items of first_minute..last_minute (inclusive), lazily (a reader
    that has enough stops paging). `region`: that region's only (a filter: the region follows
    the minute in the key)."""
    low, high = max(int(first_minute), 0), min(int(last_minute), LAST_MINUTE)
    if low > high:
        return iter(())
    condition = ResultMinuteItem.key.between(f"{low:011d}#", f"{high:011d}#{_AFTER_ANY}")
    items = ResultMinuteItem.query(shard, condition, scan_index_forward=not newest_first)
    if region is None:
        return iter(items)
    return (i for i in items if i.region == region)


# --- heads ---------------------------------------------------------------------------------

@dataclass
class HeadEntry:
    """A monitor's last result in a region and its two newest hours' counts there."""
    slot: int                     # the last result's scheduled second
    checked_at: int               # when it was recorded (epoch s)
    ok: bool
    response_time_ms: int | None
    hours: dict[int, list[int]]   # hour epoch -> [checks, failures, rt_count, rt_sum_ms]


HOUR = 3600


def encode_head_entry(entry: HeadEntry) -> list:
    """`[slot, checkedAt - slot, ok, ms, [[hour / 3600, checks, failures, rtCount, rtSum]...]]`:
    the JSON layout heads were written in before `pack_heads` (about 70 bytes a monitor, so a
    head of HEAD_PART monitors took two write units). Read only: `ShardHeadItem.entries`."""
    return [entry.slot, entry.checked_at - entry.slot, int(entry.ok), entry.response_time_ms,
            [[hour // HOUR, *counts] for hour, counts in sorted(entry.hours.items())]]


def decode_head_entry(row: list) -> HeadEntry:
    slot, checked, ok, ms, hours = row
    return HeadEntry(slot, slot + checked, bool(ok), ms,
                     {h * HOUR: list(counts) for h, *counts in hours})


# --- the packed head (pure) -----------------------------------------------------------------
# A head is rewritten by every batch that checks one of its monitors, so its size is what a
# check pays: each number is a varint (7 bits a byte) relative to the head's newest hour, so
# a monitor takes about 22 bytes and a head of HEAD_PART monitors stays under one write unit
# (1 KB) instead of two. Layout: PACK_FORMAT, the base hour (hour / 3600), then per monitor:
# index, slot - base (zigzag), checkedAt - slot (zigzag), flags (1: ok, 2: has ms), [ms],
# the number of hours, and per hour: hour / 3600 - base hour (zigzag), checks, failures,
# checks - rtCount, rtSum.
PACK_FORMAT = 1
_OK, _HAS_MS = 1, 2


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _zigzag(value: int) -> int:
    return value * 2 if value >= 0 else -value * 2 - 1


def _unzigzag(value: int) -> int:
    return value // 2 if value % 2 == 0 else -(value + 1) // 2


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    def signed(self) -> int:
        return _unzigzag(self.varint())

    @property
    def done(self) -> bool:
        return self.at >= len(self.data)


def pack_heads(entries: dict[int, HeadEntry]) -> bytes:
    """The head's entries as bytes (see above): `unpack_heads` gives them back."""
    hours = [h for e in entries.values() for h in e.hours] + \
        [stats.hour_of(e.slot) for e in entries.values()]
    base = (max(hours) if hours else 0) // HOUR
    out = bytearray(_varint(PACK_FORMAT) + _varint(base))
    for index, e in sorted(entries.items()):
        flags = (_OK if e.ok else 0) | (_HAS_MS if e.response_time_ms is not None else 0)
        out += _varint(int(index)) + _varint(_zigzag(e.slot - base * HOUR))
        out += _varint(_zigzag(e.checked_at - e.slot)) + _varint(flags)
        if e.response_time_ms is not None:
            out += _varint(int(e.response_time_ms))
        out += _varint(len(e.hours))
        for hour, (checks, failures, rt_count, rt_sum) in sorted(e.hours.items()):
            out += _varint(_zigzag(hour // HOUR - base)) + _varint(int(checks))
            out += _varint(int(failures)) + _varint(int(checks) - int(rt_count))
            out += _varint(int(rt_sum))
    return bytes(out)


def unpack_heads(data: bytes) -> dict[int, HeadEntry]:
    read = _Reader(data)
    if read.varint() != PACK_FORMAT:
        raise ValueError("unknown head format")
    base = read.varint()
    entries: dict[int, HeadEntry] = {}
    while not read.done:
        index, slot = read.varint(), base * HOUR + read.signed()
        checked_at, flags = slot + read.signed(), read.varint()
        ms = read.varint() if flags & _HAS_MS else None
        hours = {}
        for _ in range(read.varint()):
            hour, checks, failures = (base + read.signed()) * HOUR, read.varint(), read.varint()
            rt_count, rt_sum = checks - read.varint(), read.varint()
            hours[hour] = [checks, failures, rt_count, rt_sum]
        entries[index] = HeadEntry(slot, checked_at, bool(flags & _OK), ms, hours)
    return entries


class ShardHeadItem(Model):
    Meta = table_meta("result-batches")

    shard = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    version = NumberAttribute(default=0)
    packed = BinaryAttribute(null=True, legacy_encoding=False)   # `pack_heads`
    # What a head written before `pack_heads` holds (read until its next write replaces it):
    # {"<index>": encode_head_entry(...)}
    entries_json = UnicodeAttribute(null=True)

    def entries(self) -> dict[int, HeadEntry]:
        if self.packed is not None:
            return unpack_heads(self.packed)
        return {int(i): decode_head_entry(row)
                for i, row in json.loads(self.entries_json or "{}").items()}


def get_head(shard: str, region: str, part: int) -> ShardHeadItem:
    """The head as stored (a consistent read), or a new empty one at version 0."""
    found = get_or_none(ShardHeadItem, shard, head_key(region, part))
    return found if found is not None else ShardHeadItem(shard, head_key(region, part))


def heads_for_update(keys: Iterable[tuple[str, str, int]]
                     ) -> dict[tuple[str, str, int], ShardHeadItem]:
    """The heads of the given (shard, region, part) triples as stored, by triple, for a
    conditional update (`put_head`): ONE consistent BatchGetItem for up to 100 (PynamoDB splits
    larger sets and retries unprocessed keys); a head not stored yet is a new one at version 0."""
    wanted = {(s, head_key(r, p)): (s, r, p) for s, r, p in keys}
    found = {(h.shard, h.key): h for h in ShardHeadItem.batch_get(sorted(wanted),
                                                                   consistent_read=True)} \
        if wanted else {}
    return {triple: found.get(key) or ShardHeadItem(*key) for key, triple in wanted.items()}


def _save_next_version(read: ShardHeadItem, **values) -> bool:
    """Save `read`'s item at its next version with `values`, on condition that it is still at
    the version read (absent when read at 0); False if another writer got there first."""
    model, read_version = type(read), int(read.version or 0)
    condition = model.key.does_not_exist() if read_version == 0 \
        else model.version == read_version
    return save_if(model(read.shard, read.key, version=read_version + 1, **values), condition)


def put_head(head: ShardHeadItem, entries: dict[int, HeadEntry]) -> bool:
    """Store `entries` on condition that the head is still at the version read; False if
    another writer got there first (re-read and retry)."""
    return _save_next_version(head, packed=pack_heads(entries))


# --- what the hourly rollup job keeps per monitor, one item per shard -----------------------

@dataclass(frozen=True)
class RolledEntry:
    """What the rollup job keeps of a monitor once it has rolled an hour up: the 30-day
    window's base (`base_hour`: the sums of the window's hours before it), its hour summary
    (`checks/hour_summary.py`, as text) and the newest result it saw (epoch s, ms)."""
    base_hour: int
    base_checks: int
    base_failures: int
    summary: str
    last_checked_at: int | None = None
    last_response_ms: int | None = None


def encode_rolled(entries: dict[int, RolledEntry]) -> str:
    """`{"<index>": [baseHour, checks, failures, summary, lastCheckedAt, lastMs]}`, the summary
    as a JSON value (not a string in a string: no escaped quotes)."""
    return json.dumps({str(i): [e.base_hour, e.base_checks, e.base_failures,
                                json.loads(e.summary), e.last_checked_at, e.last_response_ms]
                       for i, e in sorted(entries.items())}, separators=(",", ":"))


def decode_rolled(text: str | None, only: Iterable[int] | None = None
                  ) -> dict[int, RolledEntry]:
    """The entries of `encode_rolled`'s text; `only`: those of these indexes alone (the monitor
    list asks for a page's monitors, not every one of their shards')."""
    rows = json.loads(text or "{}")
    if only is not None:
        rows = {key: rows[key] for key in map(str, only) if key in rows}
    return {int(i): RolledEntry(int(hour), int(checks), int(failures),
                                json.dumps(summary, separators=(",", ":")), checked, ms)
            for i, (hour, checks, failures, summary, checked, ms) in rows.items()}


class ShardRolledItem(ShardHeadItem):
    """A head, or the shard's rolled item (range ROLLED_KEY): one model for both, so the monitor
    list reads a page's heads and their shards' rolled items in ONE BatchGetItem
    (`heads_and_rolled`)."""
    rolled_json = UnicodeAttribute(null=True)     # `encode_rolled`

    def rolled_entries(self, only: Iterable[int] | None = None) -> dict[int, RolledEntry]:
        return decode_rolled(self.rolled_json, only)


ROLLED_KEY = "rolled"


def rolled_of(shard: str) -> ShardRolledItem:
    """The shard's rolled item as stored (a consistent read), or a new one at version 0."""
    found = get_or_none(ShardRolledItem, shard, ROLLED_KEY)
    return found if found is not None else ShardRolledItem(shard, ROLLED_KEY)


def put_rolled(item: ShardRolledItem, entries: dict[int, RolledEntry]) -> bool:
    """Store the shard's entries on condition that the item is still at the version read;
    False if another run wrote it meanwhile."""
    return _save_next_version(item, rolled_json=encode_rolled(entries))


def heads_and_rolled(keys: Iterable[tuple[str, str, int]], indexes: Mapping[str, Iterable[int]]
                     ) -> tuple[dict[tuple[str, str], dict[int, HeadEntry]],
                                dict[str, dict[int, RolledEntry]]]:
    """The entries of the heads of the (shard, region, part) triples, by (shard, head key), and
    the entries of the given indexes of their shards' rolled items (`indexes`: by shard), by
    shard, as far as they exist: ONE BatchGetItem for up to 100 keys (PynamoDB splits larger
    sets and retries unprocessed keys)."""
    wanted = sorted({(s, head_key(r, p)) for s, r, p in keys}
                    | {(s, ROLLED_KEY) for s in indexes})
    heads: dict[tuple[str, str], dict[int, HeadEntry]] = {}
    rolled: dict[str, dict[int, RolledEntry]] = {}
    for item in (ShardRolledItem.batch_get(wanted) if wanted else []):
        if item.key == ROLLED_KEY:
            rolled[item.shard] = item.rolled_entries(indexes[item.shard])
        else:
            heads[(item.shard, item.key)] = item.entries()
    return heads, rolled


# --- registry and rollup cursor ------------------------------------------------------------

class ShardItem(Model):
    Meta = table_meta("result-batches")

    shard = UnicodeAttribute(hash_key=True)      # REGISTRY
    key = UnicodeAttribute(range_key=True)       # the result shard
    account_id = UnicodeAttribute()


def register_shard(shard: str, account_id: str) -> None:
    """Known to the hourly rollup job from now on (idempotent: the same item again)."""
    ShardItem(REGISTRY, shard, account_id=account_id).save()


def all_shards() -> list[ShardItem]:
    """Every result shard: one Query of the registry partition (no scan)."""
    return list(ShardItem.query(REGISTRY))


class RolledItem(Model):
    Meta = table_meta("result-batches")

    shard = UnicodeAttribute(hash_key=True)      # ROLLED
    key = UnicodeAttribute(range_key=True)       # "cursor"
    hour = NumberAttribute()


def rolled_through() -> int | None:
    """The last hour (epoch) whose rollups the job wrote for every shard; None: none yet."""
    found = get_or_none(RolledItem, ROLLED, "cursor")
    return None if found is None else int(found.hour)


def set_rolled_through(hour: int) -> None:
    RolledItem(ROLLED, "cursor", hour=int(hour)).save()


# --- live rollups ---------------------------------------------------------------------------

@dataclass
class LiveRollup(stats.Rollup):
    """One hour of one monitor summed from its minute entries: what `CheckRollupItem` holds
    (`stats.RollupLike` and `hour_epoch`), for an hour the rollup job has not written yet."""
    hour_epoch: int = 0


def rollups_from_minutes(index: int, by_hour: Mapping[int, Iterable[CompactResult]]
                         ) -> list[LiveRollup]:
    """The rollups of the monitor at `index` of a shard, oldest hour first, from the shard's
    entries by hour epoch (every index's: the others are left out). An hour without an entry
    of this monitor has no rollup, as the job writes none for it."""
    rollups = []
    for hour in sorted(by_hour):
        rollup = LiveRollup(hour_epoch=int(hour))
        for entry in by_hour[hour]:
            if entry.index == index:
                count_result(rollup, entry)
        if rollup.checks:
            rollups.append(rollup)
    return rollups


def count_result(rollup: LiveRollup, entry: CompactResult) -> None:
    """Count one result into a rollup-shaped sum (the live readers', the rollup job's)."""
    rollup.checks += 1
    rollup.failures += 0 if entry.ok else 1
    if entry.response_time_ms is not None:
        rollup.rt_count += 1
        rollup.rt_sum_ms += int(entry.response_time_ms)
        rollup.histogram[stats.bucket_index(entry.response_time_ms)] += 1
