"""The overview's figures for a page of monitors: uptime over 24 h and 30 d exactly as
`GET /api/monitors/{id}/stats` computes them, the last response time, and the mean response time
of each hour of the last 24 (the sparkline).

Cost: one GetItem of the rollup cursor and, for the whole page, one BatchGetItem per 100
(monitor, hour) keys (`results.rollups_at`: each looks in the monitor's hourly item and its day
item or its shard's hour item; a day or shard-hour item serves all its hours), not a Query per
monitor. A monitor's item carries the hour summary the
hourly rollup job took (`hour_summary.py`: the sums of the hours up to the one it rolled last)
and, put there in memory by `monitors.now.fill_now`, its heads' counts of its newest hours:
together they give both windows for a monitor checked since the job's last run. What the item
cannot know is read from the rollups themselves: the hours rolled up after the summary and not
in the heads (a monitor without a result in them: usually absent), the hours that left a window
since the summary was taken, and the summarised hours wholly inside maintenance (which /stats
leaves out). So a monitor checked in this hour costs no key.
Per monitor, and run in parallel: one Query of its status changes for a Job monitor (its uptime
is time not Down, as in /stats), and one Query of its 30 days of rollups (what /stats reads)
for a monitor whose summary is missing (not rolled up yet, or one from before the job) or too
old to catch up cheaply (not checked for a day: paused, or a long interval); the hours after
the cursor come from its heads then.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from chalicelib.checks import hour_summary
from chalicelib.checks.hour_summary import (DAY_HOURS, HOUR, MONTH_HOURS, HourCounts,
                                            HourSummary)
from chalicelib.bus.check_requests import STALE_AFTER_SECONDS
from chalicelib.checks.results import checks_outside, maintenance_spans
from chalicelib.kernel import stats
from chalicelib.maintenance import occurrences as maintenance
from chalicelib.monitors import job_status
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import result_batches
from chalicelib.storage import results as store

WINDOWS = {"24h": DAY_HOURS, "30d": MONTH_HOURS}
# Beyond this many rollup keys a monitor's own 30-day Query is cheaper than catching up.
MAX_KEYS_PER_MONITOR = 48
# The page's reads run side by side on threads kept for the process (starting threads per
# page cost more than a read on a busy machine).
_reads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="overview-read")


@dataclass
class Figures:
    uptime: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(WINDOWS))
    last_response_ms: int | None = None
    spark: list[int | None] = field(default_factory=list)   # hours H-23 .. H, oldest first


@dataclass
class _Plan:
    """How one monitor's figures are found: `reads` hours by BatchGetItem, or `query`."""
    item: Any
    monitor_id: str        # the item's, read once (a PynamoDB attribute is slow to get)
    summary: HourSummary | None
    covered: frozenset[int]
    reads: set[int] = field(default_factory=set)
    query: bool = False
    heads: dict[int, HourCounts] = field(default_factory=dict)   # the heads' newest hours
    known: dict[int, HourCounts] = field(default_factory=dict)   # those after the summary


def _heads_of(item: Any) -> dict[int, HourCounts]:
    """The heads' hour counts `fill_now` put on the item (none if it was not called)."""
    return {h: HourCounts(h, *counts) for h, counts in getattr(item, "head_hours", {}).items()}


def figures_for(items: list, now: datetime) -> dict[str, Figures]:
    """Figures of each monitor item, by monitor id."""
    hour = stats.hour_of(now.timestamp())
    checked = [item for item in items if item.type != monitor_store.JOB]
    rolled = result_batches.rolled_through() if checked else None
    plans = [_plan(item, hour, now, rolled) for item in checked]
    keys = sorted((p.monitor_id, h) for p in plans for h in p.reads)
    places = {p.monitor_id: result_batches.place_of(p.item) for p in plans if p.reads}
    work: list[Callable[[], Any]] = [
        lambda chunk=keys[i:i + store.BATCH_GET_KEYS]: store.rollups_at(chunk, places, rolled)
        for i in range(0, len(keys), store.BATCH_GET_KEYS)]
    queried = [p for p in plans if p.query]
    work += [lambda p=p: _queried(p, hour, now, rolled) for p in queried]
    jobs = [item for item in items if item.type == monitor_store.JOB]
    work += [lambda item=item: _job_figures(item, now) for item in jobs]
    done = list(_reads.map(lambda run: run(), work))
    batches = len(work) - len(queried) - len(jobs)
    rollups = {k: r for found in done[:batches] for k, r in found.items()}
    figures = dict(zip([p.monitor_id for p in queried], done[batches:batches + len(queried)]))
    figures.update(zip([item.monitor_id for item in jobs], done[batches + len(queried):]))
    for plan in plans:
        if not plan.query:
            figures[plan.monitor_id] = _summed(plan, hour, rollups)
    return figures


def _covered_hours(item: Any, hour: int, now: datetime) -> frozenset[int]:
    """The hours of the 30-day window wholly inside the monitor's maintenance (`/stats` leaves
    them out of the uptime); the account's windows are cached, so usually no request."""
    start, _ = stats.period_window("30d", now)
    spans = maintenance_spans(item, start, now)
    if not spans:
        return frozenset()
    first = hour - (MONTH_HOURS - 1) * HOUR
    return frozenset(h for h in range(first, hour + HOUR, HOUR)
                     if maintenance.is_hour_covered(spans, h))


