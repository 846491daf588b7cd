"""Compact results put through the contract of E16 point 3 (storage/result_batches.py), as the
check worker writes them: a monitor's number, its minute items and its shard heads."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.kernel import stats
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import result_batches as batches

HOUR = 3600


def numbered(monitor_id: str) -> monitor_store.MonitorItem:
    """The monitor, numbered in its account and its shard registered (the creation does both
    once the worker's change is merged; then this only reads)."""
    item = monitor_store.find_by_id(monitor_id)
    if item.result_seq is None:
        taken = [m.result_seq for m in monitor_store.list_monitors(item.account_id)
                 if m.result_seq is not None]
        item.update(actions=[monitor_store.MonitorItem.result_seq.set(
            max(taken, default=-1) + 1)])
    batches.register_shard(batches.shard_of(item.account_id, item.result_seq)[0],
                           item.account_id)
    return monitor_store.find_by_id(monitor_id)


def put_results(item, region: str, results: list[tuple[int, bool, int | None]]) -> None:
    """Minute items of (slot epoch, ok, ms) results of one monitor, one item per minute."""
    shard, index = batches.shard_of(item.account_id, item.result_seq)
    by_minute: dict[int, list] = {}
    for slot, ok, ms in results:
        by_minute.setdefault(slot // 60, []).append(batches.CompactResult(
            index, slot, ok, ms, 200 if ok else 503, None if ok else "HTTP_STATUS",
            checked_at=slot + 1, error=None if ok else "expected 200, got 503"))
    for minute, entries in by_minute.items():
        group = batches.group_of([(item.monitor_id, e.slot) for e in entries])
        assert batches.put_minute(shard, minute, region, group, entries,
                                  datetime.now(timezone.utc) + timedelta(days=1))


def put_head(item, region: str, results: list[tuple[int, bool, int | None]]) -> None:
    """The monitor's head entry in a region as the worker leaves it after these results (the
    newest one, and the counts of its two newest hours)."""
    shard, index = batches.shard_of(item.account_id, item.result_seq)
    head = batches.get_head(shard, region, batches.head_part(index))
    entries = head.entries()
    for slot, ok, ms in results:
        entry = entries.get(index)
        hours = dict(entry.hours) if entry is not None else {}
        counts = list(hours.get(stats.hour_of(slot), [0, 0, 0, 0]))
        counts = [counts[0] + 1, counts[1] + (0 if ok else 1),
                  counts[2] + (0 if ms is None else 1), counts[3] + (ms or 0)]
        hours[stats.hour_of(slot)] = counts
        hours = {h: hours[h] for h in sorted(hours)[-2:]}
        if entry is None or slot >= entry.slot:
            entry = batches.HeadEntry(slot, slot + 1, ok, ms, hours)
        else:
            entry.hours = hours
        entries[index] = entry
    assert batches.put_head(head, entries)


def checked(item, region: str, results: list[tuple[int, bool, int | None]]) -> None:
    """Results recorded as the worker records them: minute items and the head."""
    put_results(item, region, results)
    put_head(item, region, results)
