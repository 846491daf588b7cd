"""A monitor's results and rollups read from the compact minute items (E16 point 3): listing
lazily, counting with the rollups of rolled-up hours, and the live hours summed from minutes."""
from datetime import datetime, timedelta, timezone
from itertools import islice

import pytest
from result_seeds import numbered, put_result, put_rollup, roll_through

from chalicelib.kernel import stats
from chalicelib.storage import result_batches as batches
from chalicelib.storage import results as store
from chalicelib.storage.result_batches import CompactResult, rollups_from_minutes

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)
SLOT = int(NOW.timestamp())
HOUR = 3600


@pytest.fixture
def monitor(clock):
    """A Website monitor created a day before NOW, numbered (its shard's index 0)."""
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor
    from chalicelib.monitors.service import create_monitor

    account = create_account("Test", "Pro", NOW)
    body = parse_monitor({"name": "site", "type": "Website", "url": "https://example.com"})
    created = create_monitor(account, body, NOW - timedelta(days=1))
    return numbered(created.monitor_id)


# --- rollups_from_minutes (pure) ---------------------------------------------------------------

def test_live_rollups_sum_one_monitors_entries_by_hour():
    entries = {
        SLOT: [CompactResult(0, SLOT, True, 100), CompactResult(1, SLOT, False),
               CompactResult(0, SLOT + 60, False), CompactResult(0, SLOT + 120, True, 900)],
        SLOT - HOUR: [CompactResult(0, SLOT - 60, True, 5)],
        SLOT + HOUR: [CompactResult(1, SLOT + HOUR, True, 5)],      # another monitor only
    }
    earlier, hour = rollups_from_minutes(0, entries)
    assert (earlier.hour_epoch, earlier.checks, earlier.failures, earlier.rt_sum_ms) == \
        (SLOT - HOUR, 1, 0, 5)
    assert (hour.hour_epoch, hour.checks, hour.failures, hour.rt_count, hour.rt_sum_ms) == \
        (SLOT, 3, 1, 2, 1000)
    assert hour.histogram[stats.bucket_index(100)] == 1
    assert hour.histogram[stats.bucket_index(900)] == 1 and sum(hour.histogram) == 2


def test_live_rollups_summarise_as_the_stored_ones_do():
    stored = stats.Rollup(checks=2, failures=1, rt_count=1, rt_sum_ms=250,
                          histogram=[1 if i == stats.bucket_index(250) else 0
                                     for i in range(stats.BUCKET_COUNT)])
    [live] = rollups_from_minutes(3, {SLOT: [CompactResult(3, SLOT, True, 250),
                                             CompactResult(3, SLOT + 60, False)]})
    assert stats.summarise([live]) == stats.summarise([stored])


# --- listing -----------------------------------------------------------------------------------

def test_it_lists_newest_first_and_reads_only_what_the_page_needs(monitor, monkeypatch):
    for minute in range(200):
        put_result(monitor.monitor_id, SLOT - 60 * minute, ms=minute)
    read = []
    minutes_between = batches.minutes_between

    def counted(*args, **kwargs):
        for item in minutes_between(*args, **kwargs):
            read.append(item.minute)
            yield item

    monkeypatch.setattr(batches, "minutes_between", counted)
    page = list(islice(store.monitor_results(monitor), 3))
    assert [f.entry.response_time_ms for f in page] == [0, 1, 2]
    assert len(read) <= 4          # the three minutes, and the next one that closes the third


def test_it_keeps_the_window_and_the_region(monitor):
    for minute in range(5):
        for region in ("UsEast", "EuWest"):
            put_result(monitor.monitor_id, SLOT + 60 * minute, region)
    found = store.monitor_results(monitor, SLOT + 60, SLOT + 180, "EuWest")
    assert [(f.entry.slot, f.region) for f in found] == [(SLOT + 180, "EuWest"),
                                                        (SLOT + 120, "EuWest"),
                                                        (SLOT + 60, "EuWest")]


@pytest.mark.parametrize("start, end", [(None, -600_000_000), (SLOT + 60, SLOT),
                                        (10**12, None), (None, SLOT - 2 * 86400)])
def test_it_asks_dynamodb_nothing_for_an_empty_window(monitor, monkeypatch, start, end):
    # DynamoDB (unlike moto) refuses a BETWEEN whose bounds are inverted; a window that ends
    # before the monitor was created holds nothing either.
    put_result(monitor.monitor_id, SLOT)
    queried = []
    monkeypatch.setattr(batches.ResultMinuteItem, "query", lambda *a, **kw: queried.append(a))
    assert list(store.monitor_results(monitor, start, end)) == []
    assert store.count_monitor_results(monitor, start, end) == 0
    assert queried == []


def test_it_clamps_the_window_to_the_keys_range(monitor):
    put_result(monitor.monitor_id, SLOT)
    assert len(list(store.monitor_results(monitor, -10**9, 10**13))) == 1


# --- counting ----------------------------------------------------------------------------------

def seed_five_hours(monitor_id, rolled_hours):
    """Every 20 minutes for five hours (07:00-11:40) in two regions, the first `rolled_hours`
    hours rolled up by the job (rollups with their per-region counts)."""
    first = SLOT - 3 * HOUR
    for slot in range(first, SLOT + 2 * HOUR, 1200):
        for region in ("UsEast", "EuWest"):
            put_result(monitor_id, slot, region, ms=120)
    for hour in range(first, first + rolled_hours * HOUR, HOUR):
        put_rollup(monitor_id, hour, [120] * 6, regions={"UsEast": 3, "EuWest": 3})
    if rolled_hours:
        roll_through(first + (rolled_hours - 1) * HOUR)


