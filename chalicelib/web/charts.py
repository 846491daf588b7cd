"""The response-time chart's data, as uPlot takes it: one shared time axis (epoch seconds) and a
series per region, null where a region has no point at that time or the check failed. Pure."""
from __future__ import annotations

from datetime import datetime


def response_times(results: list[dict]) -> dict:
    """From the API's results (any order): {regions, times, values[region][i]} oldest first."""
    regions = sorted({r["region"] for r in results})
    by_time: dict[int, dict[str, int | None]] = {}
    for result in results:
        at = int(datetime.fromisoformat(result["checkedAt"].replace("Z", "+00:00")).timestamp())
        value = result["responseTimeMs"] if result["ok"] else None
        by_time.setdefault(at, {})[result["region"]] = value
    times = sorted(by_time)
    return {"regions": regions, "times": times,
            "values": [[by_time[t].get(region) for t in times] for region in regions]}


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 24, 2


def sparkline(values: list[int | None]) -> dict | None:
    """An inline SVG sparkline of `values` (oldest first, None: no value): {segments, low,
    high}, each segment the "x,y" points of a run of values without a gap, scaled so the
    lowest value sits at the bottom and the highest at the top. None without any value."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    low, high = min(known), max(known)
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    usable = SPARK_HEIGHT - 2 * SPARK_PAD

    def y(value: int) -> float:
        share = (value - low) / (high - low) if high > low else 0.5
        return round(SPARK_HEIGHT - SPARK_PAD - share * usable, 1)

    segments: list[list[str]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(f"{round(index * step, 1)},{y(value)}")
    return {"segments": [s for s in segments if s], "low": low, "high": high}
