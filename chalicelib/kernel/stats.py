"""Statistics over check results: the latency histogram, percentiles, uptime and the periods of
`GET /api/monitors/{id}/stats`. Pure: no I/O, no clock (callers pass `now`).

Results are summed into hourly rollups (counts, a response-time sum and a fixed log-scale
histogram), so a 90-day statistic reads at most 2,160 small items instead of every result.
"""
from __future__ import annotations

from chalicelib.kernel.vocabulary import MonitorStatus
import bisect
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable, Protocol, Sequence

# Upper edges (ms, inclusive) of the latency buckets: 0-10 ms, then x1.25 steps (a quarter of
# the bucket's lower edge, so any value is known to within 25 %) up to 117.5 s, then 120 s (the
# longest check there is). Anything slower falls in one more overflow bucket.
UPPER_EDGES_MS: tuple[float, ...] = tuple(10 * 1.25 ** k for k in range(43)) + (120_000.0,)
BUCKET_COUNT = len(UPPER_EDGES_MS) + 1  # 45, the last one unbounded
STEP = 1.25

SECONDS_PER_HOUR = 3600
PERIODS: dict[str, int] = {
    "24h": 24 * SECONDS_PER_HOUR,
    "7d": 7 * 24 * SECONDS_PER_HOUR,
    "30d": 30 * 24 * SECONDS_PER_HOUR,
    "90d": 90 * 24 * SECONDS_PER_HOUR,
}
DEFAULT_PERIOD = "24h"
UPTIME_WINDOW_SECONDS = PERIODS["30d"]  # the window of a monitor's `uptimePercentage`


class RollupLike(Protocol):
    checks: int
    failures: int
    rt_count: int
    rt_sum_ms: int

    @property
    def histogram(self) -> Sequence[int]: ...


@dataclass
class Rollup:
    """One hour of one monitor, as `CheckRollupItem` stores it (used by tests and sums)."""
    checks: int = 0
    failures: int = 0
    rt_count: int = 0
    rt_sum_ms: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * BUCKET_COUNT)


def bucket_index(ms: float) -> int:
    """The histogram bucket of a response time: the first whose upper edge is >= `ms`."""
    return bisect.bisect_left(UPPER_EDGES_MS, max(ms, 0))


def percentile_from_histogram(counts: Sequence[int], q: float) -> int | None:
    """The q-quantile (0 < q <= 1, nearest rank) of the values counted in `counts`.

    Returns the upper edge of the bucket holding the rank, rounded up to a whole ms, so the
    answer never understates: it is at most 25 % above the true value (at most 10 ms above it
    below 10 ms). Values in the overflow bucket report 120,000 ms. None when nothing was counted.
    """
    total = sum(counts)
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    running = 0
    for index, count in enumerate(counts):
        running += count
        if running >= rank:
            edge = UPPER_EDGES_MS[min(index, len(UPPER_EDGES_MS) - 1)]
            return math.ceil(round(edge, 6))
    raise AssertionError("unreachable: the rank is within the total")


def uptime_percentage(checks: int, failures: int) -> float:
    """100 x (checks - failures) / checks, 3 decimals; 100.0 before the first check."""
    if checks <= 0:
        return 100.0
    return round(100.0 * (checks - failures) / checks, 3)


def uptime_or_none(checks: int, failures: int) -> float | None:
    """`uptime_percentage`, but None (JSON null) without checks: a never-checked monitor has no
    uptime yet, and 100 would claim it had been up."""
    return uptime_percentage(checks, failures) if checks > 0 else None


def merge_histograms(rollups: Iterable[RollupLike]) -> list[int]:
    merged = [0] * BUCKET_COUNT
    for rollup in rollups:
        for index, count in enumerate(rollup.histogram):
            merged[index] += count
    return merged


