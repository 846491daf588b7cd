"""A monitor whose every region is dark gets no result at all: the minute sweep raises
monitor.not_checked for it, once per outage, instead of leaving it silently Up (E16 point 6)."""
from chalicelib.checks.unchecked_monitors import dark_regions, unchecked_since
from chalicelib.storage.control import RegionCursor
from test_region_dispatch import MINUTE, sends, tick_at  # noqa: F401 - fixtures and helpers
from test_scheduler import account, add_monitor  # noqa: F401


def test_a_region_more_than_two_minutes_behind_is_dark():
    cursors = {"UsEast": RegionCursor(10), "EuWest": RegionCursor(7), "UsWest": RegionCursor(None)}
    assert dark_regions(cursors, 10) == {"EuWest": 8}
    assert dark_regions({"EuWest": RegionCursor(8)}, 10) == {}


def test_an_outage_is_measured_from_its_first_failed_minute_not_the_cursor():
    """The cursor passes over minutes with nothing to send (none due, or all stale) even while
    the region refuses every call: the outage still began at its first failed minute."""
    crept = RegionCursor(last_minute=9, failing_since=7)
    assert crept.sent_through == 6
    assert dark_regions({"EuWest": crept}, 10) == {"EuWest": 7}
    assert RegionCursor(last_minute=5, failing_since=7).sent_through == 5
    assert RegionCursor(last_minute=None, failing_since=7).sent_through is None


def test_a_monitor_is_unchecked_only_when_all_its_served_regions_are_dark():
    served = ("UsEast", "EuWest")
    assert unchecked_since(["EuWest"], {"EuWest": 8}, served) == 8
    assert unchecked_since(["EuWest", "UsEast"], {"EuWest": 8}, served) is None
    assert unchecked_since(["EuWest", "ApSoutheast"], {"EuWest": 8}, served) == 8
    assert unchecked_since(["ApSoutheast"], {"EuWest": 8}, served) is None


def not_checked_event(monitor, slot):
    from chalicelib.bus import events
    from chalicelib.storage.events import EventItem

    try:
        return EventItem.get(events.event_id_for(monitor.monitor_id, "monitor.not_checked",
                                                 slot, ""))
    except EventItem.DoesNotExist:
        return None


def test_the_sweep_raises_not_checked_once_for_a_monitor_only_dark_regions_check(
        account, clock, sends):  # noqa: F811
    from chalicelib.checks import unchecked_monitors

    alone = add_monitor(account, clock, "eu only", regions=("EuWest",))
    both = add_monitor(account, clock, "both", regions=("UsEast", "EuWest"))
    tick_at(clock, MINUTE * 60 + 1)
    sends.dark = {"EuWest"}
    for step in range(1, 5):
        tick_at(clock, (MINUTE + step) * 60 + 1)
    assert unchecked_monitors.sweep(clock.now()) == 1
    event = not_checked_event(alone, (MINUTE + 2) * 60)    # the first minute not sent
    assert event is not None and event.type == "monitor.not_checked"
    assert "no region could be reached" in event.payload["alert"]["message"]
    assert not_checked_event(both, (MINUTE + 2) * 60) is None   # UsEast still checks it
    tick_at(clock, (MINUTE + 5) * 60 + 1)
    assert unchecked_monitors.sweep(clock.now()) == 0        # the same outage: raised once


def test_an_outage_keeps_its_one_event_while_stale_minutes_are_passed_over(
        account, clock, sends):  # noqa: F811
    """A dark region's tick can land when the first minute it owes holds only stale slots: the
    cursor passes over it with no call. The outage is still the same one: one event, named by
    its first failed minute, however the ticks fall. Measured from the cursor, it was named
    after the minute passed over, and renamed (a second event) each time a tick passed over
    another: every minute for a region whose only monitor has offset 0."""
    from chalicelib.checks import unchecked_monitors
    from chalicelib.storage import control

    alone = add_monitor(account, clock, "eu only", interval=30, regions=("EuWest",))
    tick_at(clock, MINUTE * 60 + 1)                       # EuWest has MINUTE + 1
    offsets = [j.slot - (MINUTE + 1) * 60 for _, j in sends.got if j.region == "EuWest"]
    sends.dark = {"EuWest"}
    tick_at(clock, (MINUTE + 1) * 60 + 1)                 # MINUTE + 2 refused: the outage
    # Every slot of MINUTE + 2 stale: passed over, and MINUTE + 3 refused.
    done = tick_at(clock, (MINUTE + 2) * 60 + max(offsets) + 120.5)
    assert done["regions"]["EuWest"]["skippedMinutes"] == 1
    assert control.region_cursor("EuWest") == MINUTE + 2
    raised = unchecked_monitors.sweep(clock.now())
    for step in range(4, 8):
        tick_at(clock, (MINUTE + step) * 60 + 1)
        raised += unchecked_monitors.sweep(clock.now())
    assert raised == 1
    assert not_checked_event(alone, (MINUTE + 2) * 60) is not None
    assert not_checked_event(alone, (MINUTE + 3) * 60) is None


def test_the_first_checks_sent_again_end_the_outage(account, clock, sends):  # noqa: F811
    from chalicelib.checks import unchecked_monitors
    from chalicelib.storage import control

    add_monitor(account, clock, "eu only", regions=("EuWest",))
    tick_at(clock, MINUTE * 60 + 1)
    sends.dark = {"EuWest"}
    for step in range(1, 5):
        tick_at(clock, (MINUTE + step) * 60 + 1)
    assert control.read_region_cursor("EuWest").failing_since == MINUTE + 2
    sends.dark = set()
    tick_at(clock, (MINUTE + 5) * 60 + 1)
    assert control.read_region_cursor("EuWest") == control.RegionCursor(MINUTE + 6, None)
    assert unchecked_monitors.sweep(clock.now()) == 0