def _plan(item: Any, hour: int, now: datetime, rolled: int | None) -> _Plan:
    summary = hour_summary.parse(item.hour_summary_json)
    plan = _Plan(item, item.monitor_id, summary, _covered_hours(item, hour, now),
                 heads=_heads_of(item))
    if summary is None or summary.through >= hour:
        # Never checked: nothing to read. Checked, but not summarised (or a summary from a
        # clock ahead of this one): the 30-day Query.
        plan.query = item.last_checked_at is not None
        return plan
    plan.known = {h: counts for h, counts in plan.heads.items() if h > summary.through}
    for hours in WINDOWS.values():
        first = hour - (hours - 1) * HOUR
        # An hour after the summary that the heads do not hold has a rollup only if rolled up.
        plan.reads |= {h for h in _fresh(summary, first, hour)
                       if h not in plan.known and rolled is not None and h <= rolled}
        plan.reads |= set(_dropped(summary, hours, first))
        plan.reads |= {h for h in plan.covered if first <= h <= summary.last_settled}
    plan.reads = {h for h in plan.reads if h >= _first_result_hour(item)}
    if len(plan.reads) > MAX_KEYS_PER_MONITOR:
        plan.reads, plan.query = set(), True
    return plan


def _first_result_hour(item: Any) -> int:
    """No hour before this one holds a result of the monitor (no rollup to read): the
    scheduler sends a check only once the monitor exists and never one whose slot is more than
    STALE_AFTER_SECONDS old (region_dispatch); a check by hand has its request second as slot."""
    return stats.hour_of(item.created_at.timestamp() - STALE_AFTER_SECONDS)


def _fresh(summary: HourSummary, first: int, hour: int) -> range:
    """The window's hours after the summary's settled ones (the hour just ended and later)."""
    return range(max(first, summary.last_settled + HOUR), hour + HOUR, HOUR)


def _dropped(summary: HourSummary, hours: int, first: int) -> range:
    """The summarised hours that have left the window since."""
    return range(summary.first_settled(hours), min(summary.last_settled + HOUR, first), HOUR)


def _summed(plan: _Plan, hour: int, rollups: dict) -> Figures:
    figures = Figures(last_response_ms=_int(plan.item.last_response_ms))
    summary = plan.summary
    if summary is None:
        return figures
    at = {h: rollups[(plan.monitor_id, h)] for h in plan.reads
          if (plan.monitor_id, h) in rollups}
    at.update(plan.known)
    for period, hours in WINDOWS.items():
        first = hour - (hours - 1) * HOUR
        checks, failures = summary.settled(hours)
        for h in _dropped(summary, hours, first):
            checks, failures = _less(checks, failures, at.get(h))
        for h in plan.covered:
            if first <= h <= summary.last_settled:
                checks, failures = _less(checks, failures, at.get(h))
        for h in _fresh(summary, first, hour):
            if h not in plan.covered and h in at:
                checks, failures = checks + int(at[h].checks), failures + int(at[h].failures)
        figures.uptime[period] = stats.uptime_or_none(checks, failures)
    figures.spark = [hour_summary.mean_ms(at[h]) if h in at
                     else None if h in plan.reads else summary.mean_ms_at(h)
                     for h in _day_hours(hour)]
    return figures


def _less(checks: int, failures: int, rollup) -> tuple[int, int]:
    if rollup is None:
        return checks, failures
    return checks - int(rollup.checks), failures - int(rollup.failures)


def _queried(plan: _Plan, hour: int, now: datetime, rolled: int | None) -> Figures:
    """The figures from the monitor's 30 days of rollups, as /stats reads them, up to the
    cursor (rollups from before the job: all), and from its heads after it."""
    item = plan.item
    start, _ = stats.period_window("30d", now)
    by_hour: dict[int, Any] = {
        r.hour_epoch: r for r in store.rollups_between(
            item.monitor_id, stats.hour_of(start.timestamp()), hour,
            result_batches.place_of(item), rolled)
        if rolled is None or r.hour_epoch <= rolled}
    for h, counts in plan.heads.items():
        if (rolled is None or h > rolled) and h not in by_hour:
            by_hour[h] = counts
    rollups = [by_hour[h] for h in sorted(by_hour)]
    spans = maintenance_spans(item, start, now)
    figures = Figures(last_response_ms=_int(item.last_response_ms))
    for period, hours in WINDOWS.items():
        first = hour - (hours - 1) * HOUR
        counted = checks_outside([r for r in rollups if r.hour_epoch >= first], spans)
        figures.uptime[period] = stats.uptime_or_none(*counted)
    figures.spark = [hour_summary.mean_ms(by_hour[h]) if h in by_hour else None
                     for h in _day_hours(hour)]
    return figures


def _job_figures(item: Any, now: datetime) -> Figures:
    """A Job monitor: uptime as time not Down (one Query for both windows); no response time."""
    windows = [stats.period_window(period, now) for period in WINDOWS]
    return Figures(uptime=dict(zip(WINDOWS, job_status.job_uptimes(item, windows))))


def _day_hours(hour: int) -> range:
    return range(hour - (DAY_HOURS - 1) * HOUR, hour + HOUR, HOUR)


def _int(value) -> int | None:
    return None if value is None else int(value)
