"""End to end on the real local stack: a monitor on a local HTTP server gets results from both
regions, goes down when the server stops (opening one incident) and comes back."""
import time

import pytest

from conftest import wait_until
from targets import HttpTarget


@pytest.fixture(scope="module")
def target():
    server = HttpTarget().start()
    yield server
    server.stop()


def results(stack, monitor_id):
    status, body = stack.request("GET", f"/api/monitors/{monitor_id}/results?limit=50", key=stack.key)
    assert status == 200
    return body["items"]


def check_now(stack, monitor_id):
    status, body = stack.request("POST", f"/api/monitors/{monitor_id}/check", key=stack.key)
    assert status == 202, body


def test_a_monitor_is_checked_from_both_regions_goes_down_and_recovers(local_stack, target):
    stack = local_stack
    status, monitor = stack.request("POST", "/api/monitors", key=stack.key, body={
        "name": "Local target", "type": "Website", "url": target.url, "failureThreshold": 1,
        "regions": ["UsEast", "EuWest"]})
    assert status == 201, monitor
    check_now(stack, monitor["id"])
    assert wait_until(lambda: {r["region"] for r in results(stack, monitor["id"])} == {"UsEast", "EuWest"}, 60), \
        stack.output[-3000:]
    assert all(r["ok"] for r in results(stack, monitor["id"]))
    assert wait_until(lambda: stack.request("GET", f"/api/monitors/{monitor['id']}", key=stack.key)[1]["status"] == "Up", 30)

    target.stop()
    time.sleep(1.1)  # a new slot: check-now slots are whole seconds
    check_now(stack, monitor["id"])
    assert wait_until(lambda: any(not r["ok"] for r in results(stack, monitor["id"])), 60)
    failure = next(r for r in results(stack, monitor["id"]) if not r["ok"])
    assert failure["error"] == "connection refused"

    def incident():
        items = stack.request("GET", f"/api/incidents?monitorId={monitor['id']}", key=stack.key)[1]["items"]
        return items[0] if items else None

    assert wait_until(lambda: incident() is not None, 60), stack.output[-3000:]
    assert incident()["title"] == "Local target is down: connection refused"
    assert stack.request("GET", f"/api/monitors/{monitor['id']}", key=stack.key)[1]["status"] == "Down"

    target.start()
    time.sleep(1.1)
    check_now(stack, monitor["id"])
    assert wait_until(lambda: incident()["status"] == "Resolved", 60), stack.output[-3000:]
    status, detail = stack.request("GET", f"/api/incidents/{incident()['id']}", key=stack.key)
    kinds = [entry["kind"] for entry in detail["timeline"]]
    assert kinds[0] == "started" and kinds[-1] == "resolved"
    assert len(stack.request("GET", f"/api/incidents?monitorId={monitor['id']}", key=stack.key)[1]["items"]) == 1

    status, stats = stack.request("GET", f"/api/monitors/{monitor['id']}/stats?period=24h", key=stack.key)
    assert status == 200
    checks = results(stack, monitor["id"])
    assert stats["totalChecks"] == len(checks)
    assert stats["failedChecks"] == sum(1 for r in checks if not r["ok"])
