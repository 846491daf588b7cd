from datetime import timedelta

import pytest
from apitools import make_account
from result_seeds import HOUR, put_result, put_rollup, roll_through

from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import results as result_store

WEBSITE = {"name": "Shop", "type": "Website", "url": "https://shop.example.com",
           "regions": ["UsEast", "EuWest"]}


@pytest.fixture
def monitor_id(api, clock):
    """A monitor created eight days before the clock's now (results are never read from
    before a monitor's creation)."""
    now = clock.now()
    clock.set(now - timedelta(days=8))
    created = api.post("/api/monitors", WEBSITE).json["id"]
    clock.set(now)
    return created


def record(monitor_id, clock, minutes_ago, region="UsEast", **result):
    """A result of the check scheduled `minutes_ago` before the clock's now."""
    slot = int((clock.now() - timedelta(minutes=minutes_ago)).timestamp())
    return put_result(monitor_id, slot, region, **result)


def test_it_lists_results_newest_first_with_the_wire_fields(api, clock, monitor_id):
    record(monitor_id, clock, 2, ms=120, status=200, ssl_days_left=40)
    record(monitor_id, clock, 1, ok=False, status=503, ms=80, error="expected 200, got 503",
           error_code="HTTP_STATUS", details={"headers": {"retry-after": "5"}},
           checked_at=int(clock.now().timestamp()) - 57)
    body = api.get(f"/api/monitors/{monitor_id}/results").json
    assert body["totalCount"] == 2
    newest, older = body["items"]
    assert newest == {"checkedAt": "2026-03-24T09:59:03Z", "region": "UsEast", "ok": False,
                      "responseTimeMs": 80, "statusCode": 503, "error": "expected 200, got 503",
                      "errorCode": "HTTP_STATUS", "sslDaysLeft": None,
                      "details": {"headers": {"retry-after": "5"}}}
    assert older == {"checkedAt": "2026-03-24T09:58:00Z", "region": "UsEast", "ok": True,
                     "responseTimeMs": 120, "statusCode": 200, "error": None, "errorCode": None,
                     "sslDaysLeft": 40, "details": {}}


def test_it_filters_by_limit_from_to_and_region(api, clock, monitor_id):
    for minutes_ago in range(10):
        record(monitor_id, clock, minutes_ago, "UsEast", ms=100 + minutes_ago)
        record(monitor_id, clock, minutes_ago, "EuWest", ms=500 + minutes_ago)
    path = f"/api/monitors/{monitor_id}/results"
    first = api.get(path + "?limit=3").json
    assert (len(first["items"]), first["totalCount"]) == (3, 20)
    following = api.get(path + "?limit=3&offset=3").json
    assert following["totalCount"] == 20
    assert following["items"] == api.get(path + "?limit=6").json["items"][3:]
    assert api.get(path + "?offset=19").json["totalCount"] == 20
    window = api.get(path + "?from=2026-03-24T09:52:00Z&to=2026-03-24T09:55:00Z&region=euwest")
    assert [r["responseTimeMs"] for r in window.json["items"]] == [505, 506, 507, 508]
    assert window.json["totalCount"] == 4


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"), ("offset=-1", "offset"),
    ("from=yesterday", "from"), ("to=2026-13-01", "to"), ("region=Mars", "region"),
    ("from=2026-03-24T10:00:00Z&to=2026-03-24T09:00:00Z", "from"),
])
def test_it_answers_400_naming_the_bad_parameter(api, monitor_id, query, field):
    response = api.get(f"/api/monitors/{monitor_id}/results?{query}")
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == field



@pytest.mark.parametrize("window", [
    "to=1178-02-20T20%3A46%3A28.876723%2B17%3A15",  # before 1970: found by schemathesis (a 500)
    "from=9999-12-31T23%3A00%3A00-17%3A15",  # past the last representable instant
    "from=0001-01-01T00%3A00%3A00%2B17%3A15&to=0001-01-02T00%3A00%3A00Z",
])
def test_it_answers_an_empty_page_for_windows_outside_stored_time(api, clock, monitor_id, window):
    record(monitor_id, clock, 1, ms=100)
    response = api.get(f"/api/monitors/{monitor_id}/results?{window}&limit=301")
    assert response.status_code == 200, response.json
    assert response.json == {"items": [], "totalCount": 0}