@pytest.mark.parametrize("rolled_hours", [0, 2, 5])
@pytest.mark.parametrize("start, end, region", [
    (None, None, None), (SLOT - 3 * HOUR + 600, SLOT + HOUR + 120, None),
    (SLOT - HOUR + 1, SLOT + 59, None), (SLOT - 2 * HOUR, SLOT - HOUR - 1, None),
    (SLOT - 3 * HOUR + 600, None, "EuWest"), (SLOT + 2 * HOUR, None, None),
    (SLOT - 3 * HOUR, SLOT - 1, "UsEast"),
])
def test_it_counts_the_results_of_a_window_as_listing_them_would(monitor, rolled_hours, start,
                                                                 end, region):
    seed_five_hours(monitor.monitor_id, rolled_hours)
    expected = len(list(store.monitor_results(monitor, start, end, region)))
    assert store.count_monitor_results(monitor, start, end, region) == expected


def test_it_counts_rolled_hours_from_their_rollups_not_result_by_result(monitor, monkeypatch):
    seed_five_hours(monitor.monitor_id, rolled_hours=3)
    counted = []
    minutes_between = batches.minutes_between
    monkeypatch.setattr(batches, "minutes_between", lambda shard, first, last, *a, **kw: (
        counted.append((first * 60, last * 60)) or minutes_between(shard, first, last, *a, **kw)))
    assert store.count_monitor_results(monitor, SLOT - 3 * HOUR + 600, None) == 28
    # The partial first hour and the live hours after the cursor: nothing of 08:00-09:59.
    assert counted == [(SLOT - 3 * HOUR + 600, SLOT - 2 * HOUR - 60),
                       (SLOT, store.LAST_SLOT // 60 * 60)]


# --- rollups of a period -----------------------------------------------------------------------

def test_it_gives_stored_rollups_to_the_cursor_and_live_ones_after_it(monitor):
    mid = monitor.monitor_id
    put_rollup(mid, SLOT - 2 * HOUR, [100, 200])
    put_result(mid, SLOT - 2 * HOUR + 60, ms=999)      # rolled: its rollup stands for it
    roll_through(SLOT - HOUR)                          # 09:00 rolled, without results
    put_result(mid, SLOT + 60, ms=300)
    put_result(mid, SLOT + 120, ok=False)
    put_result(mid, SLOT + HOUR + 60, "EuWest", ms=50)
    put_result(mid, SLOT + 3 * HOUR, ms=50)            # after the last hour asked
    rollups = store.monitor_rollups(monitor, SLOT - 3 * HOUR, SLOT + 2 * HOUR)
    assert [(r.hour_epoch, r.checks, r.failures, r.rt_sum_ms) for r in rollups] == [
        (SLOT - 2 * HOUR, 2, 0, 300), (SLOT, 2, 1, 300), (SLOT + HOUR, 1, 0, 50)]


def test_a_cursor_before_the_period_asks_for_no_stored_rollup(monitor, monkeypatch):
    # DynamoDB (unlike moto) refuses an inverted BETWEEN: a job an hour behind a one-hour
    # period must not ask for the rollups of its-cursor..first-hour.
    put_result(monitor.monitor_id, SLOT + 60, ms=100)
    roll_through(SLOT - 2 * HOUR)
    monkeypatch.setattr(store.CheckRollupItem, "query", lambda *a, **kw: pytest.fail("query"))
    assert [(r.hour_epoch, r.checks) for r in store.monitor_rollups(monitor, SLOT, SLOT)] == \
        [(SLOT, 1)]


def test_without_a_cursor_every_hour_is_summed_from_minute_items(monitor):
    put_rollup(monitor.monitor_id, SLOT - HOUR, [100] * 7)   # not rolled by the job: unread
    put_result(monitor.monitor_id, SLOT - HOUR + 60, ms=100)
    assert [(r.hour_epoch, r.checks) for r in
            store.monitor_rollups(monitor, SLOT - 5 * HOUR, SLOT)] == [(SLOT - HOUR, 1)]


def test_live_hours_are_read_from_the_monitors_creation_on(monitor, monkeypatch):
    read = []
    minutes_between = batches.minutes_between
    monkeypatch.setattr(batches, "minutes_between", lambda shard, first, last, *a, **kw: (
        read.append(first * 60) or minutes_between(shard, first, last, *a, **kw)))
    store.monitor_rollups(monitor, SLOT - 90 * 24 * HOUR, SLOT)
    assert read == [int(monitor.created_at.timestamp())]


def test_a_monitor_not_numbered_has_only_its_stored_rollups(monitor):
    put_rollup(monitor.monitor_id, SLOT - 2 * HOUR, [100])
    roll_through(SLOT - HOUR)
    monitor.result_seq = None
    assert [r.hour_epoch for r in store.monitor_rollups(monitor, SLOT - 3 * HOUR, SLOT)] == \
        [SLOT - 2 * HOUR]
    assert list(store.monitor_results(monitor)) == []
    assert store.count_monitor_results(monitor) == 0
