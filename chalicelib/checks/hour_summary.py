"""A monitor's hour summary: the sums of its settled hours, kept on its item so that the
overview shows 200 monitors' uptime and response times without reading 720 rollups of each.

Taken at an hour's first result, from the 30-day window's earlier rollups that
`results.record_result` reads at that moment anyway (for the stored 30-day uptime), and written
in the same telemetry UpdateItem: no read and no write of its own. It sums the hours up to two
before its own (`hour`): the hour just ended may still receive late results (a slow region, a
re-queued check), so readers read that hour, and every later one, from its rollup. Pure.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from chalicelib.kernel import stats

HOUR = stats.SECONDS_PER_HOUR
DAY_HOURS = stats.PERIODS["24h"] // HOUR
MONTH_HOURS = stats.PERIODS["30d"] // HOUR
# The sparkline's hours that the summary holds: the day's settled ones (hour-23 .. hour-2).
SPARK_HOURS = DAY_HOURS - 2


@dataclass(frozen=True)
class HourSummary:
    hour: int                       # epoch of the hour whose first result took it
    month: tuple[int, int]          # (checks, failures) of hours hour-719 .. hour-2
    day: tuple[int, int]            # (checks, failures) of hours hour-23 .. hour-2
    ms: tuple[int | None, ...]      # mean response time of hours hour-23 .. hour-2 (None: none)

    def settled(self, hours: int) -> tuple[int, int]:
        """(checks, failures) of the settled hours of the `hours`-long window (24 or 720)."""
        return self.day if hours == DAY_HOURS else self.month

    def first_settled(self, hours: int) -> int:
        return self.hour - (hours - 1) * HOUR

    @property
    def last_settled(self) -> int:
        return self.hour - 2 * HOUR

    def mean_ms_at(self, hour: int) -> int | None:
        index = (hour - self.first_settled(DAY_HOURS)) // HOUR
        return self.ms[index] if 0 <= index < len(self.ms) else None


def mean_ms(rollup) -> int | None:
    """The hour's mean response time, whole ms; None when no check measured one."""
    count = int(rollup.rt_count or 0)
    return round(int(rollup.rt_sum_ms or 0) / count) if count else None


def _sums(rollups: Iterable) -> tuple[int, int]:
    rollups = list(rollups)
    return sum(int(r.checks) for r in rollups), sum(int(r.failures) for r in rollups)


def summarise(hour: int, earlier: Iterable) -> str:
    """The summary of `hour` (JSON) from the monitor's rollups of the hours before it (any
    window reaching back at least 719 hours; older ones are ignored)."""
    first_month = hour - (MONTH_HOURS - 1) * HOUR
    first_day = hour - (DAY_HOURS - 1) * HOUR
    settled = [r for r in earlier if first_month <= r.hour_epoch <= hour - 2 * HOUR]
    by_hour = {r.hour_epoch: r for r in settled}
    ms = [mean_ms(by_hour[h]) if h in by_hour else None
          for h in range(first_day, first_day + SPARK_HOURS * HOUR, HOUR)]
    return json.dumps({"hour": hour, "month": _sums(settled),
                       "day": _sums(r for r in settled if r.hour_epoch >= first_day), "ms": ms},
                      separators=(",", ":"))


def parse(text: str | None) -> HourSummary | None:
    """The stored summary, or None when there is none (never checked, or not since this
    summary was introduced) or it cannot be read."""
    if not text:
        return None
    try:
        data = json.loads(text)
        return HourSummary(int(data["hour"]), tuple(data["month"]), tuple(data["day"]),
                           tuple(data["ms"]))
    except (ValueError, KeyError, TypeError):
        return None
