from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.storage import results as store

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)
SLOT = int(NOW.timestamp())
HOUR = 3600
EXPIRES = NOW + timedelta(days=30)


def result_item(slot=SLOT, region="UsEast", ok=True, ms=120):
    return store.CheckResultItem("mon_a", store.slot_key(slot, region), region=region, ok=ok,
                                 response_time_ms=ms, checked_at=NOW, expires_at=EXPIRES)


def test_it_refuses_a_second_result_for_the_same_slot_and_region(aws):
    assert store.insert_result(result_item(ms=120)) is True
    assert store.insert_result(result_item(ms=999)) is False
    stored = store.query_results("mon_a", 10)
    assert [r.response_time_ms for r in stored] == [120]


def test_it_keeps_one_result_per_region_of_a_slot(aws):
    assert store.insert_result(result_item(region="UsEast"))
    assert store.insert_result(result_item(region="EuWest"))
    assert {r.region for r in store.query_results("mon_a", 10)} == {"UsEast", "EuWest"}


def test_it_queries_newest_first_within_bounds_and_region(aws):
    for minute in range(5):
        for region in ("UsEast", "EuWest"):
            store.insert_result(result_item(slot=SLOT + 60 * minute, region=region))
    found = store.query_results("mon_a", 2, SLOT + 60, SLOT + 180, "EuWest")
    assert [r.slot_key for r in found] == [store.slot_key(SLOT + 180, "EuWest"),
                                           store.slot_key(SLOT + 120, "EuWest")]



@pytest.mark.parametrize("start, end", [(None, -600_000_000), (SLOT + 60, SLOT),
                                        (10**12, None)])
def test_it_asks_dynamodb_nothing_for_an_empty_window(aws, monkeypatch, start, end):
    # DynamoDB (unlike moto) refuses a BETWEEN whose bounds are inverted: a pre-1970 `to` made
    # the low key "00000000000#" sort after the negative high key, and the API answered 500.
    store.insert_result(result_item())
    queried = []
    monkeypatch.setattr(store.CheckResultItem, "query", lambda *a, **kw: queried.append(a))
    assert store.query_results("mon_a", 10, start, end) == []
    assert queried == []


def test_it_clamps_the_window_to_the_keys_range(aws):
    store.insert_result(result_item())
    assert len(store.query_results("mon_a", 10, -10**9, 10**13)) == 1

def stored_with_rollup(slot, region="UsEast"):
    """A result and its count in the hour's rollup, as `record_result` writes them."""
    store.insert_result(result_item(slot=slot, region=region))
    store.add_to_rollup("mon_a", stats_hour(slot), True, 120, EXPIRES)


def stats_hour(epoch):
    return epoch // HOUR * HOUR


@pytest.mark.parametrize("start, end, region", [
    (None, None, None), (SLOT - 3 * HOUR + 600, SLOT + HOUR + 120, None),
    (SLOT - HOUR + 1, SLOT + 59, None), (SLOT - 2 * HOUR, SLOT - HOUR - 1, None),
    (SLOT - 3 * HOUR + 600, None, "EuWest"), (SLOT + 2 * HOUR, None, None),
])
def test_it_counts_the_results_of_a_window_as_a_full_query_would(aws, start, end, region):
    # Every 20 minutes for five hours, in two regions: whole hours, partial ones and both ends.
    for slot in range(SLOT - 3 * HOUR, SLOT + 2 * HOUR, 1200):
        for name in ("UsEast", "EuWest"):
            stored_with_rollup(slot, name)
    expected = len(store.query_results("mon_a", 1000, start, end, region))
    assert store.count_results("mon_a", start, end, region) == expected


def test_it_counts_whole_hours_from_the_rollups_not_result_by_result(aws):
    # A rollup's count stands for its hour: only the partial hours are counted one by one.
    store.add_to_rollup("mon_a", SLOT - HOUR, True, 100, EXPIRES)
    store.add_to_rollup("mon_a", SLOT - HOUR, True, 100, EXPIRES)
    store.insert_result(result_item(slot=SLOT + 30))
    assert store.count_results("mon_a", SLOT - HOUR, SLOT + 59) == 3


def test_it_adds_results_into_the_hour_rollup_exactly(aws):
    for ok, ms in [(True, 100), (True, 100), (False, None), (False, 900), (True, 5)]:
        rollup = store.add_to_rollup("mon_a", SLOT, ok, ms, EXPIRES)
    assert (rollup.checks, rollup.failures, rollup.rt_count, rollup.rt_sum_ms) == (5, 2, 4, 1105)
    [stored] = store.rollups_between("mon_a", SLOT, SLOT)
    assert stored.histogram[0] == 1 and stored.histogram[11] == 2 and stored.histogram[21] == 1
    assert sum(stored.histogram) == stored.rt_count
    assert stored.expires_at == EXPIRES


def test_it_reads_the_rollups_of_a_range_of_hours_only(aws):
    for hour in range(5):
        store.add_to_rollup("mon_a", SLOT + hour * HOUR, True, 50, EXPIRES)
    store.add_to_rollup("mon_b", SLOT + HOUR, True, 50, EXPIRES)
    found = store.rollups_between("mon_a", SLOT + HOUR, SLOT + 3 * HOUR)
    assert [r.hour_epoch for r in found] == [SLOT + HOUR, SLOT + 2 * HOUR, SLOT + 3 * HOUR]


def test_it_deletes_every_result_and_rollup_of_a_monitor(aws):
    for minute in range(30):
        store.insert_result(result_item(slot=SLOT + 60 * minute))
        store.add_to_rollup("mon_a", SLOT + minute * HOUR, True, 10, EXPIRES)
    store.add_to_rollup("mon_b", SLOT, True, 10, EXPIRES)
    assert store.delete_monitor_data("mon_a") == 60
    assert store.query_results("mon_a", 100) == []
    assert store.rollups_between("mon_a", 0, SLOT + 100 * HOUR) == []
    assert len(store.rollups_between("mon_b", 0, SLOT)) == 1
