"""An account's monitors as Prometheus metrics (`GET /api/metrics`, text exposition format 0.0.4).

One series per monitor and metric, labelled `id`, `name`, `type` and `tags` (its tags sorted
and comma-joined): the cardinality is the number of monitors, whatever the checks do. A few
metrics add one bounded label: `state` (the four statuses), `stat` (last, p95) and `period`
(the four periods of `GET /api/monitors/{id}/stats`).

The figures are the API's: the uptime ratios are `stats` uptime over the same windows (hours
wholly in maintenance left out; for Job monitors, time not Down), the p95 is the one of the
24-hour stats, the last response time and certificate days those of the newest result.

Reads per monitor: one Query of its 90-day rollups (every period is cut from it) and of the
minute items of the hours not rolled up yet (`monitor_rollups`), one of its newest result (its
shard's newest minute items), its maintenance cover; a Job monitor, one Query of its status
changes per period. The account: one Query of its monitors and one of its open incidents.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.monitors import jobs
from chalicelib.checks import results
from chalicelib.kernel import stats
from chalicelib.monitors import job_status
from chalicelib.storage import incidents as incident_store
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import results as result_store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STATES = ("Up", "Down", "Pending", "Paused")
P95_PERIOD = "24h"


@dataclass
class Family:
    name: str
    help: str
    samples: list[tuple[dict[str, str], float]] = field(default_factory=list)


FAMILIES = {
    "up": "1 if the monitor is Up, else 0",
    "status": "1 for the monitor's current status, 0 for the others",
    "response_time_seconds": "The newest check's response time (stat=last) and the 24-hour "
                             "95th percentile (stat=p95)",
    "uptime_ratio": "The share of checks that passed over the period (0-1), as the API's stats",
    "certificate_expiry_days": "Days until the TLS certificate expires (newest check)",
}


# --- pure: rendering ----------------------------------------------------------------------------

def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(families: list[Family]) -> str:
    """The text exposition format: HELP, TYPE gauge and the samples of each family."""
    lines = []
    for family in families:
        lines += [f"# HELP {family.name} {family.help}", f"# TYPE {family.name} gauge"]
        for labels, value in family.samples:
            text = ",".join(f'{k}="{escape(v)}"' for k, v in labels.items())
            lines.append(f"{family.name}{{{text}}} {format_value(value)}")
    return "\n".join(lines) + "\n"


def format_value(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def monitor_labels(monitor) -> dict[str, str]:
    return {"id": monitor.monitor_id, "name": monitor.name, "type": monitor.type,
            "tags": ",".join(sorted(monitor.tags or []))}


# --- figures of one monitor ----------------------------------------------------------------------

def uptime_ratios(monitor, now: datetime,
                  rolled: int | None | result_store.Unread = result_store.UNREAD
                  ) -> dict[str, float | None]:
    """Per period, the uptime of `GET /api/monitors/{id}/stats?period=` as a ratio (or None).
    `rolled`: the rollup cursor, when the caller read it once for many monitors."""
    if monitor.type == jobs.JOB:   # time not Down: a Query of status changes per period
        return {period: _ratio(job_status.job_uptime(monitor, *stats.period_window(period, now)))
                for period in stats.PERIODS}
    widest_start, widest_end = stats.period_window("90d", now)
    first, last = stats.hours_between(widest_start, widest_end)
    rollups = result_store.monitor_rollups(monitor, first, last, rolled)
    spans = results.maintenance_spans(monitor, widest_start, widest_end)
    ratios = {}
    for period in stats.PERIODS:
        low, high = stats.hours_between(*stats.period_window(period, now))
        inside = [r for r in rollups if low <= int(r.hour_epoch) <= high]
        ratios[period] = _ratio(stats.uptime_or_none(*results.checks_outside(inside, spans)))
    return ratios


def p95_seconds(monitor, now: datetime,
                rolled: int | None | result_store.Unread = result_store.UNREAD) -> float | None:
    first, last = stats.hours_between(*stats.period_window(P95_PERIOD, now))
    rollups = result_store.monitor_rollups(monitor, first, last, rolled)
    value = stats.percentile_from_histogram(stats.merge_histograms(rollups), 0.95)
    return None if value is None else value / 1000


def _ratio(percentage: float | None) -> float | None:
    return None if percentage is None else percentage / 100


# --- the account ---------------------------------------------------------------------------------

def account_metrics(account_id: str, now: datetime) -> list[Family]:
    families = {key: Family(f"enori_monitor_{key}", help_) for key, help_ in FAMILIES.items()}
    last_ping = Family("enori_job_last_ping_timestamp_seconds",
                       "When the Job monitor's last run finished (Unix seconds)")
    open_incidents = Family("enori_incidents_open", "The monitor's incidents not resolved")
    open_by_monitor = Counter(i.monitor_id for i in incident_store.query_open(account_id))
    monitors = sorted(jobs.with_job_states(monitor_store.list_monitors(account_id)),
                      key=lambda m: (m.created_at, m.monitor_id))
    rolled = result_store.cursor()    # once for the account, not twice per monitor
    for monitor in monitors:
        labels = monitor_labels(monitor)
        families["up"].samples.append((labels, 1 if monitor.status == "Up" else 0))
        families["status"].samples += [({**labels, "state": s}, int(monitor.status == s))
                                       for s in STATES]
        if monitor.type == jobs.JOB:
            if monitor.last_ping_at is not None:
                last_ping.samples.append((labels, monitor.last_ping_at.timestamp()))
        else:
            _check_figures(monitor, labels, families, now, rolled)
        for period, ratio in uptime_ratios(monitor, now, rolled).items():
            if ratio is not None:
                families["uptime_ratio"].samples.append(({**labels, "period": period}, ratio))
        open_incidents.samples.append((labels, open_by_monitor.get(monitor.monitor_id, 0)))
    return [*families.values(), last_ping, open_incidents]


def _check_figures(monitor, labels: dict[str, str], families: dict[str, Family],
                   now: datetime, rolled: int | None) -> None:
    """The response times and certificate days of a checked monitor."""
    found = next(result_store.monitor_results(monitor), None)
    newest = found.entry if found is not None else None
    timing = families["response_time_seconds"].samples
    if newest is not None and newest.response_time_ms is not None:
        timing.append(({**labels, "stat": "last"}, int(newest.response_time_ms) / 1000))
    p95 = p95_seconds(monitor, now, rolled)
    if p95 is not None:
        timing.append(({**labels, "stat": "p95"}, p95))
    if newest is not None and newest.ssl_days_left is not None:
        families["certificate_expiry_days"].samples.append((labels, int(newest.ssl_days_left)))


def exposition(account_id: str, now: datetime) -> str:
    return render(account_metrics(account_id, now))
