"""Incident figures over a range: counts, MTTA, MTTR and downtime, overall and per monitor.
Pure: no I/O, no clock (callers pass `now`, the end of still-open incidents).

An incident counts in a range [start, end] if it overlaps it: started by `end` and not resolved
before `start`. Its downtime is the part of it inside the range.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable


@dataclass(frozen=True)
class Span:
    """What the figures need of an incident."""
    started_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    monitor_id: str | None = None
    monitor_name: str | None = None

    @property
    def status(self) -> str:
        if self.resolved_at is not None:
            return "Resolved"
        return "Acknowledged" if self.acknowledged_at is not None else "Open"


def overlaps(span: Span, start: datetime, end: datetime, now: datetime) -> bool:
    return span.started_at <= end and (span.resolved_at or now) >= start


def clipped_seconds(span: Span, start: datetime, end: datetime, now: datetime) -> float:
    """The part of the incident (to `now` if still open) inside [start, end], in seconds."""
    seconds = (min(span.resolved_at or now, end) - max(span.started_at, start)).total_seconds()
    return max(0.0, seconds)


def _mean_seconds(pairs: list[tuple[datetime, datetime]]) -> int | None:
    if not pairs:
        return None
    return round(sum((b - a).total_seconds() for a, b in pairs) / len(pairs))


def summarise(spans: Iterable[Span], start: datetime, end: datetime, now: datetime) -> dict:
    """Figures of the incidents overlapping [start, end]: MTTA over acknowledged ones, MTTR over
    resolved ones (null when there are none), downtime clipped to the range."""
    spans = [s for s in spans if overlaps(s, start, end, now)]
    statuses = [s.status for s in spans]
    return {
        "count": len(spans),
        "open": statuses.count("Open"),
        "acknowledged": statuses.count("Acknowledged"),
        "resolved": statuses.count("Resolved"),
        "mttaSeconds": _mean_seconds([(s.started_at, s.acknowledged_at) for s in spans
                                      if s.acknowledged_at is not None]),
        "mttrSeconds": _mean_seconds([(s.started_at, s.resolved_at) for s in spans
                                      if s.resolved_at is not None]),
        "downtimeSeconds": int(sum(clipped_seconds(s, start, end, now) for s in spans)),
    }


def per_monitor(spans: Iterable[Span], start: datetime, end: datetime, now: datetime
                ) -> list[dict]:
    """Count and downtime per monitor (incidents without a monitor left out), most downtime
    first."""
    rows: dict[str, dict] = defaultdict(lambda: {"count": 0, "downtime": 0.0, "name": None})
    for s in spans:
        if s.monitor_id is None or not overlaps(s, start, end, now):
            continue
        row = rows[s.monitor_id]
        row["count"] += 1
        row["downtime"] += clipped_seconds(s, start, end, now)
        row["name"] = s.monitor_name
    out = [{"monitorId": m, "monitorName": r["name"], "count": r["count"],
            "downtimeSeconds": int(r["downtime"])} for m, r in rows.items()]
    return sorted(out, key=lambda r: (-r["downtimeSeconds"], -r["count"], r["monitorId"]))
