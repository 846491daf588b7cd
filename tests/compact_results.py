"""Compact results put through the contract of E16 point 3 (storage/result_batches.py), as the
check worker writes them: minute items of several results and the shard heads they update."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.checks import recording
from chalicelib.storage import result_batches as batches
from result_seeds import numbered  # noqa: F401  (the tests' one numbering helper)


def _compact(item, results: list[tuple[int, bool, int | None]]) -> list:
    _, index = batches.shard_of(item.account_id, item.result_seq)
    return [batches.CompactResult(index, slot, ok, ms, 200 if ok else 503,
                                  None if ok else "HTTP_STATUS", checked_at=slot + 1,
                                  error=None if ok else "expected 200, got 503")
            for slot, ok, ms in results]


def put_results(item, region: str, results: list[tuple[int, bool, int | None]]) -> None:
    """Minute items of (slot epoch, ok, ms) results of one monitor, one item per minute."""
    shard, _ = batches.shard_of(item.account_id, item.result_seq)
    by_minute: dict[int, list] = {}
    for entry in _compact(item, results):
        by_minute.setdefault(entry.slot // 60, []).append(entry)
    for minute, entries in by_minute.items():
        group = batches.group_of([(item.monitor_id, e.slot) for e in entries])
        assert batches.put_minute(shard, minute, region, group, entries,
                                  datetime.now(timezone.utc) + timedelta(days=1))


def put_head(item, region: str, results: list[tuple[int, bool, int | None]]) -> None:
    """The monitor's head entry in a region as the worker leaves it after these results."""
    shard, index = batches.shard_of(item.account_id, item.result_seq)
    head = batches.get_head(shard, region, batches.head_part(index))
    assert batches.put_head(head, recording.merged_head(head.entries(), _compact(item, results)))


def checked(item, region: str, results: list[tuple[int, bool, int | None]]) -> None:
    """Results recorded as the worker records them: minute items and the head."""
    put_results(item, region, results)
    put_head(item, region, results)
