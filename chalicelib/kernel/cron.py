"""When a Job monitor expects its next ping, and when a missing one becomes an alert. Pure: a
stored configuration (snake_case, as `JobMonitorIn` dumps it) and times in, UTC times out.

Healthchecks.io semantics. A cron schedule is read in the monitor's IANA time zone by cronsim,
which follows Debian cron across DST changes:
- fall-back (Europe/Riga, 2023-10-29, 04:00 EEST -> 03:00 EET): a fixed-time job (`30 3 * * *`)
  is expected once, at the first 03:30 (00:30Z); jobs with a wildcard hour (`*/30 * * * *`)
  are expected in both passes of the repeated hour.
- spring-forward (America/New_York, 2023-03-12, 02:00 EST -> 03:00 EDT): a job in the skipped
  hour (`30 2 * * *`) is expected at once when the clocks jump, at 03:00 EDT (07:00Z).
A period schedule expects the next ping `period_seconds` after the last one.

The deadline counts from the last finished run (a success or a failure ping, as Healthchecks'
`last_ping`), or from creation until the first one.
"""
from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta, timezone
from typing import Any

from cronsim import CronSim, CronSimError

# cronsim ignores `fold`: started inside a repeated hour it can answer a time before the start.
_MAX_STEPS = 8


class ScheduleError(ValueError):
    """A stored schedule that cannot be evaluated (bad cron, unknown zone, neither set)."""


def next_expected(config: dict[str, Any], after: datetime) -> datetime:
    """The first expected run strictly after `after`, in UTC."""
    after = after.astimezone(timezone.utc)
    period = config.get("period_seconds")
    if period:
        return after + timedelta(seconds=int(period))
    expression = config.get("cron_expression")
    if not expression:
        raise ScheduleError("neither cron_expression nor period_seconds is set")
    try:
        zone = zoneinfo.ZoneInfo(config.get("timezone") or "UTC")
        runs = CronSim(expression, after.astimezone(zone))
        for _ in range(_MAX_STEPS):
            run = next(runs).astimezone(timezone.utc)
            if run > after:
                return run
    except (CronSimError, zoneinfo.ZoneInfoNotFoundError, ValueError, StopIteration) as exc:
        raise ScheduleError(f"bad schedule {expression!r} in {config.get('timezone')!r}: {exc}")
    raise ScheduleError(f"no run of {expression!r} after {after.isoformat()}")


def grace_of(config: dict[str, Any]) -> timedelta:
    return timedelta(seconds=int(config.get("grace_period_seconds") or 0))


def deadline(config: dict[str, Any], last_ping_at: datetime | None,
             created_at: datetime) -> datetime:
    """When the run after the last ping (or after creation) is overdue: next expected + grace."""
    return next_expected(config, last_ping_at or created_at) + grace_of(config)


def job_deadline(config: dict[str, Any], last_ping_at: datetime | None,
                 last_start_at: datetime | None, created_at: datetime) -> datetime:
    """The deadline to arm after a ping. A started run with a maximum run time is overdue when
    that time has passed (it may run past the schedule's grace, but not past its maximum)."""
    max_runtime = config.get("max_runtime_seconds")
    if last_start_at is not None and max_runtime:
        return last_start_at + timedelta(seconds=int(max_runtime))
    return deadline(config, last_ping_at, created_at)


def deadline_after_miss(config: dict[str, Any], last_ping_at: datetime | None,
                        created_at: datetime, now: datetime) -> datetime:
    """The next deadline once a miss was reported at `now`: the schedule's next deadline that is
    still ahead, so a job that stays silent is reported once per missed run, not every minute."""
    upcoming = deadline(config, last_ping_at, created_at)
    if upcoming > now:
        return upcoming
    return next_expected(config, now - grace_of(config)) + grace_of(config)
