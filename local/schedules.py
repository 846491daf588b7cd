"""When an EventBridge schedule expression fires next: `rate(...)` and AWS 6-field `cron(...)`.

Rates fire on epoch-aligned boundaries (a 1-minute rate at every :00 second), so a local run
behaves the same whatever second the stack started at.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from chalice.app import ScheduleExpression
from cronsim import CronSim

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def expression_text(expression: str | ScheduleExpression | Any) -> str:
    if isinstance(expression, ScheduleExpression):
        return expression.to_string()
    return str(expression).strip()


def next_fire_time(expression: str, after: datetime, rate_seconds: int | None = None) -> datetime:
    """The first time strictly after `after` at which `expression` fires (aware UTC).

    `rate_seconds` runs every rate schedule that often instead (tests and demos that cannot
    wait for minutes; the handlers are built for any cadence: cursors, claims and deadlines)."""
    if expression.startswith("rate("):
        if rate_seconds:
            return _next_boundary(after, rate_seconds)
        return _next_rate_boundary(expression, after)
    if expression.startswith("cron(") and expression.endswith(")"):
        return next(CronSim(to_unix_cron(expression), after.astimezone(timezone.utc)))
    raise ValueError(f"unsupported schedule expression: {expression!r}")


def _next_rate_boundary(expression: str, after: datetime) -> datetime:
    match = _RATE.match(expression)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"unsupported rate expression: {expression!r}")
    return _next_boundary(after, int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")])


def _next_boundary(after: datetime, period: int) -> datetime:
    elapsed = int(after.timestamp())
    return datetime.fromtimestamp(elapsed - elapsed % period + period, tz=timezone.utc)


def to_unix_cron(expression: str) -> str:
    """AWS `cron(min hour dom month dow year)` as 5-field unix cron.

    The year is dropped (a local run lives in one year), `?` means "any", and AWS numbers the
    days of the week 1-7 from Sunday where unix cron uses 0-6.
    """
    fields = expression[len("cron("):-1].split()
    if len(fields) != 6:
        raise ValueError(f"AWS cron needs 6 fields: {expression!r}")
    minute, hour, day_of_month, month, day_of_week, _year = (f.replace("?", "*") for f in fields)
    return " ".join([minute, hour, day_of_month, month, _unix_day_of_week(day_of_week)])


def _unix_day_of_week(field: str) -> str:
    day, hash_sign, nth = field.partition("#")
    day = re.sub(r"\d+", lambda m: str(int(m.group()) - 1), day)
    return f"{day}{hash_sign}{nth}"

