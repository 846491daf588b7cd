"""What the monitor list and detail show "now" (E16 point 3): lastCheckedAt, uptimePercentage
and the last response time from the shard heads plus what the hourly rollup job stored, with
no per-check write on the monitor; one BatchGetItem of heads for a listed page."""
from datetime import datetime, timezone

from awsrequests import counted_aws_requests
from compact_results import checked, numbered, put_head

from chalicelib.checks import rollup_job
from chalicelib.kernel import stats
from chalicelib.kernel.clock import iso
from chalicelib.monitors import now as monitor_now
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import result_batches as batches

HOUR = 3600


def website(api, name="Shop", regions=("UsEast", "EuWest")):
    response = api.post("/api/monitors", {"name": name, "type": "Website",
                                          "url": f"https://{name.lower()}.example.com/",
                                          "regions": list(regions)})
    assert response.status_code == 201, response.json
    return numbered(response.json["id"])


def listed(api, monitor_id) -> dict:
    items = api.get("/api/monitors").json["items"]
    return next(m for m in items if m["id"] == monitor_id)


def at(epoch) -> str:
    return iso(datetime.fromtimestamp(epoch, timezone.utc))


def test_the_list_and_detail_follow_the_heads_without_a_write_on_the_monitor(api, clock):
    shop = website(api)
    now = int(clock.time())
    checked(shop, "UsEast", [(now - 120, True, 100), (now - 60, True, 110)])
    checked(shop, "EuWest", [(now - 90, False, None), (now - 30, False, None)])
    row = listed(api, shop.monitor_id)
    assert row["lastCheckedAt"] == at(now - 29)          # the newest entry's record time
    assert row["uptimePercentage"] == 50.0               # 2 of 4 in the heads' hours
    detail = api.get(f"/api/monitors/{shop.monitor_id}").json
    assert (detail["lastCheckedAt"], detail["uptimePercentage"]) == (at(now - 29), 50.0)
    stored = monitor_store.find_by_id(shop.monitor_id)
    assert stored.last_checked_at is None and float(stored.uptime_percentage) == 100


def test_the_uptime_adds_the_heads_hours_after_the_jobs_base(api, clock):
    shop = website(api, regions=("UsEast",))
    hour = stats.hour_of(clock.time())
    batches.set_rolled_through(hour - 2 * HOUR)
    earlier = [(hour - HOUR + 60 * n, n != 0, 100) for n in range(4)]    # 3 of 4 passed
    checked(shop, "UsEast", earlier)
    clock.set(datetime.fromtimestamp(hour + rollup_job.SETTLE_SECONDS, timezone.utc))
    assert rollup_job.roll_up(clock.now())["rolled"] == [hour - HOUR]
    # The head still holds the rolled hour: only the hours from the base's on are added.
    put_head(shop, "UsEast", [(hour + 10, False, 300), (hour + 70, True, 200)])
    row = listed(api, shop.monitor_id)
    assert row["uptimePercentage"] == stats.uptime_percentage(6, 2)
    assert row["lastCheckedAt"] == at(hour + 71)
    item = monitor_store.find_by_id(shop.monitor_id)
    monitor_now.fill_now([item], clock.now())
    assert int(item.last_response_ms) == 200
    assert item.head_hours == {hour - HOUR: [4, 1, 4, 400], hour: [2, 1, 2, 500]}


def test_without_heads_the_monitor_shows_what_the_job_stored(api, clock):
    shop = website(api, regions=("UsEast",))
    hour = stats.hour_of(clock.time())
    batches.set_rolled_through(hour - 2 * HOUR)
    checked(shop, "UsEast", [(hour - HOUR + 5, False, 100), (hour - HOUR + 65, True, 100)])
    clock.set(datetime.fromtimestamp(hour + rollup_job.SETTLE_SECONDS, timezone.utc))
    rollup_job.roll_up(clock.now())
    shard, index = batches.shard_of(shop.account_id, shop.result_seq)
    batches.get_head(shard, "UsEast", batches.head_part(index)).delete()
    row = listed(api, shop.monitor_id)
    assert (row["lastCheckedAt"], row["uptimePercentage"]) == (at(hour - HOUR + 66), 50.0)


