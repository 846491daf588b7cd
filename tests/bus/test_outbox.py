"""The event outbox (moto): an event stays pending until every consumer of the topic has
acknowledged it, the sweeper publishes again what is still pending after the bound (later and
later), and a redelivered event finishes the deliveries its first delivery left unattempted."""
import json

import pytest

from local.lambda_events import lambda_context, sns_record


def sns_event(payload: dict) -> dict:
    return {"Records": [sns_record({"MessageId": "m-1", "TopicArn": "arn:aws:sns:us-east-1:1:t",
                                    "Message": json.dumps(payload)}, "arn:sub")]}


def consume(name: str, payload: dict):
    from app import app

    return app.handler_map[name](sns_event(payload), lambda_context(name))


def stored(event_id):
    from chalicelib.storage.events import EventItem

    return EventItem.get(event_id, consistent_read=True)


def pending_ids(clock, after=0):
    from chalicelib.storage import events as store

    return {i.event_id for i in store.pending_before(clock.time() + after)}


@pytest.fixture
def sns_published(monkeypatch):
    """Event ids handed to SNS (moto's topic has no subscriber here)."""
    from chalicelib.bus import events

    sent = []
    real = events.runtime.client("sns").publish

    def publish(**kwargs):
        sent.append(json.loads(kwargs["Message"])["id"])
        return real(**kwargs)

    monkeypatch.setattr(events.runtime.client("sns"), "publish", publish)
    return sent


def internal_event(clock, event_id="evt_a"):
    """An event no consumer acts on (only their acknowledgement is under test)."""
    from chalicelib.bus import events

    events.emit(event_id, "acc_1", "region.down", {"monitor": {}})
    return stored(event_id).payload


def test_the_consumers_are_exactly_the_topics_subscribers():
    from chalice.app import SNSEventConfig

    from app import app
    from chalicelib.bus import events

    subscribers = {s.name for s in app.event_sources
                   if isinstance(s, SNSEventConfig) and s.topic == events.topic_name()}
    assert subscribers == set(events.CONSUMERS)


def test_a_published_event_stays_pending_until_every_consumer_acknowledged_it(clock,
                                                                              sns_published):
    from chalicelib.bus import events

    payload = internal_event(clock)
    assert sns_published == ["evt_a"]
    for name in events.CONSUMERS[:-1]:
        consume(name, payload)
        consume(name, payload)            # a duplicate acknowledges nothing new
        assert "evt_a" in pending_ids(clock, after=1)
    consume(events.CONSUMERS[-1], payload)
    assert pending_ids(clock, after=1) == set()
    assert stored("evt_a").awaiting is None


def test_a_consumer_that_fails_leaves_the_event_pending(clock, monkeypatch, sns_published):
    from chalicelib.incidents import handlers as incident_events

    payload = internal_event(clock)

    def broken(event):
        raise RuntimeError("DynamoDB is away")

    monkeypatch.setattr(incident_events, "handle_event", broken)
    with pytest.raises(RuntimeError):
        consume("on_event_for_incidents", payload)
    assert "on_event_for_incidents" in stored("evt_a").awaiting


def test_the_sweeper_publishes_again_what_a_consumer_never_acknowledged(clock, sns_published):
    from chalicelib.bus import events
    from chalicelib.kernel.settings import settings

    payload = internal_event(clock)
    for name in events.CONSUMERS[1:]:
        consume(name, payload)            # the incidents consumer's message was lost
    bound = settings.event_republish_seconds
    clock.advance(bound - 1)
    assert events.republish_pending() == 0
    clock.advance(2)
    assert events.republish_pending() == 1
    assert sns_published == ["evt_a", "evt_a"]
    # Then later and later: the next one `2 * bound` after this one, not at the next run.
    clock.advance(bound + 1)
    assert events.republish_pending() == 0
    clock.advance(bound)
    assert events.republish_pending() == 1
    consume("on_event_for_incidents", payload)
    clock.advance(10 * bound)
    assert events.republish_pending() == 0
    assert sns_published == ["evt_a"] * 3


def test_pending_events_spread_over_shards_and_are_all_found(clock, sns_published):
    from chalicelib.bus import events
    from chalicelib.storage import events as store

    for n in range(40):
        events.emit(f"evt_{n}", "acc_1", "region.down", {"monitor": {}})
    shards = {stored(f"evt_{n}").pending_shard for n in range(40)}
    assert len(shards) == store.PENDING_SHARDS
    assert pending_ids(clock, after=1) == {f"evt_{n}" for n in range(40)}


def test_a_redelivered_event_sends_what_its_first_delivery_created_but_never_claimed(
        api, clock, private_ok, receiver, monkeypatch):
    from chalicelib.notify import delivery
    from chalicelib.storage import alert_records as records

    hook = receiver()
    channel = api.post("/api/alert-channels", {"name": "hook", "type": "Webhook",
                                               "webhookUrl": hook.url}).json
    monitor = api.post("/api/monitors", {"name": "Shop", "type": "Website",
                                         "url": "https://shop.example.com",
                                         "alertChannelIds": [channel["id"]]}).json
    event = {"id": "evt_down", "event": "monitor.down", "accountId": api.get("/api/account").json["id"],
             "monitor": {"id": monitor["id"], "name": "Shop", "url": "https://shop.example.com",
                         "type": "Website"},
             "alert": {"type": "Down", "message": "HTTP 503", "timestamp": "2026-03-24T10:00:00Z",
                       "responseTimeMs": 12}}
    real_claim = records.claim_attempt

    def unavailable(*args):
        raise RuntimeError("DynamoDB timed out")

    monkeypatch.setattr(records, "claim_attempt", unavailable)
    with pytest.raises(RuntimeError):
        delivery.deliver_event(event)     # the record exists, nobody claimed it
    monkeypatch.setattr(records, "claim_attempt", real_claim)
    assert delivery.deliver_event(event) == []     # nothing new was created...
    assert len(hook.received) == 1                 # ...but the delivery was made, once
    delivery.deliver_event(event)
    assert len(hook.received) == 1
    [record] = api.get("/api/alerts").json["items"]
    assert (record["status"], record["attempts"]) == ("Delivered", 1)


