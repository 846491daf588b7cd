"""The worker's record phase, pure: a message's finished checks as compact minute entries
grouped by (result shard, minute, region), and a shard head with those results folded in.
The writes are the worker's (`worker.record_message`, `worker.update_heads`); the items and
their keys are `storage.result_batches`'."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from chalicelib.kernel import stats
from chalicelib.storage.result_batches import CompactResult, HeadEntry

if TYPE_CHECKING:  # a type only: the checkers (httpx) stay out of what tests import from here
    from chalicelib.checks.checkers.base import CheckResult

HOURS_KEPT = 2   # a head's newest hours: the current one, and the last one until it is rolled up


def compact_of(index: int, slot: int, result: CheckResult, checked_at: int) -> CompactResult:
    """A check result as its shard's minute item keeps it (the error text and details are
    dropped for a passing check by the encoding)."""
    return CompactResult(index=index, slot=slot, ok=result.ok,
                         response_time_ms=result.response_time_ms,
                         status_code=result.status_code, error_code=result.error_code,
                         ssl_days_left=result.ssl_days_left, checked_at=checked_at,
                         error=result.error, details=dict(result.details or {}))


def hour_counts(result: CompactResult) -> list[int]:
    """[checks, failures, rt_count, rt_sum_ms] of one result."""
    ms = result.response_time_ms
    return [1, 0 if result.ok else 1, 0 if ms is None else 1, int(ms or 0)]


def merged_head(entries: dict[int, HeadEntry], results: Iterable[CompactResult]
                ) -> dict[int, HeadEntry]:
    """The head's entries with `results` counted in their hours (the two newest hours kept)
    and each monitor's last result replaced by a newer slot's (a late result is counted, but
    does not become the last one). Pure: `entries` is left as it is."""
    merged = {i: HeadEntry(e.slot, e.checked_at, e.ok, e.response_time_ms,
                           {h: list(c) for h, c in e.hours.items()})
              for i, e in entries.items()}
    for r in results:
        entry = merged.get(r.index)
        if entry is None:
            entry = merged[r.index] = HeadEntry(r.slot, r.checked_at or r.slot, r.ok,
                                                r.response_time_ms, {})
        elif r.slot > entry.slot:
            entry.slot, entry.checked_at = r.slot, r.checked_at or r.slot
            entry.ok, entry.response_time_ms = r.ok, r.response_time_ms
        hour = stats.hour_of(r.slot)
        entry.hours[hour] = [a + b for a, b in zip(entry.hours.get(hour, [0, 0, 0, 0]),
                                                   hour_counts(r))]
        entry.hours = {h: entry.hours[h] for h in sorted(entry.hours)[-HOURS_KEPT:]}
    return merged
