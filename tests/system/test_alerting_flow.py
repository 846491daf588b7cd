"""Alerts end to end on the real local stack: a target goes down and comes back; a webhook
receiver and an SMTP server get both alerts, and a flaky receiver gets its retries."""
import time

import pytest

from conftest import LocalStack, create, wait_until
from targets import HttpTarget, SmtpSink, WebhookReceiver


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    target, hook, flaky, smtp = HttpTarget().start(), WebhookReceiver(), WebhookReceiver(500, 500), SmtpSink()
    stack = LocalStack(tmp_path_factory.mktemp("alerts") / "data", env={
        "ENORI_SMTP_URL": smtp.url, "ENORI_ALERT_RETRY_DELAYS": "1,2,3"}).start()
    yield stack, target, hook, flaky, smtp
    stack.stop()
    for thing in (target, hook, flaky, smtp):
        thing.stop()


def check_now(stack, monitor_id):
    time.sleep(1.1)  # each check-now is its own slot (whole seconds)
    assert stack.request("POST", f"/api/monitors/{monitor_id}/check", key=stack.key)[0] == 202


def alerts(stack, monitor_id):
    return stack.request("GET", f"/api/alerts?monitorId={monitor_id}&limit=500", key=stack.key)[1]["items"]


def test_down_and_recovered_reach_webhook_and_email_and_retries_are_recorded(world):
    stack, target, hook, flaky, smtp = world
    channels = [create(stack, "/api/alert-channels", body)["id"] for body in (
        {"name": "hook", "type": "Webhook", "webhookUrl": hook.url},
        {"name": "flaky", "type": "Webhook", "webhookUrl": flaky.url},
        {"name": "mail", "type": "Email", "addresses": ["ops@example.com"]})]
    monitor = create(stack, "/api/monitors", {
        "name": "Shop", "type": "Website", "url": target.url, "failureThreshold": 1,
        "regions": ["UsEast"], "alertChannelIds": [channels[0], channels[2]]})
    # The flaky receiver hears only about outages, through a rule.
    create(stack, "/api/alert-rules", {"name": "flaky", "monitorIds": [monitor["id"]],
                                       "channelIds": [channels[1]], "events": ["monitor.down"]})
    check_now(stack, monitor["id"])
    assert wait_until(lambda: stack.request("GET", f"/api/monitors/{monitor['id']}", key=stack.key)[1]["status"] == "Up", 60)

    target.stop()
    check_now(stack, monitor["id"])
    assert wait_until(lambda: "monitor.down" in hook.events(), 60), stack.output[-4000:]
    headers, _ = hook.received[0]
    assert headers["User-Agent"] == "Enori-Webhook/1.0"
    assert wait_until(lambda: any("down" in s.lower() for s in smtp.subjects()), 30)

    target.start()
    check_now(stack, monitor["id"])
    assert wait_until(lambda: "monitor.up" in hook.events(), 60), stack.output[-4000:]
    assert wait_until(lambda: len(smtp.messages) == 2, 30)

    assert wait_until(lambda: flaky.events() == ["monitor.down"] * 3, 60), stack.output[-4000:]
    records = alerts(stack, monitor["id"])
    flaky_down = next(r for r in records if r["channelId"] == channels[1] and r["event"] == "monitor.down")
    assert wait_until(lambda: next(r for r in alerts(stack, monitor["id"])
                                   if r["id"] == flaky_down["id"])["status"] == "Delivered", 30)
    flaky_down = next(r for r in alerts(stack, monitor["id"]) if r["id"] == flaky_down["id"])
    assert flaky_down["attempts"] == 3
    assert [h["statusCode"] for h in flaky_down["history"]] == [500, 500, 200]
    delivered = {(r["channelId"], r["event"]) for r in alerts(stack, monitor["id"]) if r["status"] == "Delivered"}
    assert {(channels[0], "monitor.down"), (channels[0], "monitor.up"),
            (channels[2], "monitor.down"), (channels[2], "monitor.up")} <= delivered
