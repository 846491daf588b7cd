"""GET /api/metrics: Prometheus text, parsed with prometheus_client's own parser, whose figures
are the API's. (prometheus-client is a dev requirement: requirements-dev.txt.)"""
from datetime import datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chalicelib.checks.checkers.base import CheckResult


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def value(found: dict, metric: str, **labels) -> float | None:
    """The one sample of `metric` whose labels include `labels`, or None."""
    family = found.get(metric)
    matches = [s.value for s in (family.samples if family else [])
               if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(matches) <= 1, (metric, labels, matches)
    return matches[0] if matches else None


def scrape(api, **headers):
    response = api.client.http.get("/api/metrics", headers=headers)
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return families(response.body.decode())


@pytest.fixture
def account(api, clock):
    """A website with results (one failing), a job that pinged, and an open incident."""
    from chalicelib.checks import worker
    import resulttools
    from chalicelib.storage import monitors as store

    site = api.post("/api/monitors", {"name": 'Shop "EU"', "type": "Website",
                                      "url": "https://shop.example.com", "regions": ["UsEast"],
                                      "failureThreshold": 1, "tags": ["prod", "eu"]}).json
    job = api.post("/api/monitors", {"name": "backup", "type": "Job", "periodSeconds": 3600}).json
    monitor = store.find_by_id(site["id"])
    start = int(clock.now().timestamp())
    for i, (ok, ms) in enumerate([(True, 120), (True, 80), (False, 900), (True, 200),
                                  (True, 150), (True, 95)]):
        slot = start + 60 * i
        clock.set(datetime.fromtimestamp(slot + 1, clock.now().tzinfo))
        result = CheckResult(ok=ok, response_time_ms=ms, ssl_days_left=41,
                             error=None if ok else "HTTP 500")
        resulttools.record_result(monitor, result, "UsEast", slot, clock.now(), 30)
        worker.evaluate_result(monitor, slot, "UsEast", result)
    api.client.http.get(f"/ping/{job['pingToken']}")
    api.post("/api/incidents", {"title": "Payments slow", "monitorId": site["id"]})
    return site, job


def test_it_answers_the_apis_figures_in_prometheus_text(api, account):
    site, job = account
    found = scrape(api, **{"X-API-Key": api.key})
    labels = {"id": site["id"], "name": 'Shop "EU"', "type": "Website", "tags": "eu,prod"}
    detail = api.get(f"/api/monitors/{site['id']}").json
    assert value(found, "enori_monitor_up", **labels) == (detail["status"] == "Up") == 1
    assert [value(found, "enori_monitor_status", **labels, state=s)
            for s in ("Up", "Down", "Pending", "Paused")] == [1, 0, 0, 0]
    [newest] = api.get(f"/api/monitors/{site['id']}/results?limit=1").json["items"]
    assert value(found, "enori_monitor_response_time_seconds", **labels, stat="last") == \
        newest["responseTimeMs"] / 1000
    day = api.get(f"/api/monitors/{site['id']}/stats?period=24h").json
    assert value(found, "enori_monitor_response_time_seconds", **labels, stat="p95") == \
        day["p95ResponseTimeMs"] / 1000
    for period in ("24h", "7d", "30d", "90d"):
        figures = api.get(f"/api/monitors/{site['id']}/stats?period={period}").json
        assert value(found, "enori_monitor_uptime_ratio", **labels, period=period) == \
            pytest.approx(figures["uptimePercentage"] / 100)
    assert value(found, "enori_monitor_uptime_ratio", **labels, period="24h") < 1
    assert value(found, "enori_monitor_certificate_expiry_days", **labels) == \
        newest["sslDaysLeft"] == 41
    assert value(found, "enori_incidents_open", **labels) == 1

    job_labels = {"id": job["id"], "type": "Job", "tags": ""}
    last_ping = api.get(f"/api/monitors/{job['id']}").json["lastPingAt"]
    assert value(found, "enori_job_last_ping_timestamp_seconds", **job_labels) == \
        datetime.fromisoformat(last_ping.replace("Z", "+00:00")).timestamp()
    assert value(found, "enori_incidents_open", **job_labels) == 0
    assert value(found, "enori_monitor_response_time_seconds", **job_labels) is None


def test_the_key_may_come_as_a_bearer_token(api, account):
    found = scrape(api, Authorization=f"Bearer {api.key}")
    assert "enori_monitor_up" in found


def test_it_needs_monitors_read_and_a_valid_key(api):
    from apitools import make_account

    _, alerts_only = make_account(scopes=("alerts:read",))
    assert api.client.http.get("/api/metrics", headers={
        "Authorization": f"Bearer {alerts_only}"}).status_code == 403
    assert api.client.http.get("/api/metrics", headers={
        "Authorization": "Bearer nope"}).status_code == 401
    assert api.client.http.get("/api/metrics", headers={
        "Authorization": f"Basic {api.key}"}).status_code == 401


def test_another_accounts_monitors_are_not_shown(api, account):
    from apitools import Api, make_account

    _, other_key = make_account()
    other = Api(api.client, other_key)
    other.post("/api/monitors", {"name": "theirs", "type": "Website",
                                 "url": "https://theirs.example.com"})
    found = scrape(api, **{"X-API-Key": api.key})
    assert {s.labels["name"] for s in found["enori_monitor_up"].samples} == \
        {'Shop "EU"', "backup"}


def test_label_values_are_escaped():
    from chalicelib.reports.metrics import Family, render

    text = render([Family("enori_x", "h", [({"name": 'a"b\\c\nd'}, 1.5)])])
    [sample] = families(text)["enori_x"].samples
    assert (sample.labels["name"], sample.value) == ('a"b\\c\nd', 1.5)


def test_the_rollup_cursor_is_read_once_per_scrape_not_twice_per_monitor(api, account):
    from apitools import aws_calls

    api.post("/api/monitors", {"name": "Second", "type": "Website", "regions": ["UsEast"],
                               "url": "https://second.example.com"})
    with aws_calls(with_params=True) as calls:
        scrape(api, **{"X-API-Key": api.key})
    cursor_reads = [p for op, p in calls if op == "GetItem"
                    and p["Key"].get("shard") == {"S": "rolled"}]
    assert len(cursor_reads) == 1     # two Website monitors
