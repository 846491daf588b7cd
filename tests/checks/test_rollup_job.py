"""The hourly rollup job (E16 point 3): exact per-monitor rollups of each settled hour from the
shards' minute items, with per-region counts; the monitor's uptime base, hour summary and last
check; idempotent reruns; a bounded catch-up; a failing shard that stops neither the others nor
a later run; no Scan."""
import json
from datetime import datetime, timezone

import pytest

from awsrequests import counted_aws_requests
from compact_results import numbered, put_results

from chalicelib.checks import hour_summary, rollup_job
from chalicelib.kernel import stats
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import result_batches as batches
from chalicelib.storage import results as store

HOUR = 3600
H = stats.hour_of(datetime(2026, 3, 24, 10, tzinfo=timezone.utc).timestamp())


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def website(api, name):
    response = api.post("/api/monitors", {"name": name, "type": "Website",
                                          "url": f"https://{name.lower()}.example.com/"})
    assert response.status_code == 201, response.json
    return numbered(response.json["id"])


def kept(item):
    """The monitor as the readers see it: its item with what the job kept of it (its entry on
    the shard's rolled item) put on it, as `monitors.now.fill_now` does."""
    from chalicelib.monitors import now

    stored = monitor_store.find_by_id(item.monitor_id)
    shard, index = batches.place_of(stored)
    now.apply_rolled(stored, batches.rolled_of(shard).rolled_entries().get(index))
    return stored


def rollup(item, hour, rolled=None):
    """The monitor's rollup of `hour` as readers read it (its shard's hour item, or its day
    item once the day is closed), with the job's cursor (or `rolled`)."""
    found = store.rollups_between(item.monitor_id, hour, hour, batches.place_of(item),
                                  batches.rolled_through() if rolled is None else rolled)
    return found[0] if found else None


@pytest.fixture
def two(api):
    batches.set_rolled_through(H - HOUR)        # rolled up to the hour before H
    return website(api, "Shop"), website(api, "Blog")


def test_an_hour_is_rolled_up_exactly_per_monitor_and_region(two):
    shop, blog = two
    put_results(shop, "UsEast", [(H + 5, True, 100), (H + 65, False, None),
                                 (H + 1805, True, 300)])
    put_results(shop, "EuWest", [(H + 6, True, 200)])
    put_results(blog, "UsEast", [(H + 10, False, 900)])
    put_results(shop, "UsEast", [(H + HOUR + 5, True, 100)])        # the next hour: not yet
    done = rollup_job.roll_up(at(H + HOUR + rollup_job.SETTLE_SECONDS))
    assert done == {"rolled": [H], "failed": []}
    got = rollup(shop, H)
    assert (got.checks, got.failures, got.rt_count, got.rt_sum_ms) == (4, 1, 3, 600)
    assert json.loads(got.regions_json) == {"EuWest": 1, "UsEast": 3}
    assert sum(got.histogram) == 3
    assert got.histogram[stats.bucket_index(300)] >= 1
    assert (rollup(blog, H).checks, rollup(blog, H).failures) == (1, 1)
    assert rollup(shop, H + HOUR) is None and batches.rolled_through() == H
    stored = kept(shop)
    assert (stored.uptime_base_hour, stored.uptime_base_checks,
            stored.uptime_base_failures) == (H + HOUR, 4, 1)
    assert float(stored.uptime_percentage) == 75.0
    assert stored.last_checked_at == at(H + 1806) and int(stored.last_response_ms) == 300
    summary = hour_summary.parse(stored.hour_summary_json)
    assert (summary.through, summary.month, summary.day) == (H, (4, 1), (4, 1))
    assert summary.mean_ms_at(H) == 200 and summary.mean_ms_at(H - HOUR) is None


def test_the_hour_just_ended_waits_until_no_result_of_it_can_arrive(two):
    shop, _ = two
    put_results(shop, "UsEast", [(H + 5, True, 100)])
    early = rollup_job.roll_up(at(H + HOUR + rollup_job.SETTLE_SECONDS - 1))
    assert H not in early["rolled"] and rollup(shop, H) is None
    assert rollup_job.roll_up(at(H + HOUR + rollup_job.SETTLE_SECONDS))["rolled"] == [H]


