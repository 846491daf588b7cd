"""Check results: recording them once, counting them in hourly rollups, keeping the monitor's
30-day uptime current, and the reads behind `/results` and `/stats`.

Cost per recorded result: one conditional PutItem (the result), one UpdateItem (the rollup ADD,
which returns the hour's new counts) and one UpdateItem (the monitor's telemetry). The uptime
needs the 30-day sums: the hour's first result re-sums the window's earlier hours (one Query of
at most 719 small rollups per monitor and hour) and stores them on the monitor as a base; every
other result adds the current hour's counts, which its ADD just returned, to that base.
From the same Query the hour's first result also stores the hour summary the overview reads
(`hour_summary.py`), every later result its hour's counts as the ADD returned them, and every
result its response time: no request of their own.
"""
from __future__ import annotations

import json
import math
from itertools import islice
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from chalicelib.maintenance import occurrences as maintenance, cover as maintenance_cover
from chalicelib.checks import hour_summary
from chalicelib.kernel import plans
from chalicelib.monitors import job_status
from chalicelib.kernel import stats
from chalicelib.kernel.clock import iso
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import results as store
from chalicelib.storage.accounts import get_account

if TYPE_CHECKING:  # the API imports this module; httpx (via checkers) is for workers only
    from chalicelib.checks.checkers.base import CheckResult

HOUR = stats.SECONDS_PER_HOUR
# (monitor_id, start, end) -> (downtime seconds, incident count) within the window: given by
# the caller of `stats_for` (incidents sit above results; the check worker, which records
# results, must not reach them).
IncidentTotals = Callable[[str, datetime, datetime], tuple[int, int]]


def retention_days_of(account_id: str) -> int:
    """The data retention of the account's plan (the shortest plan's if the account is gone).
    Workers should call it once per account and batch, and pass it to `record_result`."""
    account = get_account(account_id)
    plan = account.plan if account is not None else plans.PLAN_ORDER[0]
    return plans.get_plan(plan).retention_days


def _epoch_dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def record_result(monitor_item: Any, result: CheckResult, region: str, slot_epoch: int,
                  now: datetime, retention_days: int | None = None) -> bool:
    """Store one check result, count it in its hour and update the monitor's last check time
    and uptime. Idempotent on (monitor, slot, region): False, and nothing written, if the result
    was already recorded. Never changes the monitor's status (the state machine owns it).

    `slot_epoch` is the scheduled second of the check (a manual check: its request second).
    Known gap: if the rollup ADD fails after the result was written, a redelivery finds the
    result and skips the ADD, so the rollup misses that one check (never counts it twice).
    """
    if retention_days is None:
        retention_days = retention_days_of(monitor_item.account_id)
    keep = timedelta(days=retention_days)
    item = _result_item(monitor_item.monitor_id, result, region, slot_epoch, now, now + keep)
    if not store.insert_result(item):
        return False
    hour = stats.hour_of(slot_epoch)
    rollup = store.add_to_rollup(monitor_item.monitor_id, hour, result.ok,
                                 result.response_time_ms, _epoch_dt(hour + HOUR) + keep)
    uptime, base, summary = _uptime_after(monitor_item, rollup, hour)
    # The hour's first result writes its summary (which holds its counts); every later one the
    # hour's counts, kept only if no later state of the hour is stored (hour_summary.py).
    counts = None if summary is not None else (
        hour_summary.slot_of(hour), hour_summary.counts_text(hour_summary.counts_of(hour, rollup)))
    monitor_store.record_check_telemetry(monitor_item.account_id, monitor_item.monitor_id, now,
                                         uptime=uptime, base=base,
                                         response_ms=result.response_time_ms,
                                         hour_summary=summary, hour_counts=counts)
    return True


def _result_item(monitor_id: str, result: CheckResult, region: str, slot_epoch: int,
                 now: datetime, expires_at: datetime) -> store.CheckResultItem:
    return store.CheckResultItem(
        monitor_id, store.slot_key(slot_epoch, region), region=region, ok=result.ok,
        response_time_ms=result.response_time_ms, status_code=result.status_code,
        error=result.error, error_code=result.error_code, ssl_days_left=result.ssl_days_left,
        details_json=json.dumps(result.details or {}, default=str, sort_keys=True),
        checked_at=now, expires_at=expires_at)


