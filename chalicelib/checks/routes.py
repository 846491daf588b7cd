"""/api/monitors/{id}/results and /api/monitors/{id}/stats: a monitor's recent check results and
its figures over a period. Importing this module also registers the cascade delete of results."""
from __future__ import annotations

from datetime import datetime, timezone

from chalice import Blueprint

from chalicelib.incidents import service as incidents
from chalicelib.monitors import service as monitors
from chalicelib.checks import results
from chalicelib.kernel import stats
from chalicelib.http.endpoint import Call, endpoint
from chalicelib.checks.representations import CheckResultList
from chalicelib.http.contract import FROM, OBJECT, PAGING, TO, query
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import ValidationError
from chalicelib.kernel.settings import REGION_NAMES

bp = Blueprint(__name__)


def result_out(found) -> dict:
    """A recorded result (`FoundResult`) on the wire: a failure's full error text and details,
    `{}` for a passing result's details (the minute items do not keep them)."""
    entry = found.entry
    checked_at = entry.checked_at if entry.checked_at is not None else entry.slot
    return {
        "checkedAt": iso(datetime.fromtimestamp(checked_at, timezone.utc)),
        "region": found.region,
        "ok": bool(entry.ok),
        "responseTimeMs": _int_or_none(entry.response_time_ms),
        "statusCode": _int_or_none(entry.status_code),
        "error": entry.error,
        "errorCode": entry.error_code,
        "sslDaysLeft": _int_or_none(entry.ssl_days_left),
        "details": entry.details or {},
    }


def _int_or_none(value) -> int | None:
    return None if value is None else int(value)


def parse_region(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    canonical = {name.lower(): name for name in REGION_NAMES}.get(raw.strip().lower())
    if canonical is None:
        raise ValidationError.for_field("region", "must be one of " + ", ".join(REGION_NAMES))
    return canonical


@endpoint(bp, "/api/monitors/{monitor_id}/results", "GET", scope="monitors:read", query=[
    query("region", {"type": "string", "enum": list(REGION_NAMES)}, "Only this region"),
    FROM, TO, *PAGING], returns=CheckResultList)
def list_results(call: Call, monitor_id: str):
    """Recent results, newest first, `limit`/`offset`; `totalCount` counts every match."""
    monitor = monitors.require_monitor(call.account_id, monitor_id)
    limit, offset = call.paging()
    start, end = call.time("from"), call.time("to")
    if start is not None and end is not None and start > end:
        raise ValidationError.for_field("from", "must not be after `to`")
    region = parse_region(call.query("region"))
    items, total = results.results_for(monitor, limit, start, end, region, offset)
    return {"items": [result_out(r) for r in items], "totalCount": total}


@endpoint(bp, "/api/monitors/{monitor_id}/stats", "GET", scope="monitors:read", query=[
    query("period", {"type": "string", "enum": list(stats.PERIODS),
                     "default": stats.DEFAULT_PERIOD}, "Time range")], returns=OBJECT)
def monitor_stats(call: Call, monitor_id: str):
    monitor = monitors.require_monitor(call.account_id, monitor_id)
    period = (call.query("period") or stats.DEFAULT_PERIOD).strip().lower()
    if period not in stats.PERIODS:
        raise ValidationError.for_field("period", "must be one of " + ", ".join(stats.PERIODS))
    return results.stats_for(monitor, period, call.clock.now(), incidents.incident_totals)
