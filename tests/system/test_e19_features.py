"""E19 on the real local stack: monitor dependencies (one page for a host and its sites),
Prometheus metrics, Healthchecks-compatible pings and monitors as code."""
import time

import pytest

from conftest import LocalStack, create, get, wait_until
from targets import HttpTarget, WebhookReceiver


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    host, other, hook = HttpTarget().start(), HttpTarget().start(), WebhookReceiver()
    # Each test asks for many checks and creates many monitors: ten times the per-key limits.
    stack = LocalStack(tmp_path_factory.mktemp("e19") / "data",
                       env={"ENORI_RATE_LIMIT_SCALE": "10"}).start()
    yield stack, host, other, hook
    stack.stop()
    for thing in (host, other, hook):
        thing.stop()


def check_now(stack, monitor_id):
    time.sleep(1.1)  # each check-now is its own slot (whole seconds)
    assert stack.request("POST", f"/api/monitors/{monitor_id}/check", key=stack.key)[0] == 202


def status_of(stack, monitor_id):
    return get(stack, f"/api/monitors/{monitor_id}")["status"]


def checked_to(stack, monitor_id, status):
    check_now(stack, monitor_id)
    assert wait_until(lambda: status_of(stack, monitor_id) == status, 60), stack.output[-4000:]


def open_incidents(stack):
    return get(stack, "/api/incidents?status=Open&limit=100")["items"]


def test_a_host_down_with_three_sites_makes_one_incident_and_one_page(world):
    stack, host, other, hook = world
    channel = create(stack, "/api/alert-channels", {"name": "hook", "type": "Webhook",
                                                    "webhookUrl": hook.url})["id"]
    # Hourly: the scheduler stays out of the way of the checks this test asks for.
    common = {"type": "Website", "failureThreshold": 1, "regions": ["UsEast"], "intervalSeconds": 3600,
              "alertChannelIds": [channel]}
    parent = create(stack, "/api/monitors", {**common, "name": "host", "url": host.url})["id"]
    children = [create(stack, "/api/monitors", {
        **common, "name": f"site{i}", "url": (other if i == 2 else host).url,
        "dependsOn": [parent]})["id"] for i in range(3)]
    for monitor_id in [parent, *children]:
        checked_to(stack, monitor_id, "Up")

    host.stop()
    other.stop()      # site2's own server fails too, and stays down after the host is back
    checked_to(stack, parent, "Down")
    assert wait_until(lambda: len(open_incidents(stack)) == 1, 30)
    for child in children:
        checked_to(stack, child, "Down")
    [incident] = open_incidents(stack)
    assert wait_until(lambda: len(get(stack, f"/api/incidents/{incident['id']}")
                                  ["alsoAffected"]) == 3, 30), stack.output[-4000:]
    assert incident["monitorId"] == parent
    assert wait_until(lambda: hook.events() == ["monitor.down"], 30)
    # Every event of the children's Down is consumed by now (the incident shows all three):
    # still one incident and one page, and no alert was ever recorded for a child.
    assert len(open_incidents(stack)) == 1 and hook.events() == ["monitor.down"]
    for child in children:
        assert get(stack, f"/api/alerts?monitorId={child}")["items"] == []
    assert [p["monitor"]["id"] for p in hook.payloads()] == [parent]

    host.start()
    checked_to(stack, parent, "Up")
    assert wait_until(lambda: open_incidents(stack) == [], 30)
    checked_to(stack, children[0], "Up")      # back with their host: nobody is paged
    checked_to(stack, children[1], "Up")
    check_now(stack, children[2])             # its own server is still down: it pages now
    assert wait_until(lambda: [i["monitorId"] for i in open_incidents(stack)] == [children[2]],
                      60), stack.output[-4000:]
    assert wait_until(lambda: sorted(hook.events()) == ["monitor.down", "monitor.down",
                                                        "monitor.up"], 30)
    assert [p["monitor"]["id"] for p in hook.payloads() if p["event"] == "monitor.down"] == \
        [parent, children[2]]


