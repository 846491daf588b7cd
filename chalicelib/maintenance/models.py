"""Maintenance window bodies as clients send them.

Flat, like alert rules: the schedule's fields and the scope's sit next to `name`. Which schedule
form and which scope are set (exactly one of each) is checked by
`maintenance_windows.check_schedule` and `rules.check_target`, which name the fields at stake.
"""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.maintenance.occurrences import WEEKDAYS
from chalicelib.kernel.fields import MonitorIds, ObjectName
from chalicelib.kernel.models import ApiModel, case_insensitive_enum
from chalicelib.kernel.fields import CronExpression, Instant, Tags, TimeZoneName

MAX_DURATION_MINUTES = 7 * 24 * 60


def _check_start_time(value: str) -> str:
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
    if match is None:
        raise ValueError("must be a time of day HH:MM, e.g. 02:30")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _without_duplicates(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Weekday = case_insensitive_enum(*WEEKDAYS)
Weekdays = Annotated[list[Weekday], Field(min_length=1, max_length=7),
                     AfterValidator(_without_duplicates)]
StartTime = Annotated[str, AfterValidator(_check_start_time)]
DurationMinutes = Annotated[int, Field(ge=1, le=MAX_DURATION_MINUTES)]


class MaintenanceWindowIn(ApiModel):
    name: ObjectName
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    # one-off
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    # weekly, or cron; both with a duration and a time zone
    weekdays: Weekdays | None = None
    start_time: StartTime | None = None
    cron_expression: CronExpression | None = None
    duration_minutes: DurationMinutes | None = None
    timezone: TimeZoneName | None = None
    # scope: exactly one
    monitor_ids: MonitorIds | None = None
    tags: Annotated[Tags, Field(min_length=1)] | None = None
    all_monitors: bool = False
    notify_subscribers: bool = False