def _uptime_after(monitor_item: Any, rollup: store.CheckRollupItem, hour: int
                  ) -> tuple[float | None, tuple[int, int, int] | None, str | None]:
    """(30-day uptime after this result, new window base or None, new hour summary or None).

    The window is the 720 hours ending with the current one. The uptime is None, left as it
    is, when the base the worker loaded belongs to another hour (a result racing the hour's
    first one, or a late result of a past hour); the next result sets it.
    """
    if rollup.checks == 1:  # the hour's first result, seen by exactly one caller (atomic ADD)
        earlier = store.rollups_between(monitor_item.monitor_id,
                                        hour - stats.UPTIME_WINDOW_SECONDS + HOUR, hour - HOUR)
        base = (hour, sum(int(r.checks) for r in earlier), sum(int(r.failures) for r in earlier))
        summary = hour_summary.summarise(hour, earlier, rollup)
    elif getattr(monitor_item, "uptime_base_hour", None) == hour:
        base = (hour, int(monitor_item.uptime_base_checks or 0),
                int(monitor_item.uptime_base_failures or 0))
        summary = None
    else:
        return None, None, None
    uptime = stats.uptime_percentage(base[1] + int(rollup.checks),
                                     base[2] + int(rollup.failures))
    return uptime, (base if rollup.checks == 1 else None), summary


def results_for(monitor_item: Any, limit: int, start: datetime | None = None,
                end: datetime | None = None, region: str | None = None, offset: int = 0
                ) -> tuple[list[store.FoundResult], int]:
    """(up to `limit` results after the first `offset`, newest first; how many match in all).
    `start`/`end` select by scheduled time (inclusive). The results are read lazily and only
    until the page is full."""
    start_epoch = math.ceil(start.timestamp()) if start is not None else None
    end_epoch = int(end.timestamp()) if end is not None else None
    found = store.monitor_results(monitor_item, start_epoch, end_epoch, region)
    return (list(islice(found, offset, offset + limit)),
            store.count_monitor_results(monitor_item, start_epoch, end_epoch, region))


def maintenance_spans(monitor_item: Any, start: datetime, end: datetime) -> list:
    """The monitor's maintenance within [start, end), merged."""
    return maintenance.merge_spans(maintenance_cover.spans_for_monitor(monitor_item, start, end))


def checks_outside(rollups: list, merged_spans: list) -> tuple[int, int]:
    """(checks, failures) of the rollups whose hour is not wholly inside maintenance: what
    uptime counts. Hourly rollups cannot say which checks of a partly covered hour fell inside,
    so those hours count in full."""
    counted = [r for r in rollups if not maintenance.is_hour_covered(merged_spans, r.hour_epoch)]
    return sum(int(r.checks) for r in counted), sum(int(r.failures) for r in counted)


def stats_for(monitor_item: Any, period: str, now: datetime, incident_totals: IncidentTotals
              ) -> dict:
    """`summarise` over the period's hourly rollups (the current hours' too: `monitor_rollups`),
    with "period", "from" and "to"; the incident figures from `incident_totals`.
    `uptimePercentage` leaves out hours wholly inside the monitor's maintenance, and
    `maintenanceSeconds` is the maintenance time in the period.
    KeyError for an unknown period (the API validates it first)."""
    start, end = stats.period_window(period, now)
    first_hour, last_hour = stats.hours_between(start, end)
    rollups = store.monitor_rollups(monitor_item, first_hour, last_hour)
    downtime, count = incident_totals(monitor_item.monitor_id, start, end)
    summary = stats.summarise(rollups, incidents_downtime_seconds=downtime, incident_count=count)
    spans = maintenance_spans(monitor_item, start, end)
    summary["uptimePercentage"] = stats.uptime_or_none(*checks_outside(rollups, spans))
    if monitor_item.type == monitor_store.JOB:
        # Time not Down; maintenance is not taken out of it (a job's maintenance suppresses
        # its alerts, and hourly rollups' whole-hour rule has no meaning for time spans).
        summary["uptimePercentage"] = job_status.job_uptime(monitor_item, start, end)
    summary["maintenanceSeconds"] = maintenance.covered_seconds(spans)
    return {"period": period, "from": iso(start), "to": iso(end), **summary}
