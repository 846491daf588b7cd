"""Check results: the retention they are kept for, and the reads behind `/results` and
`/stats`. The worker records them in compact minute items (`worker.record_message`,
`storage/result_batches.py`): nothing is written per check.
"""
from __future__ import annotations

import math
from datetime import datetime
from itertools import islice
from typing import Any, Callable

from chalicelib.maintenance import occurrences as maintenance, cover as maintenance_cover
from chalicelib.kernel import plans
from chalicelib.monitors import job_status
from chalicelib.kernel import stats
from chalicelib.kernel.clock import iso
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import results as store
from chalicelib.storage.accounts import get_account

HOUR = stats.SECONDS_PER_HOUR
# (monitor_id, start, end) -> (downtime seconds, incident count) within the window: given by
# the caller of `stats_for` (incidents sit above results; the check worker, which records
# results, must not reach them).
IncidentTotals = Callable[[str, datetime, datetime], tuple[int, int]]


def retention_days_of(account_id: str) -> int:
    """The data retention of the account's plan (the shortest plan's if the account is gone).
    Workers should call it once per account and batch."""
    account = get_account(account_id)
    plan = account.plan if account is not None else plans.PLAN_ORDER[0]
    return plans.get_plan(plan).retention_days


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
