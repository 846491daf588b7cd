"""Seeding what the readers of results read (E16 point 3), without the check worker: a
monitor's results as minute items through the contract's `put_minute`, hourly rollups as the
rollup job stores them, and the job's cursor (`set_rolled_through`)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from chalicelib.kernel import stats
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import result_batches as batches
from chalicelib.storage import results as result_store

HOUR = stats.SECONDS_PER_HOUR
KEEP = timedelta(days=90)


def numbered(monitor_id: str) -> monitor_store.MonitorItem:
    """The monitor, numbered (creation numbers it; this covers one made without the API)."""
    from chalicelib.monitors.numbering import ensure_numbered

    monitor = monitor_store.find_by_id(monitor_id)
    ensure_numbered(monitor)
    return monitor


def put_result(monitor_id: str, slot: int, region: str = "UsEast", ok: bool = True,
               ms: int | None = None, status: int | None = None, error: str | None = None,
               error_code: str | None = None, ssl_days_left: int | None = None,
               details: dict | None = None, checked_at: int | None = None) -> bool:
    """One result of the monitor scheduled at `slot`, in its own request group's minute item."""
    monitor = numbered(monitor_id)
    shard, index = batches.shard_of(monitor.account_id, monitor.result_seq)
    entry = batches.CompactResult(index, int(slot), ok, ms, status, error_code, ssl_days_left,
                                  int(slot) if checked_at is None else checked_at, error,
                                  details or {})
    expires = datetime.fromtimestamp(slot, timezone.utc) + KEEP
    return batches.put_minute(shard, int(slot) // 60, region,
                              batches.group_of([(monitor_id, int(slot))]), [entry], expires)


def put_rollup(monitor_id: str, hour: int, response_times: list[int | None],
               failures: int = 0, regions: dict[str, int] | None = None) -> None:
    """The hour's rollup as the job writes it: one check per response time (None: a check
    that measured none), `failures` of them failed; `regions`: the per-region counts."""
    timed = [ms for ms in response_times if ms is not None]
    item = result_store.CheckRollupItem(
        monitor_id, result_store.bucket_key(hour), checks=len(response_times), failures=failures,
        rt_count=len(timed), rt_sum_ms=sum(timed),
        regions_json=None if regions is None else json.dumps(regions),
        expires_at=datetime.fromtimestamp(hour, timezone.utc) + KEEP)
    for ms in timed:
        name = result_store.histogram_attribute(stats.bucket_index(ms))
        setattr(item, name, (getattr(item, name) or 0) + 1)
    item.save()


def roll_through(hour: int) -> None:
    """The rollup job has rolled up every hour up to `hour`."""
    batches.set_rolled_through(hour)
