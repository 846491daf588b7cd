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
