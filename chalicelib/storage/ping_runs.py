"""Reads of a job's recent pings that judge a finished run (Healthchecks-compatible pings).

Access patterns (the pings table, see `storage.pings`), never a Scan:
- the start of a run id: Query(monitor_id) over a bounded time range, newest first, filtered on
  kind = Start and run_id (the filter reads the range's items; the range is the longest run
  time measured, so it stays small)
- whether a job succeeded within the last N seconds: Query(monitor_id) over [now - N, now),
  filtered on kind = Success, stopping at the first match
"""
from __future__ import annotations

from chalicelib.storage.pings import PingItem, ping_key

_FIRST_SUFFIX = ""


def _before(monitor_id: str, start_ms: int, end_key: str, condition) -> PingItem | None:
    """The newest ping matching `condition` with start_ms <= time and key < end_key."""
    between = PingItem.ping_key.between(ping_key(start_ms, _FIRST_SUFFIX), end_key)
    for item in PingItem.query(monitor_id, between, filter_condition=condition,
                               scan_index_forward=False):
        if item.ping_key < end_key:
            return item
    return None


def start_of_run(monitor_id: str, run_id: str, since_ms: int, before_key: str) -> PingItem | None:
    """The newest Start ping of `run_id` received since `since_ms`, before the finishing one."""
    return _before(monitor_id, since_ms, before_key,
                   (PingItem.kind == "Start") & (PingItem.run_id == run_id))


def success_since(monitor_id: str, since_ms: int, before_key: str) -> PingItem | None:
    """The newest Success ping since `since_ms` that came before `before_key`, or None."""
    return _before(monitor_id, since_ms, before_key, PingItem.kind == "Success")