def test_a_rerun_writes_the_same_items(two):
    shop, blog = two
    put_results(shop, "UsEast", [(H + 5, True, 100), (H + 65, False, None)])
    now = at(H + HOUR + rollup_job.SETTLE_SECONDS)
    rollup_job.roll_up(now)
    first = (rollup(shop, H), kept(shop))
    with counted_aws_requests() as seen:
        assert rollup_job.roll_up(now) == {"rolled": [], "failed": []}
    assert seen.writes == []                          # the cursor says it is done
    batches.set_rolled_through(H - HOUR)              # as if the cursor had not moved
    assert rollup_job.roll_up(now)["rolled"] == [H]
    again = (rollup(shop, H), kept(shop))
    assert again[0] == first[0]
    assert {k: v for k, v in again[1].attribute_values.items() if k != "version"} == {
        k: v for k, v in first[1].attribute_values.items() if k != "version"}
    assert rollup(blog, H) is None                    # no result: no rollup


def test_a_late_run_catches_up_every_missed_hour_and_the_base_spans_them(two):
    shop, _ = two
    batches.set_rolled_through(H - HOUR)
    for n in range(5):
        put_results(shop, "UsEast", [(H + n * HOUR + 5, n != 2, 100 + n)])
    done = rollup_job.roll_up(at(H + 5 * HOUR + rollup_job.SETTLE_SECONDS))
    assert done["rolled"] == [H + n * HOUR for n in range(5)]
    assert [rollup(shop, H + n * HOUR).rt_sum_ms for n in range(5)] == [100, 101, 102, 103, 104]
    stored = kept(shop)
    assert (stored.uptime_base_hour, stored.uptime_base_checks,
            stored.uptime_base_failures) == (H + 5 * HOUR, 5, 1)
    summary = hour_summary.parse(stored.hour_summary_json)
    assert summary.through == H + 4 * HOUR and summary.mean_ms_at(H + 2 * HOUR) == 102


def test_the_first_run_rolls_the_last_48_hours_up(api):
    shop = website(api, "Shop")
    put_results(shop, "UsEast", [(H - 47 * HOUR + 5, True, 100), (H - 48 * HOUR + 5, True, 90)])
    done = rollup_job.roll_up(at(H + HOUR + rollup_job.SETTLE_SECONDS))
    assert done["rolled"] == [H - n * HOUR for n in range(47, -1, -1)]
    assert rollup(shop, H - 47 * HOUR).checks == 1 and rollup(shop, H - 48 * HOUR) is None


def test_a_run_catches_up_at_most_48_hours(two):
    batches.set_rolled_through(H - 100 * HOUR)
    done = rollup_job.roll_up(at(H + HOUR + rollup_job.SETTLE_SECONDS))
    assert done["rolled"][0] == H - 99 * HOUR and len(done["rolled"]) == 48
    assert batches.rolled_through() == H - 52 * HOUR


def test_a_failing_shard_stops_neither_the_others_nor_the_next_run(api, monkeypatch):
    from apitools import Api, make_account

    shop = website(api, "Shop")
    other = website(Api(api.client, make_account()[1]), "Other")
    batches.set_rolled_through(H - HOUR)
    for item in (shop, other):
        put_results(item, "UsEast", [(H + 5, True, 100)])
        put_results(item, "UsEast", [(H + HOUR + 5, True, 100)])
    broken = batches.shard_of(shop.account_id, shop.result_seq)[0]
    real = batches.minutes_between

    def failing(shard, *args, **kwargs):
        if shard == broken:
            raise RuntimeError("throttled")
        return real(shard, *args, **kwargs)

    monkeypatch.setattr(batches, "minutes_between", failing)
    now = at(H + 2 * HOUR + rollup_job.SETTLE_SECONDS)
    assert rollup_job.roll_up(now) == {"rolled": [], "failed": [broken]}
    assert rollup(other, H, rolled=H).checks == 1 and rollup(shop, H, rolled=H) is None
    assert batches.rolled_through() == H - HOUR        # the hour is redone next run
    monkeypatch.setattr(batches, "minutes_between", real)
    assert rollup_job.roll_up(now)["rolled"] == [H, H + HOUR]
    assert rollup(shop, H).checks == 1 and rollup(other, H + HOUR).checks == 1