def test_prometheus_text_parses_and_matches_the_apis_figures(world):
    from prometheus_client.parser import text_string_to_metric_families

    stack = world[0]
    target = HttpTarget().start()
    try:
        site = create(stack, "/api/monitors", {
            "name": "metered", "type": "Website", "url": target.url, "regions": ["UsEast"],
            "intervalSeconds": 3600, "tags": ["prod"]})["id"]
        for _ in range(2):
            check_now(stack, site)
        assert wait_until(lambda: get(stack, f"/api/monitors/{site}/results")["totalCount"] == 2,
                          60), stack.output[-4000:]
        assert wait_until(lambda: status_of(stack, site) == "Up", 30)
    finally:
        target.stop()
    status, headers, body = stack.raw_request(
        "GET", "/api/metrics", headers={"Authorization": f"Bearer {stack.key}"})
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = [s for family in text_string_to_metric_families(body.decode())
               for s in family.samples if s.labels.get("id") == site]
    found = {(s.name, s.labels.get("state") or s.labels.get("stat") or s.labels.get("period")):
             s.value for s in samples}
    assert {s.labels["name"] for s in samples} == {"metered"}
    assert {s.labels["tags"] for s in samples} == {"prod"}
    assert found[("enori_monitor_up", None)] == 1
    assert found[("enori_monitor_status", "Up")] == 1 and found[("enori_monitor_status", "Down")] == 0
    [newest] = get(stack, f"/api/monitors/{site}/results?limit=1")["items"]
    assert found[("enori_monitor_response_time_seconds", "last")] == \
        newest["responseTimeMs"] / 1000
    for period in ("24h", "7d", "30d", "90d"):
        figures = get(stack, f"/api/monitors/{site}/stats?period={period}")
        assert found[("enori_monitor_uptime_ratio", period)] == \
            pytest.approx(figures["uptimePercentage"] / 100)
    assert found[("enori_incidents_open", None)] == 0


def ping(stack, path):
    status, _, body = stack.raw_request("GET", path)
    assert (status, body) == (200, b"OK"), (path, status, body)


def test_healthchecks_clients_conventions(world):
    stack = world[0]
    job = create(stack, "/api/monitors", {"name": "hc job", "type": "Job", "periodSeconds": 3600})
    base = f"/ping/{job['pingToken']}"
    first, second = "5f2b1d6e-0000-4000-8000-000000000001", "5f2b1d6e-0000-4000-8000-000000000002"
    ping(stack, f"{base}/start?rid={first}")
    time.sleep(1.0)
    ping(stack, f"{base}/start?rid={second}")
    time.sleep(0.5)
    ping(stack, f"{base}/0?rid={second}")
    ping(stack, f"{base}?rid={first}")
    finished = {p["runId"]: p for p in get(stack, f"/api/monitors/{job['id']}/pings")["items"]
                if p["kind"] == "Success"}
    # Each run is timed from its own start: the first ran a second longer than the second.
    assert 500 <= finished[second]["runtimeMs"] < finished[first]["runtimeMs"] - 900
    assert finished[second]["exitStatus"] == 0 and status_of(stack, job["id"]) == "Up"

    ping(stack, f"{base}/log?msg=halfway")
    [logged] = get(stack, f"/api/monitors/{job['id']}/pings?limit=1")["items"]
    assert (logged["kind"], logged["message"]) == ("Log", "halfway")
    assert status_of(stack, job["id"]) == "Up"

    status, _, _ = stack.raw_request("POST", f"{base}/3", body=b"disk full",
                                     headers={"Content-Type": "text/plain"})
    assert status == 200
    [failed] = get(stack, f"/api/monitors/{job['id']}/pings?limit=1")["items"]
    assert (failed["kind"], failed["exitStatus"], failed["message"]) == ("Fail", 3, "disk full")
    assert status_of(stack, job["id"]) == "Down"
    assert stack.raw_request("GET", f"{base}/256")[0] == 400


def test_plan_apply_plan_and_an_out_of_band_change(world):
    stack, _, _, hook = world
    document = {
        "channels": {"code hook": {"type": "Webhook", "webhookUrl": hook.url}},
        "monitors": {
            "code host": {"type": "Ping", "url": "127.0.0.1", "intervalSeconds": 3600,
                          "alertChannels": ["code hook"]},
            "code site": {"type": "Website", "url": "http://127.0.0.1:9/", "intervalSeconds": 3600,
                          "dependsOn": ["code host"]}},
        "statusPages": {"Code": {"slug": "code-e19", "components": [{"monitor": "code site"}]}},
    }

    def plan():
        status, body = stack.request("POST", "/api/config/plan", key=stack.key, body=document)
        assert status == 200, body
        return body["changes"]

    assert [(c["kind"], c["action"]) for c in plan()] == [
        ("channels", "create"), ("monitors", "create"), ("monitors", "create"),
        ("statusPages", "create")]
    status, applied = stack.request("POST", "/api/config/apply", key=stack.key, body=document)
    assert status == 200 and applied["changeCount"] == 4, applied
    assert plan() == []
    site = next(a["id"] for a in applied["applied"] if a["name"] == "code site")
    assert stack.request("PATCH", f"/api/monitors/{site}", key=stack.key,
                         body={"failureThreshold": 5})[0] == 200
    assert plan() == [{"kind": "monitors", "name": "code site", "action": "update",
                       "changes": {"failureThreshold": {"from": 5, "to": 2}}}]
    exported = get(stack, "/api/config/export")
    assert exported["monitors"]["code site"]["dependsOn"] == ["code host"]
