"""Maintenance windows: when one is active, its occurrences over a range, and which monitors it
covers. Pure: a stored window (a snake_case dict, as `maintenance_windows.window_dict` makes it)
and times in, UTC times out; no I/O, no clock.

A window has exactly one schedule form:
- one-off: `starts_at` and `ends_at` (ISO 8601, UTC when no offset is given);
- weekly: `weekdays` ("Mon".."Sun"), `start_time` ("HH:MM"), `duration_minutes`, `timezone`;
- cron: `cron_expression`, `duration_minutes`, `timezone`.

Recurring windows are read in their IANA time zone through `chalicelib.kernel.cron` (cronsim, Debian
cron semantics), so across DST changes they behave as Job monitor schedules do:
- spring-forward (Europe/Berlin, 2026-03-29, 02:00 CET -> 03:00 CEST): a window starting in the
  skipped hour (Sunday 02:30) starts when the clocks jump, at 03:00 CEST (01:00Z);
- fall-back (Europe/Berlin, 2026-10-25, 03:00 CEST -> 02:00 CET): a window at a fixed time in the
  repeated hour (02:30) starts once, at the first 02:30 (00:30Z).
`duration_minutes` is elapsed time: a 60-minute window lasts 60 real minutes whatever the clocks
do meanwhile.

A window covers a monitor like an alert rule targets one (`alert_routing.is_rule_target`): its
id is in `monitor_ids`, or it carries ALL of `tags`, or `all_monitors`.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from chalicelib.rules import routing as alert_routing
from chalicelib.kernel import cron

ONE_OFF, WEEKLY, CRON = "OneOff", "Weekly", "Cron"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_CRON_WEEKDAY = {"Sun": 0, "Mon": 1, "Tue": 2, "Wed": 3, "Thu": 4, "Fri": 5, "Sat": 6}
# A bound on the occurrences one call computes (a "* * * * *" window over 90 days would be
# 129,600): beyond it the list is cut short, so figures treat the rest of the range as outside.
MAX_OCCURRENCES = 5000
Span = tuple[datetime, datetime]


def schedule_kind(window: dict[str, Any]) -> str:
    if window.get("cron_expression"):
        return CRON
    if window.get("weekdays"):
        return WEEKLY
    return ONE_OFF


def cron_expression_of(window: dict[str, Any]) -> str:
    """The cron expression a recurring window fires on (weekly windows become one)."""
    if schedule_kind(window) == CRON:
        return window["cron_expression"]
    hours, minutes = (int(part) for part in window["start_time"].split(":"))
    days = ",".join(str(_CRON_WEEKDAY[d]) for d in window["weekdays"])
    return f"{minutes} {hours} * * {days}"


def _recurrence(window: dict[str, Any]) -> tuple[timedelta, dict[str, str]]:
    """A recurring window's duration and the schedule `cron.next_expected` reads."""
    return (timedelta(minutes=int(window["duration_minutes"])),
            {"cron_expression": cron_expression_of(window),
             "timezone": window.get("timezone") or "UTC"})


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else \
        value.astimezone(timezone.utc)


def occurrences(window: dict[str, Any], start: datetime, end: datetime) -> list[Span]:
    """The window's (start, end) occurrences that overlap [start, end), oldest first, in UTC.

    Raises cron.ScheduleError for a recurring window whose expression or zone is unusable.
    """
    start, end = _utc(start), _utc(end)
    if schedule_kind(window) == ONE_OFF:
        begins, ends = _utc(window["starts_at"]), _utc(window["ends_at"])
        return [(begins, ends)] if begins < end and ends > start else []
    duration, schedule = _recurrence(window)
    found: list[Span] = []
    after = start - duration  # an occurrence starting later than this ends after `start`
    while len(found) < MAX_OCCURRENCES:
        begins = cron.next_expected(schedule, after)
        if begins >= end:
            break
        found.append((begins, begins + duration))
        after = begins
    return found


def is_active(window: dict[str, Any], now: datetime) -> bool:
    """Whether `now` falls inside an occurrence (its start included, its end excluded)."""
    now = _utc(now)
    return any(b <= now < e for b, e in occurrences(window, now, now + timedelta(microseconds=1)))


def current_or_next(window: dict[str, Any], now: datetime) -> Span | None:
    """The occurrence in progress at `now`, else the next one; None when none is left."""
    now = _utc(now)
    if schedule_kind(window) == ONE_OFF:
        begins, ends = _utc(window["starts_at"]), _utc(window["ends_at"])
        return (begins, ends) if ends > now else None
    duration, schedule = _recurrence(window)
    begins = cron.next_expected(schedule, now - duration)
    return begins, begins + duration


def applies_to(window: dict[str, Any], monitor_config: dict[str, Any] | None,
               monitor_id: str) -> bool:
    """Whether the window covers the monitor (`monitor_config` needs only its `tags`)."""
    tags = set((monitor_config or {}).get("tags") or [])
    return alert_routing.is_rule_target(window, monitor_id, tags)


# --- spans, for the uptime figures ---------------------------------------------------------------

def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Overlapping or touching spans joined, oldest first."""
    merged: list[Span] = []
    for begins, ends in sorted(spans):
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return merged


def clip_spans(spans: Iterable[Span], start: datetime, end: datetime) -> list[Span]:
    return [(max(b, start), min(e, end)) for b, e in spans if b < end and e > start]


def covered_seconds(spans: Iterable[Span]) -> int:
    return int(sum((e - b).total_seconds() for b, e in merge_spans(spans)))


def is_hour_covered(merged: list[Span], hour_epoch: int) -> bool:
    """Whether the UTC hour starting at `hour_epoch` lies wholly inside one of `merged`."""
    begins = datetime.fromtimestamp(hour_epoch, timezone.utc)
    ends = begins + timedelta(hours=1)
    return any(b <= begins and ends <= e for b, e in merged)

