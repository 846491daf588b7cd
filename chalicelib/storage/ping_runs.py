"""Reads of a job's recent pings that judge a finished run (Healthchecks-compatible pings).

Access patterns (the pings table and the job state's buffer, see `storage.pings`), never a
Scan: the buffer, then Query(monitor_id) newest first over a bounded time range, stopping at
the first match:
- the start of a run id: kind = Start and that run id, within the longest run time measured
- whether a job succeeded within the last N seconds: kind = Success within [now - N, now)
"""
from __future__ import annotations

from typing import Callable, Iterable

from chalicelib.storage.pings import Entry, PingItem, newest_first


def _before(monitor_id: str, account_id: str, buffer: Iterable[Entry], start_ms: int,
            end_key: str, matches: Callable[[PingItem], bool]) -> PingItem | None:
    """The newest ping matching `matches` with start_ms <= time and key < end_key."""
    for item in newest_first(monitor_id, account_id, buffer, start_ms):
        if item.ping_key < end_key and matches(item):
            return item
    return None


def start_of_run(monitor_id: str, account_id: str, buffer: Iterable[Entry], run_id: str,
                 since_ms: int, before_key: str) -> PingItem | None:
    """The newest Start ping of `run_id` received since `since_ms`, before the finishing one."""
    return _before(monitor_id, account_id, buffer, since_ms, before_key,
                   lambda p: p.kind == "Start" and p.run_id == run_id)


def success_since(monitor_id: str, account_id: str, buffer: Iterable[Entry], since_ms: int,
                  before_key: str) -> PingItem | None:
    """The newest Success ping since `since_ms` that came before `before_key`, or None."""
    return _before(monitor_id, account_id, buffer, since_ms, before_key,
                   lambda p: p.kind == "Success")
