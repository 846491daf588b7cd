from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.checks.checkers.base import CheckResult
from chalicelib.checks.results import record_result
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import results as store

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)
SLOT = int(NOW.timestamp())
HOUR = 3600
EXPIRES = NOW + timedelta(days=30)


def result_item(slot=SLOT, region="UsEast", ok=True, ms=120):
    return store.CheckResultItem("mon_a", store.slot_key(slot, region), region=region, ok=ok,
                                 response_time_ms=ms, checked_at=NOW, expires_at=EXPIRES)


@pytest.fixture
def monitor(clock):
    """A Website monitor on a Pro account (60 days of retention)."""
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor
    from chalicelib.monitors.service import create_monitor

    account = create_account("Test", "Pro", NOW)
    body = parse_monitor({"name": "site", "type": "Website", "url": "https://example.com"})
    created = create_monitor(account, body, NOW)
    return monitor_store.get_monitor(account.account_id, created.monitor_id)


def reload(item):
    return monitor_store.get_monitor(item.account_id, item.monitor_id)


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


def test_it_sets_the_ttl_from_the_plan_retention(monitor):
    assert record_result(monitor, CheckResult(ok=True, response_time_ms=80), "UsEast", SLOT, NOW)
    [stored] = store.CheckResultItem.query(monitor.monitor_id)
    assert stored.expires_at == NOW + timedelta(days=60)
    [rollup] = store.rollups_between(monitor.monitor_id, SLOT, SLOT)
    assert rollup.expires_at == NOW + timedelta(hours=1, days=60)  # the hour's end + retention


def test_it_counts_a_redelivered_result_once(monitor):
    result = CheckResult(ok=False, error="connection refused", error_code="CONNECTION_REFUSED")
    assert record_result(monitor, result, "UsEast", SLOT, NOW, retention_days=30) is True
    assert record_result(monitor, result, "UsEast", SLOT, NOW, retention_days=30) is False
    [rollup] = store.rollups_between(monitor.monitor_id, SLOT, SLOT)
    assert (rollup.checks, rollup.failures) == (1, 1)


def test_it_sets_last_checked_without_touching_status_or_version(monitor):
    record_result(monitor, CheckResult(ok=False), "UsEast", SLOT, NOW + timedelta(seconds=3), 30)
    after = reload(monitor)
    assert after.last_checked_at == NOW + timedelta(seconds=3)
    assert after.status == "Pending"
    assert after.version == monitor.version


def test_it_never_resurrects_a_deleted_monitor(monitor):
    from chalicelib.monitors.service import delete_monitor

    delete_monitor(monitor.account_id, monitor.monitor_id)
    assert record_result(monitor, CheckResult(ok=True), "UsEast", SLOT, NOW, 30) is True
    assert reload(monitor) is None


def test_it_keeps_the_30_day_uptime_from_rollups_and_the_current_hour(monitor):
    mid = monitor.monitor_id
    for _ in range(3):  # inside the window: the previous hour and 719 hours back
        store.add_to_rollup(mid, SLOT - HOUR, True, 50, EXPIRES)
    store.add_to_rollup(mid, SLOT - 719 * HOUR, False, 50, EXPIRES)
    store.add_to_rollup(mid, SLOT - 720 * HOUR, False, 50, EXPIRES)  # outside: 30 days + 1 h
    record_result(monitor, CheckResult(ok=True), "UsEast", SLOT, NOW, 30)
    assert reload(monitor).uptime_percentage == 80.0  # 4 of 5
    record_result(reload(monitor), CheckResult(ok=False), "EuWest", SLOT, NOW, 30)
    assert reload(monitor).uptime_percentage == 66.667  # 4 of 6, from the base kept on the item
    assert reload(monitor).uptime_base_checks == 4


def test_it_leaves_the_uptime_alone_when_the_loaded_base_is_of_another_hour(monitor):
    record_result(monitor, CheckResult(ok=True), "UsEast", SLOT, NOW, 30)
    stale = monitor  # loaded before the hour's base was written
    record_result(stale, CheckResult(ok=False), "EuWest", SLOT, NOW, 30)
    after = reload(monitor)
    assert after.uptime_percentage == 100.0
    assert store.rollups_between(monitor.monitor_id, SLOT, SLOT)[0].failures == 1


def test_it_deletes_every_result_and_rollup_of_a_monitor(aws):
    for minute in range(30):
        store.insert_result(result_item(slot=SLOT + 60 * minute))
        store.add_to_rollup("mon_a", SLOT + minute * HOUR, True, 10, EXPIRES)
    store.add_to_rollup("mon_b", SLOT, True, 10, EXPIRES)
    assert store.delete_monitor_data("mon_a") == 60
    assert list(store.CheckResultItem.query("mon_a")) == []
    assert store.rollups_between("mon_a", 0, SLOT + 100 * HOUR) == []
    assert len(store.rollups_between("mon_b", 0, SLOT)) == 1
