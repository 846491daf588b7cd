"""The event pump against a real moto server, driving a small test app (not the real one)."""
from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone

import boto3
import pytest
from chalice import Chalice, Rate

from chalicelib.kernel.clock import FakeClock
from local.aws_local import create_event_resources, start_moto_server
from local.pump import EventPump

MAX_RECEIVES = 2


@pytest.fixture(scope="module")
def moto_endpoint():
    server, endpoint = start_moto_server()
    yield endpoint
    server.stop()


@pytest.fixture
def moto_clients(moto_endpoint):
    def client(service):
        return boto3.client(service, endpoint_url=moto_endpoint, region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
    return {"sqs": client("sqs"), "sns": client("sns")}


def build_test_app(prefix: str):
    """A schedule, an SQS handler and an SNS handler. Bodies `fail` are reported as failed
    records, `explode` raises; every event received is kept in `seen`."""
    app = Chalice(app_name="pump-test")
    seen = defaultdict(list)

    @app.schedule(Rate(1, unit=Rate.MINUTES))
    def every_minute(event):
        seen["schedule"].append(event.to_dict())

    @app.on_sqs_message(queue=f"{prefix}-jobs", batch_size=10)
    def jobs(event):
        records = [record.to_dict() for record in event]
        seen["sqs"].extend(records)
        if any(r["body"] == "explode" for r in records):
            raise RuntimeError("boom")
        return {"batchItemFailures": [
            {"itemIdentifier": r["messageId"]} for r in records if r["body"] == "fail"]}

    @app.on_sns_message(topic=f"{prefix}-events")
    def events(event):
        seen["sns"].append(event.to_dict())
        if event.message == "explode":
            raise RuntimeError("boom")

    return app, seen


@pytest.fixture
def wired(moto_clients):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    app, seen = build_test_app(prefix)
    create_event_resources(app, moto_clients["sqs"], moto_clients["sns"], max_receives=MAX_RECEIVES)
    clock = FakeClock(datetime(2026, 3, 24, 10, 0, 30, tzinfo=timezone.utc))
    pump = EventPump(app, moto_clients["sqs"], moto_clients["sns"], clock=clock, retry_delay_seconds=0)
    queue_url = moto_clients["sqs"].get_queue_url(QueueName=f"{prefix}-jobs")["QueueUrl"]
    topic_arn = moto_clients["sns"].create_topic(Name=f"{prefix}-events")["TopicArn"]
    return {"app": app, "seen": seen, "pump": pump, "clock": clock, "prefix": prefix,
            "queue_url": queue_url, "topic_arn": topic_arn, **moto_clients}


def source(pump, kind):
    return {"sqs": pump.queue_sources, "sns": pump.topic_sources}[kind][0]


def send(wired, *bodies):
    for body in bodies:
        wired["sqs"].send_message(QueueUrl=wired["queue_url"], MessageBody=body)


def messages_left(sqs, url):
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_it_fires_a_one_minute_schedule_once_per_minute_boundary(wired):
    pump, clock, seen = wired["pump"], wired["clock"], wired["seen"]
    assert pump.run_due_schedules() == []  # 10:00:30, the current minute had already begun
    clock.advance(30)
    assert pump.run_due_schedules() == ["every_minute"]  # 10:01:00
    clock.advance(59)
    assert pump.run_due_schedules() == []  # 10:01:59, same minute
    clock.advance(1)
    assert pump.run_due_schedules() == ["every_minute"]  # 10:02:00
    assert [e["time"] for e in seen["schedule"]] == ["2026-03-24T10:01:00Z", "2026-03-24T10:02:00Z"]


def test_it_sends_a_cloudwatch_scheduled_event(wired):
    wired["clock"].advance(30)
    wired["pump"].run_due_schedules()
    event = wired["seen"]["schedule"][0]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["detail"] == {}
    assert event["resources"][0].endswith(":rule/every_minute")


def test_it_fires_once_after_a_long_pause_not_once_per_missed_minute(wired):
    wired["clock"].advance(30 + 10 * 60)
    assert wired["pump"].run_due_schedules() == ["every_minute"]
    assert wired["pump"].run_due_schedules() == []


def test_it_delivers_sqs_records_with_unique_ids_and_deletes_them(wired):
    send(wired, "a", "b", "c")
    assert wired["pump"].process_queue_once(source(wired["pump"], "sqs")) == 3
    records = wired["seen"]["sqs"]
    assert sorted(r["body"] for r in records) == ["a", "b", "c"]
    assert len({r["messageId"] for r in records}) == 3
    assert {r["eventSource"] for r in records} == {"aws:sqs"}
    assert records[0]["eventSourceARN"].endswith(f":{wired['prefix']}-jobs")
    assert records[0]["attributes"]["ApproximateReceiveCount"] == "1"
    assert messages_left(wired["sqs"], wired["queue_url"]) == 0


def test_it_passes_message_attributes_in_lambda_shape(wired):
    wired["sqs"].send_message(QueueUrl=wired["queue_url"], MessageBody="a", MessageAttributes={
        "region": {"DataType": "String", "StringValue": "EuWest"}})
    wired["pump"].process_queue_once(source(wired["pump"], "sqs"))
    attribute = wired["seen"]["sqs"][0]["messageAttributes"]["region"]
    assert (attribute["dataType"], attribute["stringValue"]) == ("String", "EuWest")


def test_it_redelivers_only_the_batch_item_failures(wired):
    send(wired, "ok-1", "fail", "ok-2")
    pump_source = source(wired["pump"], "sqs")
    wired["pump"].process_queue_once(pump_source)
    wired["seen"]["sqs"].clear()
    assert wired["pump"].process_queue_once(pump_source) == 1
    [again] = wired["seen"]["sqs"]
    assert again["body"] == "fail"
    assert again["attributes"]["ApproximateReceiveCount"] == "2"


def test_it_redelivers_the_whole_batch_when_the_handler_raises(wired):
    send(wired, "ok", "explode")
    pump_source = source(wired["pump"], "sqs")
    wired["pump"].process_queue_once(pump_source)
    wired["seen"]["sqs"].clear()
    assert wired["pump"].process_queue_once(pump_source) == 2
    assert sorted(r["body"] for r in wired["seen"]["sqs"]) == ["explode", "ok"]


def test_it_moves_a_message_that_always_fails_to_the_dlq(wired):
    send(wired, "fail")
    pump_source = source(wired["pump"], "sqs")
    for _ in range(MAX_RECEIVES + 2):
        wired["pump"].process_queue_once(pump_source)
    assert len(wired["seen"]["sqs"]) == MAX_RECEIVES
    assert messages_left(wired["sqs"], wired["queue_url"]) == 0
    dlq_url = wired["sqs"].get_queue_url(QueueName=f"{wired['prefix']}-jobs-dlq")["QueueUrl"]
    [dead] = wired["sqs"].receive_message(QueueUrl=dlq_url)["Messages"]
    assert dead["Body"] == "fail"


def test_it_delivers_an_sns_publish_as_an_sns_event(wired):
    wired["sns"].publish(TopicArn=wired["topic_arn"], Message='{"kind":"down"}', Subject="Monitor down",
                         MessageAttributes={"kind": {"DataType": "String", "StringValue": "incident"}})
    assert wired["pump"].process_topic_once(source(wired["pump"], "sns")) == 1
    [event] = wired["seen"]["sns"]
    [record] = event["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"].startswith(wired["topic_arn"])
    sns = record["Sns"]
    assert (sns["Type"], sns["TopicArn"], sns["Subject"]) == ("Notification", wired["topic_arn"], "Monitor down")
    assert sns["Message"] == '{"kind":"down"}'
    assert sns["MessageId"] and sns["Timestamp"]
    assert sns["MessageAttributes"]["kind"] == {"Type": "String", "Value": "incident"}


def test_it_drops_an_sns_message_to_the_subscriptions_dlq_after_three_attempts(wired):
    wired["sns"].publish(TopicArn=wired["topic_arn"], Message="explode")
    for _ in range(5):
        wired["pump"].process_topic_once(source(wired["pump"], "sns"))
    assert len(wired["seen"]["sns"]) == 3
    dlq_url = wired["sqs"].get_queue_url(
        QueueName=f"{wired['prefix']}-events-to-events-dlq")["QueueUrl"]
    assert len(wired["sqs"].receive_message(QueueUrl=dlq_url)["Messages"]) == 1


def test_its_threads_deliver_messages_and_stop_promptly(wired):
    pump = wired["pump"]
    pump.start()
    try:
        send(wired, "threaded")
        deadline = time.monotonic() + 10
        while not wired["seen"]["sqs"] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        started = time.monotonic()
        pump.stop()
    assert [r["body"] for r in wired["seen"]["sqs"]] == ["threaded"]
    assert time.monotonic() - started < 5


def test_an_idle_pump_stops_without_waiting_for_its_listeners_long_polls(wired):
    pump = EventPump(wired["app"], wired["sqs"], wired["sns"], poll_wait_seconds=10)
    polling, real_receive = threading.Event(), pump._receive

    def receive(*args):
        polling.set()
        return real_receive(*args)

    pump._receive = receive
    pump.start()
    assert polling.wait(10)
    time.sleep(0.2)                  # the listeners are inside their 10 s polls
    started = time.monotonic()
    pump.stop()
    assert time.monotonic() - started < 2
    send(wired, "after the stop")    # the listener that receives it hands it to no handler
    time.sleep(0.5)
    assert wired["seen"]["sqs"] == []


def test_a_stopping_pump_starts_no_other_sqs_invocation(wired):
    send(wired, "late")
    wired["pump"].stop()
    assert wired["pump"].process_queue_once(source(wired["pump"], "sqs")) == 0
    assert wired["seen"]["sqs"] == []
    # What it received while stopping is visible again at once, for the next start.
    received = wired["sqs"].receive_message(QueueUrl=wired["queue_url"]).get("Messages", [])
    assert [m["Body"] for m in received] \
        == ["late"]


def test_a_stopping_pump_starts_no_other_sns_invocation(wired):
    for n in range(3):
        wired["sns"].publish(TopicArn=wired["topic_arn"], Message=f"event {n}")
    wired["pump"].stop()
    wired["pump"].process_topic_once(source(wired["pump"], "sns"))
    assert wired["seen"]["sns"] == []


def slow_queue_app(prefix: str, in_flight: dict, hold: threading.Event):
    """One queue, one message per invocation; each invocation waits for `hold` and records
    how many invocations were running at once."""
    app = Chalice(app_name="pump-concurrency-test")
    lock = threading.Lock()

    @app.on_sqs_message(queue=f"{prefix}-checks", batch_size=1)
    def checks(event):
        with lock:
            in_flight["now"] += 1
            in_flight["most"] = max(in_flight["most"], in_flight["now"])
        hold.wait(5)
        with lock:
            in_flight["now"] -= 1
            in_flight["done"] += 1

    return app


@pytest.mark.parametrize("workers", [1, 3])
def test_each_queue_is_consumed_by_its_configured_number_of_workers(moto_clients, workers):
    prefix = f"t{uuid.uuid4().hex[:8]}"
    in_flight = {"now": 0, "most": 0, "done": 0}
    hold = threading.Event()
    app = slow_queue_app(prefix, in_flight, hold)
    create_event_resources(app, moto_clients["sqs"], moto_clients["sns"], max_receives=MAX_RECEIVES)
    url = moto_clients["sqs"].get_queue_url(QueueName=f"{prefix}-checks")["QueueUrl"]
    for n in range(6):
        moto_clients["sqs"].send_message(QueueUrl=url, MessageBody=f"check {n}")
    pump = EventPump(app, moto_clients["sqs"], moto_clients["sns"], queue_workers=workers)
    pump.start()
    try:
        deadline = time.monotonic() + 10
        while in_flight["now"] < workers and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)              # time for a worker beyond the bound to start, were there one
        at_once = in_flight["now"]
        hold.set()
        while in_flight["done"] < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        hold.set()
        pump.stop()
    assert at_once == workers and in_flight["most"] == workers
    assert in_flight["done"] == 6 and messages_left(moto_clients["sqs"], url) == 0