def test_a_page_reads_its_heads_in_one_batch_and_never_a_job_monitors(api, clock):
    ids = [website(api, f"Site{i}").monitor_id for i in range(3)]
    job = api.post("/api/monitors", {"name": "Backup", "type": "Job", "periodSeconds": 3600,
                                     "gracePeriodSeconds": 60}).json
    numbered(job["id"])
    for monitor_id in ids:
        checked(monitor_store.find_by_id(monitor_id), "UsEast", [(int(clock.time()), True, 90)])
    with counted_aws_requests() as seen:
        items = api.get("/api/monitors").json["items"]
    assert seen.on("result-batches") == ["BatchGetItem"]
    assert "Scan" not in seen.operations
    shown = {m["id"]: m for m in items}
    assert all(shown[i]["lastCheckedAt"] == at(int(clock.time()) + 1) for i in ids)
    assert shown[job["id"]]["lastCheckedAt"] is None
    with counted_aws_requests() as seen:
        api.get(f"/api/monitors/{job['id']}")
    assert seen.on("result-batches") == []


def test_a_monitor_without_a_number_keeps_what_is_stored_and_costs_no_read(api, clock):
    item = website(api)
    checked(item, "UsEast", [(int(clock.time()), False, 90)])
    item.result_seq = None                  # not numbered yet: it has no results
    with counted_aws_requests() as seen:
        monitor_now.fill_now([item], clock.now())
    assert seen.operations == []
    assert (item.last_checked_at, float(item.uptime_percentage), item.head_hours) == (
        None, 100.0, {})


def test_a_monitor_the_job_kept_on_its_item_reads_so_until_the_job_rolls_it_again(api, clock):
    """Upgrade: before the shard's rolled item, the job kept the uptime base, hour summary and
    last check on the monitor item; those read as before, and the job's next hour rolls that
    summary on into the rolled item without writing the monitor item."""
    from chalicelib.checks import hour_summary
    from chalicelib.checks.hour_summary import HourCounts
    from chalicelib.storage.monitors import MonitorTelemetryItem as t

    shop = website(api, regions=("UsEast",))
    hour = stats.hour_of(clock.time())
    batches.set_rolled_through(hour - 2 * HOUR)
    old = hour_summary.summary_through(hour - 2 * HOUR, [HourCounts(hour - 2 * HOUR, 4, 1, 4, 400)])
    t(shop.account_id, shop.monitor_id).update(actions=[
        t.uptime_base_hour.set(hour - HOUR), t.uptime_base_checks.set(4),
        t.uptime_base_failures.set(1), t.uptime_percentage.set(75.0),
        t.hour_summary_json.set(old), t.last_response_ms.set(100),
        t.last_checked_at.set(datetime.fromtimestamp(hour - 2 * HOUR + 100, timezone.utc))])
    row = listed(api, shop.monitor_id)
    assert (row["lastCheckedAt"], row["uptimePercentage"]) == (at(hour - 2 * HOUR + 100), 75.0)

    checked(shop, "UsEast", [(hour - HOUR + 5, True, 100)])
    assert listed(api, shop.monitor_id)["uptimePercentage"] == 80.0     # base + the head
    clock.set(datetime.fromtimestamp(hour + rollup_job.SETTLE_SECONDS, timezone.utc))
    assert rollup_job.roll_up(clock.now())["rolled"] == [hour - HOUR]
    row = listed(api, shop.monitor_id)
    assert (row["lastCheckedAt"], row["uptimePercentage"]) == (at(hour - HOUR + 6), 80.0)
    assert int(monitor_store.find_by_id(shop.monitor_id).uptime_base_hour) == hour - HOUR
    shard, index = batches.place_of(shop)
    entry = batches.rolled_of(shard).rolled_entries()[index]
    assert (entry.base_hour, entry.base_checks, entry.base_failures) == (hour, 5, 1)
    assert hour_summary.parse(entry.summary).through == hour - HOUR
