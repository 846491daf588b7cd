"""An alert is never lost, and never sent twice, on the real local stack: with DynamoDB Local
frozen (SIGSTOP) while events are being delivered, and across a restart of the whole stack
while events are in flight (moto's queues are in memory: a restart empties them).

Each event must reach the webhook receiver exactly once: one request per (event, monitor), and
no `webhook-id` (the alert record's stable id) twice.
"""
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

from conftest import LocalStack, create, wait_until
from targets import HttpTarget, WebhookReceiver

EVENTS = ("monitor.down", "incident.created")
ENV = {
    "ENORI_LOCAL_RATE_SECONDS": "2",        # the sweeper every 2 s
    "ENORI_EVENT_REPUBLISH_SECONDS": "3",   # an unacknowledged event is published again after 3 s
    "ENORI_DYNAMODB_READ_TIMEOUT": "1",     # a frozen DynamoDB fails a handler in seconds
}
# Longer than three failed deliveries (the pump's SNS attempts) of two events, one after the
# other: each failure takes 4 to 7 s (four tries of 1 s, with backoff).
FREEZE_SECONDS = 40
HOLD_SECONDS = 3


class FirstRequestHook(WebhookReceiver):
    """A receiver that calls `before_answer()` when the first request has arrived, before it
    answers (the sender is then in the middle of that attempt, and nowhere else), and starts
    `after_answer()` in a thread of its own once it has answered."""

    def __init__(self, before_answer=None, after_answer=None) -> None:
        super().__init__()
        self._lock, self._first = threading.Lock(), True
        original = self._server.RequestHandlerClass.do_POST

        def do_post(handler):
            with self._lock:
                first, self._first = self._first, False
            if first and before_answer:
                before_answer()
            original(handler)
            if first and after_answer:
                threading.Thread(target=after_answer, daemon=True).start()

        self._server.RequestHandlerClass.do_POST = do_post


def dynamodb_pid(stack: LocalStack) -> int:
    """DynamoDB Local: the java child of the stack's process."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == stack.process.pid and b"DynamoDBLocal.jar" in command:
            return int(stat.parent.name)
    raise AssertionError("no DynamoDB Local child of the stack")


def monitors_watched_by(stack, hook, target, count):
    channel = create(stack, "/api/alert-channels", {"name": "hook", "type": "Webhook",
                                                    "webhookUrl": hook.url})
    monitors = [create(stack, "/api/monitors", {
        "name": f"Shop {n}", "type": "Website", "url": target.url, "failureThreshold": 1,
        "regions": ["UsEast"], "intervalSeconds": 60}) for n in range(count)]
    create(stack, "/api/alert-rules", {"name": "hook", "monitorIds": [m["id"] for m in monitors],
                                       "channelIds": [channel["id"]], "events": list(EVENTS)})
    return [m["id"] for m in monitors]


def check_now(stack, monitor_ids):
    time.sleep(1.1)  # each check-now is its own slot (whole seconds)
    for monitor_id in monitor_ids:
        assert stack.request("POST", f"/api/monitors/{monitor_id}/check", key=stack.key)[0] == 202


def received(hook) -> Counter:
    """(event, monitor id) -> requests received."""
    return Counter((p["event"], (p.get("monitor") or {}).get("id")
                    or (p.get("incident") or {}).get("monitorId")) for p in hook.payloads())


def assert_each_event_arrived_exactly_once(stack, hook, monitor_ids, timeout):
    expected = {(event, m) for event in EVENTS for m in monitor_ids}
    assert wait_until(lambda: set(received(hook)) >= expected, timeout), \
        (received(hook), stack.output[-6000:])
    time.sleep(5)   # long enough for a duplicate (a republish, a redrive) to arrive
    assert received(hook) == Counter({pair: 1 for pair in expected}), stack.output[-6000:]
    ids = [headers["webhook-id"] for headers, _ in hook.received]
    assert len(ids) == len(set(ids)) == len(expected)
    status, body = stack.request("GET", "/api/alerts?limit=500", key=stack.key)
    assert status == 200
    assert {r["id"] for r in body["items"]} == set(ids)
    assert {r["status"] for r in body["items"]} == {"Delivered"}


def test_a_frozen_dynamodb_across_the_delivery_attempts_loses_and_doubles_nothing(tmp_path):
    """The receiver holds the first alert (monitor.down) until the incident's event has been
    stored and published, then DynamoDB freezes, for longer than three failed deliveries of an
    event. The attempt in flight records its outcome once DynamoDB is back, and the incident's
    event, still pending in the outbox, is delivered after it. (On the old code the event,
    marked published, failed through its attempts into the dead-letter queue: lost.)"""
    target = HttpTarget().start()
    stack = LocalStack(tmp_path / "data", env=ENV)
    frozen = []

    def freeze_dynamodb():
        # Held this long first: the outage's other events are stored and published meanwhile,
        # and wait behind this attempt for the alert consumer.
        time.sleep(HOLD_SECONDS)
        pid = frozen_pid[0]
        os.kill(pid, signal.SIGSTOP)
        frozen.append(time.monotonic())

        def thaw():
            time.sleep(FREEZE_SECONDS)
            os.kill(pid, signal.SIGCONT)
            frozen.append(time.monotonic())

        threading.Thread(target=thaw, daemon=True).start()

    frozen_pid = []
    hook = FirstRequestHook(before_answer=freeze_dynamodb)
    try:
        stack.start()
        frozen_pid.append(dynamodb_pid(stack))
        monitor_ids = monitors_watched_by(stack, hook, target, 1)
        target.stop()
        check_now(stack, monitor_ids)
        assert wait_until(lambda: len(frozen) == 2, 60 + FREEZE_SECONDS), stack.output[-6000:]
        assert_each_event_arrived_exactly_once(stack, hook, monitor_ids, 45)
        # The attempt in flight could not record its outcome during the freeze, and did after.
        assert "could not record attempt 1" in stack.output, stack.output[-6000:]
    finally:
        if len(frozen) == 1:
            os.kill(frozen_pid[0], signal.SIGCONT)
        stack.stop()
        stack.kill()
        hook.stop()
        target.stop()


def test_a_restart_while_events_are_in_flight_loses_and_doubles_nothing(tmp_path):
    target = HttpTarget().start()
    first = LocalStack(tmp_path / "data", env=ENV)
    stopped = threading.Event()

    def restart_stack():
        first.stop()
        stopped.set()

    hook = FirstRequestHook(after_answer=restart_stack)
    second = None
    try:
        first.start()
        monitor_ids = monitors_watched_by(first, hook, target, 3)
        target.stop()
        check_now(first, monitor_ids)
        assert wait_until(stopped.is_set, 60), first.output[-6000:]
        assert first.process.returncode == 0
        before = len(hook.received)
        assert before < len(EVENTS) * len(monitor_ids), "nothing was in flight at the stop"
        second = LocalStack(tmp_path / "data", env=ENV).start()
        assert_each_event_arrived_exactly_once(second, hook, monitor_ids, 45)
    finally:
        for stack in (first, second):
            if stack is not None:
                stack.stop()
                stack.kill()
        hook.stop()
        target.stop()