def test_it_computes_stats_from_the_recorded_results(api, clock, monitor_id):
    record(monitor_id, clock, 1, ms=100)
    record(monitor_id, clock, 1, "EuWest", ms=300)
    record(monitor_id, clock, 61, ok=False, error="timed out", error_code="TIMEOUT")
    record(monitor_id, clock, 23 * 60 + 59, ms=200)  # 10:01 yesterday: before the 24h window
    day = api.get(f"/api/monitors/{monitor_id}/stats").json
    assert day == {"period": "24h", "from": "2026-03-23T11:00:00Z", "to": "2026-03-24T10:00:00Z",
                   "uptimePercentage": 66.667, "avgResponseTimeMs": 200.0,
                   "p95ResponseTimeMs": 356,  # 300 ms lies in the bucket (284.2, 355.3]
                   "totalChecks": 3, "failedChecks": 1, "downtimeSeconds": 0, "incidentCount": 0,
                   "maintenanceSeconds": 0}
    week = api.get(f"/api/monitors/{monitor_id}/stats?period=7d").json
    assert (week["totalChecks"], week["uptimePercentage"], week["from"]) == \
        (4, 75.0, "2026-03-17T11:00:00Z")


def test_it_reports_a_monitor_without_results_as_having_no_uptime(api, monitor_id):
    body = api.get(f"/api/monitors/{monitor_id}/stats?period=90d").json
    assert (body["uptimePercentage"], body["totalChecks"], body["avgResponseTimeMs"],
            body["p95ResponseTimeMs"]) == (None, 0, None, None)   # null, not 100: never checked


def test_it_refuses_an_unknown_period(api, monitor_id):
    response = api.get(f"/api/monitors/{monitor_id}/stats?period=1y")
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "period"


@pytest.mark.parametrize("route", ["results", "stats"])
def test_it_answers_404_for_another_accounts_monitor(api, clock, monitor_id, route):
    record(monitor_id, clock, 1, ms=100)
    _, other_key = make_account()
    response = api.get(f"/api/monitors/{monitor_id}/{route}", key=other_key)
    assert response.status_code == 404
    assert response.json["code"] == "NOT_FOUND"


def test_it_needs_the_monitors_read_scope(api, monitor_id):
    _, key = make_account(scopes=["incidents:read"])
    assert api.get(f"/api/monitors/{monitor_id}/results", key=key).status_code == 403


def test_it_deletes_the_rollups_with_the_monitor(api, clock, monitor_id):
    put_rollup(monitor_id, int(clock.now().timestamp()) - 2 * HOUR, [100])
    assert api.delete(f"/api/monitors/{monitor_id}").status_code == 204
    assert result_store.rollups_between(monitor_id, 0, 10**10) == []


def test_it_orders_a_minutes_results_by_slot_whatever_their_region_and_group(api, clock,
                                                                             monitor_id):
    # A 30-second monitor: UsEast's item of the minute sorts first by key, but holds the older
    # slot; the two regions' results of 09:58:30 come newest slot first, then by region.
    minute = int(clock.now().timestamp()) - 120
    put_result(monitor_id, minute, "UsEast", ms=1)
    put_result(monitor_id, minute + 30, "EuWest", ms=2)
    put_result(monitor_id, minute + 30, "UsEast", ms=3)
    items = api.get(f"/api/monitors/{monitor_id}/results").json["items"]
    assert [(r["checkedAt"], r["region"]) for r in items] == [
        ("2026-03-24T09:58:30Z", "UsEast"), ("2026-03-24T09:58:30Z", "EuWest"),
        ("2026-03-24T09:58:00Z", "UsEast")]


