"""The scheduler sends each check region on its own cursor: one unreachable region never holds
back another, and a region coming back gets fresh slots only (E16 point 1)."""
from datetime import datetime, timezone

import pytest

from test_scheduler import account, add_monitor  # noqa: F401 - fixtures and helpers shared

MINUTE = 29_000_000


@pytest.fixture
def sends(monkeypatch):
    """Jobs handed to SQS per region; a region listed in `sends.dark` refuses them."""
    from chalicelib.bus import dispatch

    class Sends:
        dark: set[str] = set()
        got: list = []

    def send(jobs, now, **_):
        regions = {j.region for j in jobs}
        if regions & Sends.dark:
            raise ConnectionRefusedError("connection refused")
        Sends.got.extend((now, j) for j in jobs)
        return len(jobs)

    Sends.dark, Sends.got = set(), []
    monkeypatch.setattr(dispatch, "send_jobs", send)
    return Sends


def tick_at(clock, epoch):
    from chalicelib.checks.scheduler import run_tick

    clock.set(datetime.fromtimestamp(epoch, tz=timezone.utc))
    return run_tick(clock.now())


def test_plan_sends_the_coming_minute_first_and_nothing_twice():
    from chalicelib.checks.region_dispatch import plan_minutes

    now = MINUTE * 60 + 5
    assert plan_minutes(None, MINUTE + 1, now).minutes == [MINUTE + 1]
    assert plan_minutes(MINUTE + 1, MINUTE + 1, now).minutes == []


def test_plan_catches_up_a_late_tick_but_never_with_minutes_older_than_two():
    from chalicelib.checks.region_dispatch import plan_minutes

    now = (MINUTE + 10) * 60 + 5            # ten minutes dark
    plan = plan_minutes(MINUTE, MINUTE + 11, now)
    assert plan.minutes == [MINUTE + 8, MINUTE + 9, MINUTE + 10, MINUTE + 11]
    assert plan.skipped_minutes == 7
    late = plan_minutes(MINUTE, MINUTE + 2, (MINUTE + 1) * 60 + 5)   # one tick missed
    assert late.minutes == [MINUTE + 1, MINUTE + 2] and late.skipped_minutes == 0


