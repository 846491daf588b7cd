"""Job pings, expiring with the plan's data retention.

A ping is first an entry (`encode_entry`: compact JSON) in its job's state item's buffer
(`storage.job_states`), written by the ping's one UpdateItem; a full buffer is written here as
ONE chunk item (`entries`, keyed by its first entry) before the ping that empties it. A ping
too big for an entry (a long message) is an item of its own, as every ping was before chunks.
Every ping keeps its id (its key "<epoch ms:015d>#<random>") wherever it is stored.

Access patterns (hash monitor_id, range ping_key "<epoch ms:015d>#<random>"):
- store a chunk: PutItem on condition that its key is new or holds fewer entries (a retry, or
  a process that read an older buffer, never replaces a longer chunk by a shorter one)
- store a single ping: PutItem (its key is fixed before any retry: a resend rewrites it)
- a monitor's pings newest first (history, run ids): Query(monitor_id) newest first over a
  range-key BETWEEN on the zero-padded epoch prefix, plus the one chunk that may start before
  the range (Query, key below it, newest first, limit 1); the buffer comes from the job state
- cascade delete: Query(monitor_id) for keys only + BatchWriteItem deletes
- expiry: the TTL attribute `expires_at` (a chunk's: its newest entry's)
"""
from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator

from pynamodb.attributes import (ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.models import Model

from chalicelib.storage.base import save_if, table_meta

_LAST_MS = 10**15 - 1
# Past every random suffix in ASCII, so "<ms>#~" closes a BETWEEN over all pings of that ms.
_AFTER_ANY_SUFFIX = "~"


def ping_key(epoch_ms: int, suffix: str) -> str:
    return f"{int(epoch_ms):015d}#{suffix}"


class PingItem(Model):
    Meta = table_meta("pings")

    monitor_id = UnicodeAttribute(hash_key=True)
    ping_key = UnicodeAttribute(range_key=True)
    account_id = UnicodeAttribute()
    kind = UnicodeAttribute()                    # Success | Fail | Start | Log
    at = UTCDateTimeAttribute()
    method = UnicodeAttribute(null=True)
    runtime_ms = NumberAttribute(null=True)
    message = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    exit_status = NumberAttribute(null=True)     # /ping/{token}/{exit_status}: 0-255
    run_id = UnicodeAttribute(null=True)         # ?rid=: pairs a start with its finish
    expires_at = TTLAttribute()
    # A chunk (kind "Chunk"): the entries of a flushed buffer, oldest first, and how many.
    entries = ListAttribute(of=UnicodeAttribute, null=True)
    count = NumberAttribute(null=True)


CHUNK = "Chunk"
# Entry fields: (stored name, attribute). The time is the key's: not stored twice.
_ENTRY_FIELDS = (("k", "ping_key"), ("t", "kind"), ("m", "method"), ("r", "runtime_ms"),
                 ("x", "exit_status"), ("i", "run_id"), ("s", "source"), ("u", "user_agent"),
                 ("g", "message"))


def encode_entry(item: PingItem) -> str:
    """A ping as a compact buffer entry (JSON, None fields left out)."""
    fields = {short: getattr(item, name) for short, name in _ENTRY_FIELDS}
    return json.dumps({k: (int(v) if isinstance(v, float) else v)
                       for k, v in fields.items() if v is not None},
                      separators=(",", ":"), ensure_ascii=False)


def key_time(key: str) -> datetime:
    return datetime.fromtimestamp(int(key.split("#", 1)[0]) / 1000, timezone.utc)


@dataclass(frozen=True)
class Entry:
    """A buffer entry with its JSON parsed, once per ping for every reader of the buffer (the
    retention filter, the run id's start, "ran too often"): its text, kept as stored, and its
    fields."""
    text: str
    fields: dict

    @property
    def time(self) -> datetime:
        return key_time(self.fields["k"])


def parse_buffer(buffer: Iterable[str] | None) -> list[Entry]:
    """A job state's buffer, each entry parsed."""
    return [Entry(text, json.loads(text)) for text in buffer or []]


def decode_entry(monitor_id: str, account_id: str, text: str) -> PingItem:
    """An entry as the ping item it stands for (unsaved, no expiry)."""
    return _decoded(monitor_id, account_id, json.loads(text))


def _decoded(monitor_id: str, account_id: str, fields: dict) -> PingItem:
    values = {name: fields.get(short) for short, name in _ENTRY_FIELDS}
    key = values.pop("ping_key")
    return PingItem(monitor_id, key, account_id=account_id, at=key_time(key), **values)


def chunk_item(monitor_id: str, account_id: str, entries: list[str],
               expires_at: datetime) -> PingItem:
    """The pings table's item for a flushed buffer: keyed by its first entry, so the same
    buffer always lands on the same key."""
    first = json.loads(entries[0])["k"]
    return PingItem(monitor_id, first, account_id=account_id, kind=CHUNK, at=key_time(first),
                    entries=list(entries), count=len(entries), expires_at=expires_at)


def store_chunk(chunk: PingItem) -> bool:
    """Write a flushed buffer; False (nothing written) when a chunk at least as long is there
    already (a retry, or another process flushed the same buffer with more entries)."""
    return save_if(chunk, chunk_condition(chunk))


def chunk_condition(chunk: PingItem):
    """A chunk is written unless one at least as long is there already."""
    return PingItem.ping_key.does_not_exist() | (PingItem.count < int(chunk.count))


def store_single(item: PingItem) -> None:
    item.save()


def pings_of(item: PingItem) -> list[PingItem]:
    """The pings a stored item holds: itself, or a chunk's entries."""
    if item.kind != CHUNK:
        return [item]
    return [decode_entry(item.monitor_id, item.account_id, e) for e in item.entries or []]


def _range(start_ms: int | None, end_ms: int | None):
    low = ping_key(start_ms if start_ms is not None else 0, "")
    high = ping_key(end_ms if end_ms is not None else _LAST_MS, _AFTER_ANY_SUFFIX)
    return PingItem.ping_key.between(low, high)


def _stored_newest_first(monitor_id: str, start_ms: int | None, end_ms: int | None
                         ) -> Iterator[PingItem]:
    """The stored items that may hold pings of [start_ms, end_ms], newest first: those keyed in
    the range, then the newest one keyed before it (a chunk starting before `start_ms` may hold
    later pings; chunks never overlap, so only that one can)."""
    yield from PingItem.query(monitor_id, _range(start_ms, end_ms), scan_index_forward=False)
    if start_ms:
        yield from PingItem.query(monitor_id, PingItem.ping_key < ping_key(start_ms, ""),
                                  scan_index_forward=False, limit=1)


def newest_first(monitor_id: str, account_id: str, buffer: Iterable[Entry],
                 start_ms: int | None = None, end_ms: int | None = None) -> Iterator[PingItem]:
    """A monitor's pings within [start_ms, end_ms] (inclusive), newest first: its job state's
    `buffer` (`parse_buffer`) merged with the pings table's chunks and single items, read lazily (a caller that
    stops early reads no further page). A ping in both (a flush racing a reader) is given once."""
    low = -1 if start_ms is None else start_ms
    high = _LAST_MS if end_ms is None else end_ms
    newest = lambda p: p.ping_key  # noqa: E731
    buffered = sorted((_decoded(monitor_id, account_id, e.fields) for e in buffer), key=newest,
                      reverse=True)
    stored = (p for item in _stored_newest_first(monitor_id, start_ms, end_ms)
              for p in sorted(pings_of(item), key=newest, reverse=True))
    seen: set[str] = set()
    for ping in heapq.merge(buffered, stored, key=newest, reverse=True):
        ms = int(ping.ping_key.split("#", 1)[0])
        if ping.ping_key in seen or not low <= ms <= high:
            continue
        seen.add(ping.ping_key)
        yield ping


def delete_pings(monitor_id: str) -> int:
    """Delete every ping of a monitor (Query + batch deletes, never a scan); how many."""
    deleted = 0
    with PingItem.batch_write() as batch:
        for key in PingItem.query(monitor_id, attributes_to_get=["monitor_id", "ping_key"]):
            batch.delete(key)
            deleted += 1
    return deleted