def summarise(rollups: Iterable[RollupLike], incidents_downtime_seconds: int = 0,
              incident_count: int = 0) -> dict:
    """The figures of `GET /api/monitors/{id}/stats` from the rollups of a period.

    The average and p95 cover every check that measured a response time (failed ones too, such
    as a 500 answered in 80 ms); null when none did. The uptime is null without checks.
    """
    rollups = list(rollups)
    checks = sum(int(r.checks) for r in rollups)
    failures = sum(int(r.failures) for r in rollups)
    rt_count = sum(int(r.rt_count) for r in rollups)
    rt_sum = sum(int(r.rt_sum_ms) for r in rollups)
    return {
        "uptimePercentage": uptime_or_none(checks, failures),
        "avgResponseTimeMs": round(rt_sum / rt_count, 1) if rt_count else None,
        "p95ResponseTimeMs": percentile_from_histogram(merge_histograms(rollups), 0.95),
        "totalChecks": checks,
        "failedChecks": failures,
        "downtimeSeconds": int(incidents_downtime_seconds),
        "incidentCount": int(incident_count),
    }


def hour_of(epoch: float) -> int:
    """The start (epoch seconds) of the UTC hour holding `epoch`."""
    return int(epoch) // SECONDS_PER_HOUR * SECONDS_PER_HOUR


def period_window(period: str, now: datetime) -> tuple[datetime, datetime]:
    """(start, end) of a period ending now, aligned to the hourly rollups.

    The window is the period's whole hours ending with the current, partial one (24h at 10:20
    starts yesterday 11:00), so `start` is exactly where the counted data begins. KeyError for an
    unknown period.
    """
    seconds = PERIODS[period]
    start = hour_of(now.timestamp()) + SECONDS_PER_HOUR - seconds
    return datetime.fromtimestamp(start, timezone.utc), now.astimezone(timezone.utc)


def hours_between(start: datetime, end: datetime) -> tuple[int, int]:
    """The first and last hour buckets (epochs) that a window touches."""
    return hour_of(start.timestamp()), hour_of(end.timestamp())


# --- uptime from status changes (Job monitors) ---------------------------------------------------
# A Job monitor is not checked at a rate, so counting checks says nothing about how long it was
# down: one missed daily run is one failed "check" whether the job stayed down a minute or a day.
# Its uptime is time instead: the share of the time with a known status (Up or Down) that was not
# Down, from the evaluator's status changes. Pending (before the first verdict) is unknown.

KNOWN_STATUSES = (MonitorStatus.UP, MonitorStatus.DOWN)


@dataclass(frozen=True)
class StatusChange:
    at: int          # epoch seconds
    before: str
    after: str


def status_spans(changes: Iterable[StatusChange], current: str, start: int, end: int
                 ) -> list[tuple[int, int, str]]:
    """(from, to, status) spans covering [start, end), oldest first. `changes` are those at or
    after `start`; the status before the first of them is its `before`, and without any the
    status throughout is `current` (the evaluator's status now)."""
    ordered = sorted((c for c in changes if start <= c.at < end), key=lambda c: c.at)
    status = ordered[0].before if ordered else current
    spans, at = [], start
    for change in ordered:
        if change.at > at:
            spans.append((at, change.at, status))
        status, at = change.after, max(at, change.at)
    if end > at:
        spans.append((at, end, status))
    return spans


def known_and_down_seconds(spans: Iterable[tuple[int, int, str]], start: int, end: int
                           ) -> tuple[int, int]:
    """(seconds with a known status, seconds Down) of the spans within [start, end)."""
    known = down = 0
    for low, high, status in spans:
        overlap = max(0, min(high, end) - max(low, start))
        if status in KNOWN_STATUSES:
            known += overlap
        if status == MonitorStatus.DOWN:
            down += overlap
    return known, down


def time_uptime(known_seconds: int, down_seconds: int) -> float | None:
    """100 x time not Down / known time, 3 decimals; None when no status was known."""
    if known_seconds <= 0:
        return None
    return round(100.0 * (known_seconds - down_seconds) / known_seconds, 3)
