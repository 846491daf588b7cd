"""PagerDuty, Opsgenie, Telegram and ntfy end to end on the real local stack, against the local
provider stand-ins (tests/provider_standins.py, reached through the stack's ENORI_PROVIDER_URLS):
a target goes down, the incident is acknowledged, the target comes back. The paging tools get
trigger, acknowledge and resolve on one alert keyed by the incident; the chat and the phone get
down and up; and the down event published again posts nothing twice."""
import json
import re
import time

import boto3
import pytest

from conftest import LocalStack, create, get, wait_until
from provider_standins import (NTFY_TOKEN, OPSGENIE_KEY, PAGERDUTY_KEY, TELEGRAM_CHAT,
                                 TELEGRAM_TOKEN, ProviderStandins)
from targets import HttpTarget


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    target, standins = HttpTarget().start(), ProviderStandins().start()
    stack = LocalStack(tmp_path_factory.mktemp("providers") / "data", env={
        **standins.env(), "ENORI_ALERT_RETRY_DELAYS": "1,2,3"}).start()
    yield stack, target, standins
    stack.stop()
    target.stop()
    standins.stop()


def check_now(stack, monitor_id):
    time.sleep(1.1)  # each check-now is its own slot (whole seconds)
    assert stack.request("POST", f"/api/monitors/{monitor_id}/check", key=stack.key)[0] == 202


def status_of(stack, monitor_id):
    return get(stack, f"/api/monitors/{monitor_id}")["status"]


def aws(stack, service):
    """A client of the stack's own DynamoDB Local or moto server (their URLs: its first lines)."""
    pattern = r"DynamoDB Local on (\S+)" if service == "dynamodb" else r"moto server .* on (\S+)"
    endpoint = re.search(pattern, stack.output).group(1)
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="local", aws_secret_access_key="local")


def publish_again(stack, event_id):
    """Publish a stored event to the events topic again (what SNS's at-least-once delivery or
    the outbox's republisher does), and wait until the pump has handled it."""
    topic, queue = re.search(r"topic (\S+) ready, delivered to (\S+)", stack.output).groups()
    table = topic.removesuffix("-events") + "-events"
    item = aws(stack, "dynamodb").get_item(TableName=table, Key={"event_id": {"S": event_id}},
                                           ConsistentRead=True)["Item"]
    sns, sqs = aws(stack, "sns"), aws(stack, "sqs")
    arn = sns.create_topic(Name=topic)["TopicArn"]
    sns.publish(TopicArn=arn, Message=item["payload_json"]["S"],
                MessageAttributes={"event": {"DataType": "String",
                                             "StringValue": item["type"]["S"]}})
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]

    def drained():
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return all(value == "0" for value in counts.values())

    time.sleep(0.5)
    assert wait_until(drained, 30), stack.output[-3000:]


def test_down_acknowledge_up_through_the_paging_and_push_channels(world):
    stack, target, standins = world
    channels = [create(stack, "/api/alert-channels", body)["id"] for body in (
        {"name": "pd", "type": "PagerDuty", "routingKey": PAGERDUTY_KEY},
        {"name": "genie", "type": "Opsgenie", "apiKey": OPSGENIE_KEY, "region": "EU"},
        {"name": "chat", "type": "Telegram", "botToken": TELEGRAM_TOKEN, "chatId": TELEGRAM_CHAT},
        # A self-hosted ntfy server (on 127.0.0.1: the local stack allows private targets).
        {"name": "phone", "type": "ntfy", "serverUrl": standins.url("ntfy"),
         "topic": "enori-alerts", "token": NTFY_TOKEN})]
    monitor = create(stack, "/api/monitors", {
        "name": "Shop", "type": "Website", "url": target.url, "failureThreshold": 1,
        "regions": ["UsEast"], "alertChannelIds": channels})
    check_now(stack, monitor["id"])
    assert wait_until(lambda: status_of(stack, monitor["id"]) == "Up", 60)

    target.stop()
    check_now(stack, monitor["id"])
    assert wait_until(lambda: standins.pagerduty and standins.opsgenie and standins.telegram
                      and standins.ntfy, 60), stack.output[-4000:]
    [incident] = get(stack, "/api/incidents/active")
    [pd_key], [alias] = list(standins.pagerduty), list(standins.opsgenie)
    assert pd_key == alias == incident["id"]
    assert standins.of("opsgenie-eu") and not standins.of("opsgenie")   # the EU account's root

    status, _ = stack.request("POST", f"/api/incidents/{incident['id']}/acknowledge",
                              key=stack.key, body={})
    assert status == 200
    assert wait_until(lambda: standins.pagerduty[pd_key].status == "acknowledged"
                      and standins.opsgenie[alias].status == "acknowledged", 60), \
        stack.output[-4000:]

    target.start()
    check_now(stack, monitor["id"])
    assert wait_until(lambda: standins.pagerduty[pd_key].status == "resolved"
                      and standins.opsgenie[alias].status == "resolved"
                      and len(standins.telegram) == 2 and len(standins.ntfy) == 2, 60), \
        stack.output[-4000:]
    assert standins.pagerduty[pd_key].actions == ["trigger", "acknowledge", "resolve"]
    assert standins.opsgenie[alias].actions == ["create", "acknowledge", "close"]
    assert [m["title"] for m in standins.ntfy] == ["🔴 Shop is down", "✅ Shop is up again"]
    assert standins.telegram[0]["text"].startswith("<b>🔴 Shop is down</b>")

    # The down event arrives again: no channel hears of it twice.
    def records_now():
        return get(stack, f"/api/alerts?monitorId={monitor['id']}&limit=100")["items"]

    # A provider has the request a moment before its record says Delivered.
    assert wait_until(lambda: {r["status"] for r in records_now()} == {"Delivered"}, 30)
    records = records_now()
    down = next(r for r in records if r["event"] == "monitor.down")
    sent_before = len(standins.received)
    publish_again(stack, down["eventId"])
    assert len(standins.received) == sent_before
    assert standins.pagerduty[pd_key].triggers == 1 and len(standins.telegram) == 2
    delivered = [(r["channelId"], r["event"]) for r in records_now()]
    assert len(delivered) == len(set(delivered)) == len(records) == 10   # 4 down, 2 ack, 4 up
    assert json.dumps(get(stack, "/api/alert-channels")).count(PAGERDUTY_KEY) == 0