def test_a_shard_hour_costs_two_queries_two_calls_a_shard_and_two_a_monitor_no_scan(two):
    shop, blog = two
    batches.set_rolled_through(H - HOUR)
    put_results(shop, "UsEast", [(H + 5, True, 100)])
    put_results(blog, "EuWest", [(H + 7, True, 100)])
    with counted_aws_requests() as seen:
        rollup_job.roll_up(at(H + HOUR + rollup_job.SETTLE_SECONDS))
    assert "Scan" not in seen.operations
    # The cursor (read, moved), the shard's rolled item (read, written once for both
    # monitors), the registry and the hour's minute items.
    assert sorted(seen.on("result-batches")) == ["GetItem", "GetItem", "PutItem", "PutItem",
                                                 "Query", "Query"]
    # The account's monitors once, and no write of a monitor item.
    assert sorted(seen.on("-monitors")) == ["Query"]
    # The shard's hour item (one for both monitors); per monitor (a first summary) the Query
    # of its window's earlier rollups and of its shard's hour items of the day.
    assert sorted(seen.on("check-rollups")) == ["PutItem", "Query", "Query", "Query", "Query"]


def test_a_deleted_monitors_results_are_not_rolled_up(two, api):
    shop, _ = two
    put_results(shop, "UsEast", [(H + 5, True, 100)])
    assert api.delete(f"/api/monitors/{shop.monitor_id}").status_code == 204
    assert rollup_job.roll_up(at(H + HOUR + rollup_job.SETTLE_SECONDS))["rolled"] == [H]
    assert rollup(shop, H) is None and monitor_store.find_by_id(shop.monitor_id) is None


def test_the_job_runs_ten_minutes_past_each_hour_on_the_local_stack_too():
    from app import app
    from local.schedules import expression_text, next_fire_time

    source = [s for s in app.event_sources if s.name == "run_rollups"]
    assert len(source) == 1
    fires = next_fire_time(expression_text(source[0].schedule_expression), at(H + 1))
    assert fires == at(H + 600) and 600 >= rollup_job.SETTLE_SECONDS


def test_a_later_hour_rolls_the_summary_on_with_one_batch_read_for_the_shard(two):
    shop, blog = two
    for n in (0, 1, 3):
        put_results(shop, "UsEast", [(H + n * HOUR + 5, n != 1, 100 + n)])
        put_results(blog, "EuWest", [(H + n * HOUR + 9, True, 200 + n)])
    rollup_job.roll_up(at(H + HOUR + rollup_job.SETTLE_SECONDS))          # H: a first summary
    with counted_aws_requests() as seen:
        rollup_job.roll_up(at(H + 2 * HOUR + rollup_job.SETTLE_SECONDS))  # H+1: rolled on
    assert sorted(seen.on("check-rollups")) == ["BatchGetItem", "PutItem"]   # one for both
    rollup_job.roll_up(at(H + 4 * HOUR + rollup_job.SETTLE_SECONDS))      # H+2 (none), H+3
    for item in (shop, blog):
        stored = kept(item)
        everything = store.rollups_between(item.monitor_id, H - 800 * HOUR, H + 3 * HOUR,
                                           batches.place_of(item), batches.rolled_through())
        assert stored.hour_summary_json == hour_summary.summary_through(H + 3 * HOUR, everything)
    stored = kept(shop)
    assert (stored.uptime_base_hour, stored.uptime_base_checks,
            stored.uptime_base_failures) == (H + 4 * HOUR, 3, 1)