def test_it_shows_only_this_monitors_entries_of_its_shard(api, clock, monitor_id):
    neighbour = api.post("/api/monitors", {**WEBSITE, "name": "Blog"}).json["id"]
    record(monitor_id, clock, 3, ms=100)
    record(neighbour, clock, 2, ms=200)
    assert monitor_store.find_by_id(neighbour).result_seq == 1   # the same shard, index 1
    body = api.get(f"/api/monitors/{monitor_id}/results").json
    assert ([r["responseTimeMs"] for r in body["items"]], body["totalCount"]) == ([100], 1)


def test_it_reads_nothing_from_before_the_monitor_was_created(api, clock, monitor_id):
    created = monitor_store.find_by_id(monitor_id).created_at
    put_result(monitor_id, int(created.timestamp()) - 60, ms=1)   # a reused index's leftover
    put_result(monitor_id, int(created.timestamp()), ms=2)
    body = api.get(f"/api/monitors/{monitor_id}/results?from=2026-03-01T00:00:00Z").json
    assert ([r["responseTimeMs"] for r in body["items"]], body["totalCount"]) == ([2], 1)


def test_a_monitor_not_numbered_yet_has_no_results(api, clock):
    unnumbered = api.post("/api/monitors", {**WEBSITE, "name": "Blog"}).json["id"]
    monitor = monitor_store.find_by_id(unnumbered)    # as a monitor from before numbering
    monitor.update(actions=[monitor_store.MonitorItem.result_seq.remove()])
    assert api.get(f"/api/monitors/{unnumbered}/results").json == {"items": [], "totalCount": 0}


def test_it_counts_rolled_hours_from_their_rollups_and_the_rest_from_minute_items(
        api, clock, monitor_id):
    now = int(clock.now().timestamp())                       # 10:00
    for minutes_ago in (150, 130, 90, 70, 30, 10):           # 07:30 .. 09:50, two a hour
        record(monitor_id, clock, minutes_ago, "UsEast", ms=100)
    # The job rolled up 08:00 (its rollup says 5 checks, 3 of them in EuWest: not what the
    # minute items hold, so the count shows which one it read); 09:00 is live.
    put_rollup(monitor_id, now - 2 * HOUR, [100] * 5, regions={"UsEast": 2, "EuWest": 3})
    roll_through(now - 2 * HOUR)
    path = f"/api/monitors/{monitor_id}/results?from=2026-03-24T07:45:00Z"
    assert api.get(path).json["totalCount"] == 1 + 5 + 2      # 07:50, the 08:00 rollup, live
    assert api.get(path + "&region=EuWest").json["totalCount"] == 3
    assert api.get(path + "&region=UsEast").json["totalCount"] == 1 + 2 + 2
    # Items are read from the minute items whatever the rollups say.
    assert len(api.get(path + "&limit=100").json["items"]) == 5


def test_a_rolled_hour_without_region_counts_is_counted_from_its_minute_items(
        api, clock, monitor_id):
    now = int(clock.now().timestamp())
    record(monitor_id, clock, 90, "EuWest", ms=100)          # 08:30
    put_rollup(monitor_id, now - 2 * HOUR, [100] * 4)        # no regions_json
    roll_through(now - HOUR)
    path = f"/api/monitors/{monitor_id}/results?region=EuWest"
    assert api.get(path).json["totalCount"] == 1
    assert api.get(f"/api/monitors/{monitor_id}/results").json["totalCount"] == 4


def test_stats_count_the_live_hours_from_minute_items_and_rolled_ones_from_rollups(
        api, clock, monitor_id):
    now = int(clock.now().timestamp())
    record(monitor_id, clock, 150, ms=100)                   # 07:30, rolled: its rollup counts
    put_rollup(monitor_id, now - 3 * HOUR, [100, 100, None], failures=1)
    roll_through(now - 2 * HOUR)                             # 08:00 rolled, without results
    record(monitor_id, clock, 30, ms=300)                    # 09:30: live
    record(monitor_id, clock, 10, ok=False, error="timed out", error_code="TIMEOUT")
    day = api.get(f"/api/monitors/{monitor_id}/stats").json
    assert (day["totalChecks"], day["failedChecks"], day["avgResponseTimeMs"]) == (5, 2, 166.7)
    assert day["uptimePercentage"] == 60.0
