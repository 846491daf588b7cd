"""Scheduler control: the interval families in use and the last minute dispatched.

Access patterns:
- read the scheduler state once per tick: GetItem("scheduler")
- note an interval family when a monitor uses it: UpdateItem ADD to a string set (idempotent)
- advance the cursor: UpdateItem conditional on the previous minute, so two ticks racing cannot
  both move it, and a late tick catches up minute by minute
- the system heartbeat (item "heartbeat"): GetItem and UpdateItem once per scheduler tick; the
  missed-run sweep reads it once (GetItem) to tell Enori's own downtime from a job's silence
- one cursor per check region (item "scheduler#<Region>"): GetItem per region per tick, advanced
  the same way, so a region whose queue cannot be reached holds back only its own cursor; the
  evaluator and the not-checked sweep read several at once: one consistent BatchGetItem
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.models import Model

from chalicelib.storage.base import table_meta, update_if

SCHEDULER = "scheduler"
HEARTBEAT = "heartbeat"


class ControlItem(Model):
    Meta = table_meta("control")

    name = UnicodeAttribute(hash_key=True)
    families = UnicodeSetAttribute(null=True)
    last_minute = NumberAttribute(null=True)
    # HEARTBEAT only: the last tick (epoch seconds), and the last gap between two ticks
    last_beat = NumberAttribute(null=True)
    gap_start = NumberAttribute(null=True)
    gap_end = NumberAttribute(null=True)


def scheduler_state() -> ControlItem:
    try:
        return ControlItem.get(SCHEDULER, consistent_read=True)
    except ControlItem.DoesNotExist:
        return ControlItem(SCHEDULER)


def region_cursor_name(region: str) -> str:
    return f"{SCHEDULER}#{region}"


def region_cursor(region: str) -> int | None:
    """The last minute sent to `region`, None before its first send."""
    try:
        item = ControlItem.get(region_cursor_name(region), consistent_read=True)
    except ControlItem.DoesNotExist:
        return None
    return int(item.last_minute) if item.last_minute is not None else None


def region_cursors(regions) -> dict[str, int | None]:
    """`region_cursor` of each region, in ONE consistent BatchGetItem."""
    names = {region_cursor_name(r): r for r in regions}
    found = {item.name: item.last_minute
             for item in ControlItem.batch_get(sorted(names), consistent_read=True)} \
        if names else {}
    return {region: int(found[name]) if found.get(name) is not None else None
            for name, region in names.items()}


def add_family(family: str) -> None:
    ControlItem(SCHEDULER).update(actions=[ControlItem.families.add({family})])


def advance_cursor(previous: int | None, minute: int, name: str = SCHEDULER) -> bool:
    """Move the cursor `name` from `previous` to `minute`; False when another tick moved it
    first."""
    if previous is None:
        condition = ControlItem.last_minute.does_not_exist()
    else:
        condition = ControlItem.last_minute == previous
    return update_if(ControlItem(name), [ControlItem.last_minute.set(minute)], condition)


def heartbeat() -> ControlItem:
    try:
        return ControlItem.get(HEARTBEAT, consistent_read=True)
    except ControlItem.DoesNotExist:
        return ControlItem(HEARTBEAT)


def beat(now_epoch: int, gap: tuple[int, int] | None) -> None:
    """Record a tick at `now_epoch`, and `gap` (start, end) when one just ended."""
    item = ControlItem(HEARTBEAT)
    actions = [ControlItem.last_beat.set(now_epoch)]
    if gap is not None:
        actions += [ControlItem.gap_start.set(gap[0]), ControlItem.gap_end.set(gap[1])]
    item.update(actions=actions)
