from datetime import timedelta

import pytest
from apitools import make_account

from chalicelib.checks.checkers.base import CheckResult
from resulttools import record_result
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import results as result_store

WEBSITE = {"name": "Shop", "type": "Website", "url": "https://shop.example.com",
           "regions": ["UsEast", "EuWest"]}


@pytest.fixture
def monitor_id(api):
    return api.post("/api/monitors", WEBSITE).json["id"]


def record(monitor_id, clock, minutes_ago, result, region="UsEast"):
    """Record `result` as the check scheduled `minutes_ago` before the clock's now."""
    when = clock.now() - timedelta(minutes=minutes_ago)
    item = monitor_store.find_by_id(monitor_id)
    return record_result(item, result, region, int(when.timestamp()), when, retention_days=90)


def ok(ms, **kw):
    return CheckResult(ok=True, response_time_ms=ms, status_code=200, **kw)


def test_it_lists_results_newest_first_with_the_wire_fields(api, clock, monitor_id):
    record(monitor_id, clock, 2, ok(120, ssl_days_left=40, details={"ip": "93.184.216.34"}))
    record(monitor_id, clock, 1, CheckResult(ok=False, status_code=503, response_time_ms=80,
                                             error="HTTP 503", error_code="HTTP_STATUS"))
    body = api.get(f"/api/monitors/{monitor_id}/results").json
    assert body["totalCount"] == 2
    newest, older = body["items"]
    assert newest == {"checkedAt": "2026-03-24T09:59:00Z", "region": "UsEast", "ok": False,
                      "responseTimeMs": 80, "statusCode": 503, "error": "HTTP 503",
                      "errorCode": "HTTP_STATUS", "sslDaysLeft": None, "details": {}}
    assert older["sslDaysLeft"] == 40 and older["details"] == {"ip": "93.184.216.34"}


def test_it_filters_by_limit_from_to_and_region(api, clock, monitor_id):
    for minutes_ago in range(10):
        record(monitor_id, clock, minutes_ago, ok(100 + minutes_ago), "UsEast")
        record(monitor_id, clock, minutes_ago, ok(500 + minutes_ago), "EuWest")
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
    record(monitor_id, clock, 1, ok(100))
    response = api.get(f"/api/monitors/{monitor_id}/results?{window}&limit=301")
    assert response.status_code == 200, response.json
    assert response.json == {"items": [], "totalCount": 0}

def test_it_computes_stats_from_the_recorded_results(api, clock, monitor_id):
    record(monitor_id, clock, 1, ok(100))
    record(monitor_id, clock, 1, ok(300), "EuWest")
    record(monitor_id, clock, 61, CheckResult(ok=False, error="timed out", error_code="TIMEOUT"))
    record(monitor_id, clock, 23 * 60 + 59, ok(200))  # 09:01 yesterday: before the 24h window
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
    record(monitor_id, clock, 1, ok(100))
    _, other_key = make_account()
    response = api.get(f"/api/monitors/{monitor_id}/{route}", key=other_key)
    assert response.status_code == 404
    assert response.json["code"] == "NOT_FOUND"


def test_it_needs_the_monitors_read_scope(api, monitor_id):
    _, key = make_account(scopes=["incidents:read"])
    assert api.get(f"/api/monitors/{monitor_id}/results", key=key).status_code == 403


def test_it_deletes_results_and_rollups_with_the_monitor(api, clock, monitor_id):
    record(monitor_id, clock, 1, ok(100))
    record(monitor_id, clock, 90, ok(100), "EuWest")
    assert api.delete(f"/api/monitors/{monitor_id}").status_code == 204
    assert result_store.query_results(monitor_id, 500) == []
    assert result_store.rollups_between(monitor_id, 0, 10**10) == []