def test_a_test_alert_reaches_each_stand_in(world):
    stack, _, standins = world
    for body, provider in (
            ({"name": "pd test", "type": "pagerduty", "routingKey": PAGERDUTY_KEY}, "pagerduty"),
            ({"name": "genie test", "type": "Opsgenie", "apiKey": OPSGENIE_KEY}, "opsgenie"),
            ({"name": "chat test", "type": "Telegram", "botToken": TELEGRAM_TOKEN,
              "chatId": TELEGRAM_CHAT}, "telegram"),
            ({"name": "phone test", "type": "Ntfy", "topic": "enori-tests"}, "ntfy")):
        channel = create(stack, "/api/alert-channels", body)
        before = len(standins.of(provider))
        status, record = stack.request("POST", f"/api/alert-channels/{channel['id']}/test",
                                       key=stack.key, body={})
        assert (status, record["status"]) == (200, "Delivered"), record
        assert len(standins.of(provider)) == before + 1


def test_a_broken_channel_is_marked_and_the_owner_told_elsewhere(world):
    stack, _, standins = world
    # The channel the owner is told through: its own, not one an earlier test in the module
    # left behind (under xdist the tests of a module may run in different processes).
    create(stack, "/api/alert-channels", {"name": "owner's phone", "type": "Ntfy",
                                          "topic": "enori-owner"})
    broken = create(stack, "/api/alert-channels", {"name": "old chat", "type": "Telegram",
                                                   "botToken": TELEGRAM_TOKEN,
                                                   "chatId": "-100999"})   # chat not found
    told_before = [m["title"] for m in standins.ntfy]
    monitor = create(stack, "/api/monitors", {
        "name": "Gone", "type": "Website", "url": "http://127.0.0.1:9/", "failureThreshold": 1,
        "regions": ["UsEast"], "alertChannelIds": [broken["id"]]})
    check_now(stack, monitor["id"])
    assert wait_until(lambda: get(stack, f"/api/alert-channels/{broken['id']}")["lastFailure"],
                      60), stack.output[-4000:]
    mark = get(stack, f"/api/alert-channels/{broken['id']}")["lastFailure"]
    assert mark["statusCode"] == 400 and "chat not found" in mark["error"]
    notice = "⚠️ Alert channel old chat (Telegram) stopped working"
    def told_owner() -> list[str]:
        return [m["title"] for m in standins.ntfy if m["topic"] == "enori-owner"]

    assert wait_until(lambda: notice in told_owner(), 60)
    assert told_owner().count(notice) == 1
    assert len(standins.ntfy) >= len(told_before) + 1
    [record] = [r for r in get(stack, f"/api/alerts?monitorId={monitor['id']}&limit=100")["items"]
                if r["channelId"] == broken["id"]]
    assert (record["status"], record["attempts"], record["permanentFailure"]) == \
        ("Failed", 1, True)
