"""A monitor's hour summary: the sums of its rolled-up hours, kept on its item so that the
overview shows 200 monitors' uptime and response times without reading 720 rollups of each.

Taken by the hourly rollup job (`rollup_job.py`) once it has rolled an hour up (`through`), from
the monitor's rollups of the 30-day window, and written in the job's one telemetry UpdateItem
of that monitor and hour. It holds the sums of the hours of the windows that end with the next
hour (`through`+1): the month (hours through-718 .. through), the day (through-22 .. through)
and each day hour's mean response time (the sparkline). The hours after `through` (the current
hour, and the one just ended until the job rolls it) are in the shard heads the worker keeps
(`monitors/now.py` puts their counts on the loaded item): `figures.py` adds them. Pure.

A summary written before the job (by the per-check path: it has "hour", not "through") is not
read (`parse` answers None): the overview then reads that monitor's rollups until the job has
rolled its next hour.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from chalicelib.kernel import stats

HOUR = stats.SECONDS_PER_HOUR
DAY_HOURS = stats.PERIODS["24h"] // HOUR
MONTH_HOURS = stats.PERIODS["30d"] // HOUR
# The sparkline's hours that the summary holds: the day's rolled ones (through-22 .. through).
SPARK_HOURS = DAY_HOURS - 1


@dataclass(frozen=True)
class HourCounts:
    """One hour's counts, as its rollup holds them (the same attribute names)."""
    hour: int
    checks: int = 0
    failures: int = 0
    rt_count: int = 0
    rt_sum_ms: int = 0

    @property
    def hour_epoch(self) -> int:     # as a rollup names its hour
        return self.hour


@dataclass(frozen=True)
class HourSummary:
    through: int                    # the last hour summed (epoch): the job rolled it up
    month: tuple[int, int]          # (checks, failures) of hours through-718 .. through
    day: tuple[int, int]            # (checks, failures) of hours through-22 .. through
    ms: tuple[int | None, ...]      # mean response time of hours through-22 .. through

    def settled(self, hours: int) -> tuple[int, int]:
        """(checks, failures) of the summed hours of the `hours`-long window (24 or 720)
        that ends with the hour after `through`."""
        return self.day if hours == DAY_HOURS else self.month

    def first_settled(self, hours: int) -> int:
        return self.through - (hours - 2) * HOUR

    @property
    def last_settled(self) -> int:
        return self.through

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


def summary_through(through: int, rollups: Iterable) -> str:
    """The summary (JSON) once `through` is rolled up, from the monitor's rollups of the hours
    up to it (any window reaching back at least 718 hours before it; older and later ones are
    ignored)."""
    first_month = through - (MONTH_HOURS - 2) * HOUR
    first_day = through - (DAY_HOURS - 2) * HOUR
    summed = [r for r in rollups if first_month <= r.hour_epoch <= through]
    by_hour = {r.hour_epoch: r for r in summed}
    ms = [mean_ms(by_hour[h]) if h in by_hour else None
          for h in range(first_day, through + HOUR, HOUR)]
    return json.dumps({"through": through, "month": _sums(summed),
                       "day": _sums(r for r in summed if r.hour_epoch >= first_day), "ms": ms},
                      separators=(",", ":"))


def dropped_hours(previous: HourSummary, through: int) -> list[int]:
    """The hours `previous` summed that the windows after `through` no longer hold (the
    month's and the day's): what `rolled_on` needs of their rollups."""
    month = range(previous.first_settled(MONTH_HOURS), through - (MONTH_HOURS - 2) * HOUR, HOUR)
    day = range(previous.first_settled(DAY_HOURS), through - (DAY_HOURS - 2) * HOUR, HOUR)
    return sorted(set(month) | set(day))


def rolled_on(previous: HourSummary, through: int, rollup, dropped: dict[int, object]) -> str:
    """The summary once `through` is rolled up, from the previous one (of an earlier hour: the
    hours between had no result), the new hour's rollup and the rollups of `dropped_hours`
    (hour -> rollup; an hour without results has none): the same as `summary_through` over
    every rollup, without reading them."""
    def less(sums: tuple[int, int], hours: int) -> tuple[int, int]:
        first = through - (hours - 2) * HOUR
        gone = [dropped[h] for h in range(previous.first_settled(hours), first, HOUR)
                if h in dropped]
        checks, failures = _sums(gone)
        return (int(sums[0]) - checks + int(rollup.checks),
                int(sums[1]) - failures + int(rollup.failures))

    shift = (through - previous.through) // HOUR
    ms = (list(previous.ms[shift:]) + [None] * (shift - 1) + [mean_ms(rollup)])[-SPARK_HOURS:]
    return json.dumps({"through": through, "month": less(previous.month, MONTH_HOURS),
                       "day": less(previous.day, DAY_HOURS), "ms": ms}, separators=(",", ":"))


def parse(text: str | None) -> HourSummary | None:
    """The stored summary, or None when there is none (never rolled up, or one written before
    the rollup job) or it cannot be read."""
    if not text:
        return None
    try:
        data = json.loads(text)
        return HourSummary(int(data["through"]), tuple(data["month"]), tuple(data["day"]),
                           tuple(data["ms"]))
    except (ValueError, KeyError, TypeError):
        return None
