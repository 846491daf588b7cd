"""A monitor whose every region is dark gets no result at all: the minute sweep raises
monitor.not_checked for it, once per outage, instead of leaving it silently Up (E16 point 6)."""
from chalicelib.checks.unchecked_monitors import dark_regions, unchecked_since
from test_region_dispatch import MINUTE, sends, tick_at  # noqa: F401 - fixtures and helpers
from test_scheduler import account, add_monitor  # noqa: F401


def test_a_region_more_than_two_minutes_behind_is_dark():
    assert dark_regions({"UsEast": 10, "EuWest": 7, "UsWest": None}, 10) == {"EuWest": 7}
    assert dark_regions({"EuWest": 8}, 10) == {}


def test_a_monitor_is_unchecked_only_when_all_its_served_regions_are_dark():
    served = ("UsEast", "EuWest")
    assert unchecked_since(["EuWest"], {"EuWest": 7}, served) == 8
    assert unchecked_since(["EuWest", "UsEast"], {"EuWest": 7}, served) is None
    assert unchecked_since(["EuWest", "ApSoutheast"], {"EuWest": 7}, served) == 8
    assert unchecked_since(["ApSoutheast"], {"EuWest": 7}, served) is None


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