def test_an_idle_queue_is_polled_by_one_worker_at_a_time(moto_clients):
    """Four workers on an idle queue: one long-polls, the others wait their turn (each poll is a
    request moto spends CPU on), and a message sent meanwhile is still delivered."""
    prefix = f"t{uuid.uuid4().hex[:8]}"
    in_flight = {"now": 0, "most": 0, "done": 0}
    hold = threading.Event()
    hold.set()
    app = slow_queue_app(prefix, in_flight, hold)
    create_event_resources(app, moto_clients["sqs"], moto_clients["sns"], max_receives=MAX_RECEIVES)
    url = moto_clients["sqs"].get_queue_url(QueueName=f"{prefix}-checks")["QueueUrl"]
    # One-second polls: the turns are counted, four of them.
    pump = EventPump(app, moto_clients["sqs"], moto_clients["sns"], queue_workers=4,
                     poll_wait_seconds=1)
    receiving, polls, guard = {"now": 0, "most": 0}, [], threading.Lock()
    real_receive = pump._receive

    def counted_receive(queue_url, count, wait_seconds):
        with guard:
            receiving["now"] += 1
            receiving["most"] = max(receiving["most"], receiving["now"])
        try:
            return real_receive(queue_url, count, wait_seconds)
        finally:
            with guard:
                receiving["now"] -= 1
                polls.append(queue_url)

    pump._receive = counted_receive
    pump.start()
    try:
        deadline = time.monotonic() + 15
        while len(polls) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        moto_clients["sqs"].send_message(QueueUrl=url, MessageBody="after a quiet while")
        while in_flight["done"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        pump.stop()
    assert len(polls) >= 4 and receiving["most"] == 1
    assert in_flight["done"] == 1


def test_the_workers_per_queue_come_from_the_environment(moto_clients, monkeypatch):
    app, _ = build_test_app(f"t{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("ENORI_PUMP_QUEUE_WORKERS", "7")
    pump = EventPump(app, moto_clients["sqs"], moto_clients["sns"])
    assert pump.workers_for(pump.queue_sources[0]) == 7
    per_queue = EventPump(app, moto_clients["sqs"], moto_clients["sns"],
                          queue_workers={"jobs": 2})
    assert per_queue.workers_for(per_queue.queue_sources[0]) == 2