def test_a_monitor_hour_costs_about_a_quarter_of_a_write_unit(api, clock):
    """The job's write units per monitor-hour (bench/cost.py's `measure_rollup_hour` at full
    size): a shard of 100 monitors, each with results of the hour. It was 3 a monitor: 1 for
    its own rollup item, 2 for an UpdateItem of its ~1.5 KB monitor item."""
    from apitools import dynamodb_units
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor

    account = create_account("t", "Business", clock.now())
    config = {"type": "Website", "url": "https://shop.example.com/", "regions": ["UsEast"],
              "tags": ["production", "eu"]}
    fleet = [numbered(monitors.create_monitor(account, parse_monitor(
        {**config, "name": f"site {i}"}), clock.now()).monitor_id) for i in range(100)]
    batches.set_rolled_through(H - HOUR)
    for item in fleet:
        put_results(item, "UsEast", [(H + 5 + 60 * m, True, 180 + m) for m in range(3)])
    with dynamodb_units() as calls:
        assert rollup_job.roll_up(at(H + HOUR + rollup_job.SETTLE_SECONDS))["rolled"] == [H]
    written = sum(units for _, _, _, units in calls)
    # The shard's hour item (~4 KB), its rolled item (~21 KB) and the cursor.
    assert written <= 100 * 0.3
    assert not [p for op, p, _, _ in calls if op in ("UpdateItem", "PutItem")
                and p["TableName"].endswith("-monitors")]
    view = kept(fleet[42])
    assert (view.uptime_base_checks, view.uptime_base_failures) == (3, 0)


def test_a_days_last_hour_puts_each_monitors_day_in_one_item_that_readers_read(two):
    """A day's hours go from the shard's hour items into one item per monitor; an hour the
    job rolled up before day items (its own hourly item) still reads beside them."""
    from apitools import dynamodb_units
    from result_seeds import put_rollup

    shop, blog = two
    day = store.day_of(H)
    batches.set_rolled_through(day + 20 * HOUR)
    put_rollup(shop.monitor_id, day + 20 * HOUR, [150, 150], failures=1)   # the old layout
    for n in (21, 22, 23):
        put_results(shop, "UsEast", [(day + n * HOUR + 5, True, 100 * n)])
    put_results(blog, "UsEast", [(day + 22 * HOUR + 5, False, None)])
    put_results(shop, "UsEast", [(day + 24 * HOUR + 5, True, 100)])      # the next day
    now = at(day + 25 * HOUR + rollup_job.SETTLE_SECONDS)
    with dynamodb_units() as calls:
        assert rollup_job.roll_up(now)["rolled"] == [day + n * HOUR for n in (21, 22, 23, 24)]
    days = [p["Item"]["monitor_id"]["S"] for op, p, _, _ in calls
            if op == "PutItem" and p["Item"].get("bucket", {}).get("S", "").endswith("#day")]
    assert sorted(days) == sorted([shop.monitor_id, blog.monitor_id])
    place, cursor = batches.place_of(shop), batches.rolled_through()
    found = store.rollups_between(shop.monitor_id, day, day + 24 * HOUR, place, cursor)
    assert [(r.hour_epoch - day) // HOUR for r in found] == [20, 21, 22, 23, 24]
    assert [(r.checks, r.failures, r.rt_sum_ms) for r in found] == [
        (2, 1, 300), (1, 0, 2100), (1, 0, 2200), (1, 0, 2300), (1, 0, 100)]
    assert json.loads(found[2].regions_json) == {"UsEast": 1}
    assert found[2].histogram[stats.bucket_index(2200)] == 1
    at_hours = store.rollups_at([(shop.monitor_id, day + n * HOUR) for n in (19, 20, 22, 24)],
                                {shop.monitor_id: place}, cursor)
    assert {(h - day) // HOUR: r.checks for (_, h), r in at_hours.items()} == \
        {20: 2, 22: 1, 24: 1}
    [blog_day] = store.rollups_between(blog.monitor_id, day, day + 23 * HOUR)   # the day item
    assert (blog_day.hour_epoch, blog_day.failures) == (day + 22 * HOUR, 1)

