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
- a region's outage (`failing_since` on its cursor item): set by one UpdateItem when a send to
  it first fails (if_not_exists, so a second tick cannot move it), removed by the UpdateItem that
  advances the cursor after a send that reached the region: no write of its own while healthy
"""
from __future__ import annotations

from dataclasses import dataclass

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
    # region cursors only: the first minute a send to the region failed, while its sends fail.
    # The cursor alone cannot say it: minutes with nothing to send (none due, or all stale)
    # move it on with no call to the region, dark or not.
    failing_since = NumberAttribute(null=True)


@dataclass(frozen=True)
class RegionCursor:
    last_minute: int | None      # the last minute sent or passed over, None before the first
    failing_since: int | None = None

    @property
    def sent_through(self) -> int | None:
        """The last minute whose checks went out to the region: its cursor, but never past
        the minute before its outage began. Stable while the region stays dark, which is what
        names the outage (`checks.unchecked_monitors`) and says a slot was never sent
        (`status.degraded_quorum.unreached`)."""
        if self.failing_since is None or self.last_minute is None:
            return self.last_minute
        return min(self.last_minute, self.failing_since - 1)


def scheduler_state() -> ControlItem:
    try:
        return ControlItem.get(SCHEDULER, consistent_read=True)
    except ControlItem.DoesNotExist:
        return ControlItem(SCHEDULER)


def region_cursor_name(region: str) -> str:
    return f"{SCHEDULER}#{region}"


def _region_cursor_of(item: ControlItem | None) -> RegionCursor:
    if item is None:
        return RegionCursor(None)
    return RegionCursor(_int_or_none(item.last_minute), _int_or_none(item.failing_since))


def _int_or_none(value) -> int | None:
    return int(value) if value is not None else None


def read_region_cursor(region: str) -> RegionCursor:
    """`region`'s cursor and outage: one consistent GetItem."""
    try:
        return _region_cursor_of(ControlItem.get(region_cursor_name(region),
                                                 consistent_read=True))
    except ControlItem.DoesNotExist:
        return RegionCursor(None)


def region_cursor(region: str) -> int | None:
    """The last minute sent to `region` (or passed over), None before its first send."""
    return read_region_cursor(region).last_minute


def region_cursors(regions) -> dict[str, RegionCursor]:
    """`read_region_cursor` of each region, in ONE consistent BatchGetItem."""
    names = {region_cursor_name(r): r for r in regions}
    found = {item.name: item
             for item in ControlItem.batch_get(sorted(names), consistent_read=True)} \
        if names else {}
    return {region: _region_cursor_of(found.get(name)) for name, region in names.items()}


def add_family(family: str) -> None:
    ControlItem(SCHEDULER).update(actions=[ControlItem.families.add({family})])


def advance_cursor(previous: int | None, minute: int, name: str = SCHEDULER,
                   reached: bool = False) -> bool:
    """Move the cursor `name` from `previous` to `minute`; False when another tick moved it
    first. `reached`: the minute's checks went out, so the region's outage, if any, is over."""
    if previous is None:
        condition = ControlItem.last_minute.does_not_exist()
    else:
        condition = ControlItem.last_minute == previous
    actions = [ControlItem.last_minute.set(minute)]
    if reached:
        actions.append(ControlItem.failing_since.remove())
    return update_if(ControlItem(name), actions, condition)


def mark_failing(name: str, minute: int) -> None:
    """Note that sends to the region of cursor `name` fail from `minute` on, unless an outage
    is already noted: its first minute stays."""
    ControlItem(name).update(actions=[
        ControlItem.failing_since.set(ControlItem.failing_since | minute)])


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
