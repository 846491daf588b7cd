from datetime import datetime, timedelta, timezone


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
    stored = store.CheckResultItem.query("mon_a")
    assert [r.response_time_ms for r in stored] == [120]


def test_it_keeps_one_result_per_region_of_a_slot(aws):
    assert store.insert_result(result_item(region="UsEast"))
    assert store.insert_result(result_item(region="EuWest"))
    assert {r.region for r in store.CheckResultItem.query("mon_a")} == {"UsEast", "EuWest"}


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
    assert list(store.CheckResultItem.query("mon_a")) == []
    assert store.rollups_between("mon_a", 0, SLOT + 100 * HOUR) == []
    assert len(store.rollups_between("mon_b", 0, SLOT)) == 1
