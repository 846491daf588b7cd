"""The evaluator's backfill (`skipped_observations`): the recorded passing results its state
does not hold, read from the monitor's minute items over the slots the state can hold."""
from datetime import datetime, timedelta, timezone

import pytest
from result_seeds import numbered, put_result

from chalicelib.status import evaluator
from chalicelib.status.state_machine import KEEP_SLOTS, MonitorState, Observation, Policy
from chalicelib.storage import result_batches as batches

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)
SLOT = int(NOW.timestamp())
POLICY = Policy(regions=("UsEast", "EuWest"))


@pytest.fixture
def monitor(clock):
    """A 2-minute Website monitor in two regions, created a day before NOW and numbered."""
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor
    from chalicelib.monitors.service import create_monitor

    account = create_account("Test", "Pro", NOW)
    body = parse_monitor({"name": "site", "type": "Website", "url": "https://example.com",
                          "intervalSeconds": 120, "regions": ["UsEast", "EuWest"]})
    created = create_monitor(account, body, NOW - timedelta(days=1))
    return numbered(created.monitor_id)


def state_holding(*slots):
    return MonitorState(slots=[{"slot": s, "results": {"UsEast": True}} for s in slots])


def test_it_gives_the_passes_the_state_lacks_oldest_first(monitor):
    mid = monitor.monitor_id
    put_result(mid, SLOT - 480, "UsEast", ms=10)        # held by the state
    put_result(mid, SLOT - 480, "EuWest", ms=20)
    put_result(mid, SLOT - 240, "UsEast", ok=False)     # a failure: never backfilled
    put_result(mid, SLOT - 120, "EuWest", ms=30)
    put_result(mid, SLOT, "UsEast", ms=40)              # the observation itself
    put_result(mid, SLOT + 120, "UsEast", ms=50)        # after it
    obs = Observation(slot=SLOT, region="UsEast", ok=False)
    skipped = evaluator.skipped_observations(monitor, state_holding(SLOT - 480), POLICY, obs)
    assert skipped == [Observation(SLOT - 480, "EuWest", True, response_time_ms=20),
                       Observation(SLOT - 120, "EuWest", True, response_time_ms=30)]


def test_it_reads_back_only_the_slots_the_state_can_hold(monitor, monkeypatch):
    oldest = SLOT - KEEP_SLOTS * 120
    put_result(monitor.monitor_id, oldest, "EuWest", ms=1)
    put_result(monitor.monitor_id, oldest - 120, "EuWest", ms=2)   # before them: not read
    asked = []
    minutes_between = batches.minutes_between
    monkeypatch.setattr(batches, "minutes_between", lambda shard, first, last, *a, **kw: (
        asked.append((first, last)) or minutes_between(shard, first, last, *a, **kw)))
    obs = Observation(slot=SLOT, region="UsEast", ok=False)
    skipped = evaluator.skipped_observations(monitor, state_holding(), POLICY, obs)
    assert [o.response_time_ms for o in skipped] == [1]
    assert asked == [(oldest // 60, SLOT // 60)]


def test_with_a_response_time_threshold_nothing_is_read(monitor, monkeypatch):
    put_result(monitor.monitor_id, SLOT - 120, "EuWest", ms=1)
    monkeypatch.setattr(batches, "minutes_between", lambda *a, **kw: pytest.fail("read"))
    policy = Policy(regions=POLICY.regions, response_time_threshold_ms=500)
    obs = Observation(slot=SLOT, region="UsEast", ok=False)
    assert evaluator.skipped_observations(monitor, state_holding(), policy, obs) == []