def test_an_outcome_is_recorded_through_a_dynamodb_outage_and_only_once(
        api, clock, private_ok, receiver, monkeypatch):
    import asyncio

    from botocore.exceptions import ReadTimeoutError

    from chalicelib.notify import delivery
    from chalicelib.storage import alert_records as records
    from chalicelib.storage.channels import get_channel

    hook = receiver()
    channel = api.post("/api/alert-channels", {"name": "hook", "type": "Webhook",
                                               "webhookUrl": hook.url}).json
    event = delivery.test_event(type("C", (), {"account_id": api.get("/api/account").json["id"]}),
                                "2026-03-24T10:00:00Z", "n1")
    event.pop("test")
    real_finish, calls = records.finish_attempt, []

    def timing_out(record, **outcome):
        calls.append(outcome["status"])
        if len(calls) == 2:      # the write went through but its answer never came
            real_finish(record, **outcome)
        if len(calls) <= 3:
            raise ReadTimeoutError(endpoint_url="http://dynamodb")
        real_finish(record, **outcome)

    monkeypatch.setattr(records, "finish_attempt", timing_out)
    stored_channel = get_channel(event["accountId"], channel["id"])
    record = delivery.new_record(event, stored_channel, clock.time())
    records.create_record(record)
    asyncio.run(delivery.attempt_all([(record, stored_channel)]))
    assert calls == ["Delivered"] * 4
    stored_record = records.get_record(record.account_id, record.alert_id)
    assert (stored_record.status, len(stored_record.history), len(hook.received)) == \
        ("Delivered", 1, 1)



def counted(n):
    from chalicelib.bus import dead_letters

    return {dead_letters.REDRIVES_ATTRIBUTE: {"DataType": "Number", "StringValue": str(n)}}


def test_dead_letters_go_back_a_bounded_number_per_run_and_of_times(aws):
    from chalicelib.bus import dead_letters
    from chalicelib.kernel.runtime import runtime

    sqs = runtime.client("sqs")
    source = sqs.create_queue(QueueName="redrive-test")["QueueUrl"]
    dlq = sqs.create_queue(QueueName=dead_letters.dlq_name_of("redrive-test"))["QueueUrl"]
    for n in range(4):
        sqs.send_message(QueueUrl=dlq, MessageBody=f"retry {n}")
    sqs.send_message(QueueUrl=dlq, MessageBody="nearly poison",
                     MessageAttributes=counted(dead_letters.MAX_REDRIVES - 1))
    sqs.send_message(QueueUrl=dlq, MessageBody="poison",
                     MessageAttributes=counted(dead_letters.MAX_REDRIVES))

    first = dead_letters.redrive(sqs, source, dlq, budget=3)            # bounded per run
    assert first.moved + first.kept == 3
    second = dead_letters.redrive(sqs, source, dlq)
    assert (first.moved + second.moved, first.kept + second.kept) == (5, 1)
    moved = []
    while batch := sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10,
                                       MessageAttributeNames=["All"]).get("Messages", []):
        moved += batch
        for m in batch:
            sqs.delete_message(QueueUrl=source, ReceiptHandle=m["ReceiptHandle"])
    counts = {m["Body"]: m["MessageAttributes"][dead_letters.REDRIVES_ATTRIBUTE]["StringValue"]
              for m in moved}
    assert counts == {**{f"retry {n}": "1" for n in range(4)},
                      "nearly poison": str(dead_letters.MAX_REDRIVES)}


def test_the_scheduled_redrive_moves_dead_lettered_alert_retries_back(aws):
    from app import app
    from chalicelib.bus import dead_letters
    from chalicelib.notify import delivery
    from chalicelib.bus.dispatch import queue_url
    from chalicelib.kernel.runtime import runtime
    from local.lambda_events import scheduled_event

    sqs = runtime.client("sqs")
    dlq = sqs.create_queue(QueueName=dead_letters.dlq_name_of(delivery.retry_queue_name()))
    sqs.send_message(QueueUrl=dlq["QueueUrl"], MessageBody='{"alert_id": "alr_1"}')
    from datetime import datetime, timezone

    result = app.handler_map["redrive_dead_letters"](
        scheduled_event("redrive_dead_letters", datetime.now(timezone.utc), "us-east-1"),
        lambda_context("redrive_dead_letters"))
    assert result == {"moved": 1, "kept": 0}
    bodies = [m["Body"] for m in sqs.receive_message(
        QueueUrl=queue_url(delivery.retry_queue_name()), MaxNumberOfMessages=10,
        WaitTimeSeconds=0).get("Messages", [])]
    assert '{"alert_id": "alr_1"}' in bodies
