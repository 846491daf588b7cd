"""On the real local stack: a two-level escalation (0 and 1 minute) reaches its second level only
while the incident stays unacknowledged; a maintenance window suppresses incidents and alerts,
and the status page says so."""
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import create, wait_until
from targets import HttpTarget, WebhookReceiver


@pytest.fixture
def receivers():
    made = [WebhookReceiver() for _ in range(5)]
    yield made
    for each in made:
        each.stop()


def check_now(stack, monitor_id):
    assert stack.request("POST", f"/api/monitors/{monitor_id}/check", key=stack.key)[0] == 202


def incidents_of(stack, monitor_id):
    return stack.request("GET", f"/api/incidents?monitorId={monitor_id}", key=stack.key)[1]["items"]


def escalated_monitor(stack, name, first, second):
    channels = [create(stack, "/api/alert-channels", {"name": f"{name}-{i}", "type": "Webhook",
                                                        "webhookUrl": r.url})["id"]
                for i, r in enumerate((first, second))]
    policy = create(stack, "/api/escalation-policies", {"name": name, "levels": [
        {"delayMinutes": 0, "channelIds": [channels[0]]},
        {"delayMinutes": 1, "channelIds": [channels[1]]}]})
    return create(stack, "/api/monitors", {
        "name": name, "type": "Website", "url": "http://127.0.0.1:9/", "failureThreshold": 1,
        "regions": ["UsEast"], "escalationPolicyId": policy["id"]})


def test_the_second_level_hears_only_of_an_unacknowledged_incident(local_stack, receivers):
    stack = local_stack
    left_open = escalated_monitor(stack, "left open", receivers[0], receivers[1])
    acknowledged = escalated_monitor(stack, "acknowledged", receivers[2], receivers[3])
    for monitor in (left_open, acknowledged):
        check_now(stack, monitor["id"])
    assert wait_until(lambda: receivers[0].events() and receivers[2].events(), 60), stack.output[-3000:]
    assert receivers[0].events() == ["incident.created"]
    [incident] = incidents_of(stack, acknowledged["id"])
    assert stack.request("POST", f"/api/incidents/{incident['id']}/acknowledge", key=stack.key)[0] == 200
    assert receivers[1].events() == [] and receivers[3].events() == []
    # The escalation sweep runs every minute: level 2 is due one minute after the incident.
    assert wait_until(lambda: receivers[1].events(), 150), stack.output[-3000:]
    assert receivers[1].events() == ["incident.created"]
    assert receivers[3].events() == []
    records = stack.request("GET", f"/api/alerts?monitorId={left_open['id']}", key=stack.key)[1]["items"]
    assert sorted(r["escalationLevel"] for r in records if r["escalationLevel"]) == [1, 2]


def test_a_maintenance_window_suppresses_incidents_and_alerts(local_stack, receivers):
    stack = local_stack
    target = HttpTarget().start()
    try:
        channel = create(stack, "/api/alert-channels", {"name": "maint", "type": "Webhook",
                                                        "webhookUrl": receivers[4].url})
        monitor = create(stack, "/api/monitors", {
            "name": "Under maintenance", "type": "Website", "url": target.url, "failureThreshold": 1,
            "regions": ["UsEast"], "alertChannelIds": [channel["id"]]})
        create(stack, "/api/status-pages", {"name": "Maint", "slug": "maint-page",
                                            "components": [{"monitorId": monitor["id"]}]})
        now = datetime.now(timezone.utc)
        create(stack, "/api/maintenance-windows", {
            "name": "Upgrade", "monitorIds": [monitor["id"]],
            "startsAt": (now - timedelta(minutes=1)).isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat()})
        target.stop()
        check_now(stack, monitor["id"])
        assert wait_until(lambda: stack.request("GET", f"/api/monitors/{monitor['id']}",
                                                key=stack.key)[1]["status"] == "Down", 60)
        time.sleep(3)  # what would have followed a Down: the incident consumer and the delivery
        assert incidents_of(stack, monitor["id"]) == []
        assert receivers[4].received == []
        assert stack.request("GET", f"/api/alerts?monitorId={monitor['id']}", key=stack.key)[1]["items"] == []
        status, page = stack.request("GET", "/api/public/status-pages/maint-page")
        assert status == 200 and page["status"] == "under_maintenance"
    finally:
        target.stop()
