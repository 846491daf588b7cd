"""A monitor's hour summary: the sums of its settled hours, kept on its item so that the
overview shows 200 monitors' uptime and response times without reading 720 rollups of each.

Taken at an hour's first result, from the 30-day window's earlier rollups that
`results.record_result` reads at that moment anyway (for the stored 30-day uptime), and written
in the same telemetry UpdateItem: no read and no write of its own. It sums the hours up to two
before its own (`hour`): the hour just ended may still receive late results (a slow region, a
re-queued check). It also keeps that hour's counts as they were then (`prev`) and the first
result's (`first`).

The two unsettled hours are kept on the monitor by every later result of them: its telemetry
update sets the hour's counts exactly as its rollup ADD returned them (ALL_NEW) into one of two
slots (by the hour's parity), on condition that the slot holds an earlier state (`counts_text`
orders by hour, then by checks). The rollup's ADDs are serialised, so the result that saw the
most checks carries every earlier one, whichever telemetry update lands last: two regions or
workers recording the same hour are both counted, and a late result of the hour just ended still
lands in its own slot. Readers read a rollup only for the hour just ended when it had no result
when the summary was taken and none since (a late first result cannot be told apart). Pure.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Sequence

from chalicelib.kernel import stats

HOUR = stats.SECONDS_PER_HOUR
DAY_HOURS = stats.PERIODS["24h"] // HOUR
MONTH_HOURS = stats.PERIODS["30d"] // HOUR
# The sparkline's hours that the summary holds: the day's settled ones (hour-23 .. hour-2).
SPARK_HOURS = DAY_HOURS - 2


@dataclass(frozen=True)
class HourCounts:
    """One hour's counts, as its rollup holds them (the same attribute names)."""
    hour: int
    checks: int = 0
    failures: int = 0
    rt_count: int = 0
    rt_sum_ms: int = 0


def counts_of(hour: int, rollup) -> HourCounts:
    return HourCounts(hour, int(rollup.checks or 0), int(rollup.failures or 0),
                      int(rollup.rt_count or 0), int(rollup.rt_sum_ms or 0))


@dataclass(frozen=True)
class HourSummary:
    hour: int                       # epoch of the hour whose first result took it
    month: tuple[int, int]          # (checks, failures) of hours hour-719 .. hour-2
    day: tuple[int, int]            # (checks, failures) of hours hour-23 .. hour-2
    ms: tuple[int | None, ...]      # mean response time of hours hour-23 .. hour-2 (None: none)
    first: HourCounts | None = None  # the hour's first result (None: a summary from before)
    prev: HourCounts | None = None   # hour-1 when the summary was taken (None: no result then)

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


def _counts_list(counts: HourCounts) -> list[int]:
    return [counts.checks, counts.failures, counts.rt_count, counts.rt_sum_ms]


def summarise(hour: int, earlier: Iterable, first) -> str:
    """The summary of `hour` (JSON) from the monitor's rollups of the hours before it (any
    window reaching back at least 719 hours; older ones are ignored) and the hour's rollup as
    its first result left it."""
    first_month = hour - (MONTH_HOURS - 1) * HOUR
    first_day = hour - (DAY_HOURS - 1) * HOUR
    earlier = list(earlier)
    settled = [r for r in earlier if first_month <= r.hour_epoch <= hour - 2 * HOUR]
    by_hour = {r.hour_epoch: r for r in settled}
    ms = [mean_ms(by_hour[h]) if h in by_hour else None
          for h in range(first_day, first_day + SPARK_HOURS * HOUR, HOUR)]
    prev = [counts_of(hour - HOUR, r) for r in earlier if r.hour_epoch == hour - HOUR]
    return json.dumps({"hour": hour, "month": _sums(settled),
                       "day": _sums(r for r in settled if r.hour_epoch >= first_day), "ms": ms,
                       "first": _counts_list(counts_of(hour, first)),
                       "prev": _counts_list(prev[0]) if prev else None},
                      separators=(",", ":"))


def _counts_from(hour: int, values: Sequence[int] | None) -> HourCounts | None:
    return None if values is None else HourCounts(hour, *map(int, values))


def parse(text: str | None) -> HourSummary | None:
    """The stored summary, or None when there is none (never checked, or not since this
    summary was introduced) or it cannot be read."""
    if not text:
        return None
    try:
        data = json.loads(text)
        hour = int(data["hour"])
        return HourSummary(hour, tuple(data["month"]), tuple(data["day"]), tuple(data["ms"]),
                           _counts_from(hour, data.get("first")),
                           _counts_from(hour - HOUR, data.get("prev")))
    except (ValueError, KeyError, TypeError):
        return None


# The slots of the unsettled hours' counts on the monitor item: one per hour parity, so the
# hour just ended keeps its own while the current one fills the other.
SLOTS = 2


def slot_of(hour: int) -> int:
    return hour // HOUR % SLOTS


def counts_text(counts: HourCounts) -> str:
    """A slot's text; texts order as (hour, checks) do, so a store can keep the later state
    with a plain `<` condition (fixed-width digits: 11 for the epoch, 9 for the checks)."""
    return (f"{counts.hour:011d}#{counts.checks:09d}#{counts.failures}#{counts.rt_count}"
            f"#{counts.rt_sum_ms}")


def parse_counts(text: str | None) -> HourCounts | None:
    if not text:
        return None
    try:
        return HourCounts(*map(int, text.split("#")))
    except (ValueError, TypeError):
        return None


def latest_counts(summary: HourSummary, slots: Iterable[str | None], first_result_hour: int
                  ) -> dict[int, HourCounts | None] | None:
    """What the monitor item tells of the hours after the summary's settled ones: the summary's
    hour and the one before, by hour, their counts (None: it cannot tell; read that rollup).
    No later hour has a result. `first_result_hour`: no hour before it can have a result.

    None when the item cannot tell at all: a summary from before these counts were kept, or a
    slot of a later hour than the summary (that hour's first result is not written yet, or was
    lost): read every hour from the rollups then.
    """
    kept = {c.hour: c for c in map(parse_counts, slots) if c is not None}
    if summary.first is None or any(hour > summary.hour for hour in kept):
        return None
    current = kept.get(summary.hour, summary.first)      # a slot holds two checks or more
    before = summary.hour - HOUR
    states = [c for c in (kept.get(before), summary.prev) if c is not None]
    if states:
        previous = max(states, key=lambda c: c.checks)    # the later state has every check
    elif before < first_result_hour:
        previous = HourCounts(before)
    else:
        previous = None
    return {before: previous, summary.hour: current}