def test_a_dark_region_holds_back_only_its_own_checks(account, clock, sends):  # noqa: F811
    add_monitor(account, clock, "both", interval=30, regions=("UsEast", "EuWest"))
    tick_at(clock, MINUTE * 60 + 1)
    sends.dark = {"EuWest"}
    for step in range(1, 6):                 # five ticks, one a minute, EuWest refusing
        tick_at(clock, (MINUTE + step) * 60 + 1)
    us = sorted(j.slot for _, j in sends.got if j.region == "UsEast")
    assert sorted({s // 60 for s in us}) == list(range(MINUTE + 1, MINUTE + 7))
    assert len(us) == 12                     # every slot of six minutes, twice a minute
    assert all(now <= j.slot for now, j in sends.got if j.region == "UsEast")   # on time
    from chalicelib.storage import control

    assert control.region_cursor("EuWest") == MINUTE + 1
    assert control.region_cursor("UsEast") == MINUTE + 6


def test_a_region_back_from_the_dark_gets_fresh_slots_without_a_burst(account, clock, sends):  # noqa: F811
    add_monitor(account, clock, "both", interval=30, regions=("UsEast", "EuWest"))
    tick_at(clock, MINUTE * 60 + 1)
    sends.dark = {"EuWest"}
    for step in range(1, 6):
        tick_at(clock, (MINUTE + step) * 60 + 1)
    sends.dark, sends.got = set(), []
    now = (MINUTE + 6) * 60 + 1
    done = tick_at(clock, now)
    eu = [j for _, j in sends.got if j.region == "EuWest"]
    assert done["regions"]["EuWest"]["minutes"] == [MINUTE + 4, MINUTE + 5, MINUTE + 6, MINUTE + 7]
    assert all(j.slot >= now - 120 for j in eu)                 # nothing older than 2 minutes
    assert len(eu) <= 8                                         # not six minutes of backlog
    assert done["regions"]["EuWest"]["skippedMinutes"] == 2     # MINUTE+2 and MINUTE+3


def test_a_minute_whose_slots_are_all_stale_is_skipped_not_sent(account, clock, sends):  # noqa: F811
    """A dark region's tick may land when the first minute it owes holds only stale slots:
    nothing goes to the region for it, so it is counted skipped, never as a minute sent."""
    from chalicelib.storage import control

    add_monitor(account, clock, "both", interval=30, regions=("UsEast", "EuWest"))
    tick_at(clock, MINUTE * 60 + 1)                       # both regions have MINUTE + 1
    offsets = [j.slot - (MINUTE + 1) * 60 for _, j in sends.got if j.region == "EuWest"]
    sends.dark = {"EuWest"}
    # MINUTE + 2 is still a minute to plan, but every one of its slots is past 120 s: half a
    # second past its last slot's staleness, so even a slot at second 59 leaves it planned
    # (a whole second more made the plan pass it over unread, for 1 monitor offset in 30).
    done = tick_at(clock, (MINUTE + 2) * 60 + max(offsets) + 120.5)
    eu = done["regions"]["EuWest"]
    assert (eu["minutes"], eu["skippedMinutes"], eu["skippedSlots"]) == ([], 1, len(offsets))
    assert eu["failed"]                                   # MINUTE + 3 was fresh and refused
    assert control.region_cursor("EuWest") == MINUTE + 2  # never to be sent: passed over


def test_a_slot_older_than_two_minutes_is_stale():
    from chalicelib.bus.check_requests import CheckRequest
    from chalicelib.checks.region_dispatch import is_fresh

    now = MINUTE * 60
    assert is_fresh(CheckRequest("a", "m", now - 120, "EuWest"), now)
    assert not is_fresh(CheckRequest("a", "m", now - 121, "EuWest"), now)


def test_a_failed_region_is_reported_per_region(account, clock, sends):  # noqa: F811
    from chalicelib.checks import region_dispatch

    add_monitor(account, clock, "both", regions=("UsEast", "EuWest"))
    tick_at(clock, MINUTE * 60 + 1)
    sends.dark = {"EuWest"}
    done = tick_at(clock, (MINUTE + 1) * 60 + 1)
    assert done["regions"]["EuWest"]["failed"] and not done["regions"]["UsEast"]["failed"]
    lines = []
    outcome = region_dispatch.RegionOutcome("EuWest", failed=True)
    record = region_dispatch.emit_region_metrics(outcome, write=lines.append)
    assert record["Region"] == "EuWest" and record["DispatchFailures"] == 1
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Region"]]


def test_the_scheduler_client_fails_fast(aws):
    from chalicelib.bus import dispatch

    dispatch.reset_clients()
    config = dispatch.fast_sqs("EuWest").meta.config
    assert config.connect_timeout <= 2
    assert config.retries["total_max_attempts"] == 2


def test_an_upgrade_starts_each_region_where_the_single_cursor_was(account, clock, sends):  # noqa: F811
    from chalicelib.storage import control

    add_monitor(account, clock, "both", regions=("UsEast", "EuWest"))
    assert control.advance_cursor(None, MINUTE + 1)          # the old scheduler's cursor
    done = tick_at(clock, (MINUTE + 1) * 60 + 1)
    assert done["regions"]["UsEast"]["minutes"] == [MINUTE + 2]
    assert done["regions"]["EuWest"]["minutes"] == [MINUTE + 2]


def test_a_down_monitors_checks_are_sent_to_the_slow_lane(account, clock, sends):  # noqa: F811
    from chalicelib.storage import monitors as monitor_store

    down = add_monitor(account, clock, "down")
    up = add_monitor(account, clock, "up")
    monitor_store.mirror_state(account.account_id, down.monitor_id, "Down", {"UsEast": "Down"},
                               False)
    tick_at(clock, MINUTE * 60 + 1)
    lanes = {j.monitor_id: j.slow for _, j in sends.got}
    assert lanes == {down.monitor_id: True, up.monitor_id: False}
