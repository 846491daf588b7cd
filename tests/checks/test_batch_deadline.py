"""A batch records whatever finished (E16 point 2): a target that never answers holds no other
monitor's result; a check its own timeout ends is a failure; a check the batch's deadline cuts
off is unknown for its slot, re-queued to the slow lane, never Down and never dropped."""
from __future__ import annotations

import json
import socket
import threading

import pytest

from chalicelib.bus.dispatch import CheckRequest, encode
from test_check_worker import private_targets_allowed, target  # noqa: F401 - shared fixtures
from resulttools import minute_results

HEALTHY = 20


@pytest.fixture
def tarpit():
    """Accepts every connection and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept():
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for conn in held:
        conn.close()


@pytest.fixture
def fleet(clock, target, tarpit, private_targets_allowed):  # noqa: F811
    """HEALTHY monitors on a healthy server and one on the tarpit (timeout 8 s)."""
    return make_fleet(clock, target, tarpit, HEALTHY)


def make_fleet(clock, server_and_port, tarpit, count):
    """`count` monitors on a healthy server and one on the tarpit (timeout 8 s)."""
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor

    server, _ = server_and_port
    account = create_account("t", "Business", clock.now())

    def make(name, url, **extra):
        body = parse_monitor({"name": name, "type": "Website", "url": url, "regions": ["UsEast"],
                              "failureThreshold": 1, **extra})
        return monitors.create_monitor(account, body, clock.now())

    healthy = [make(f"ok{i}", f"http://127.0.0.1:{server.server_address[1]}/{i}")
               for i in range(count)]
    return healthy, make("tarpit", f"http://127.0.0.1:{tarpit}/", timeoutSeconds=8)


def slot_now():
    from chalicelib.kernel.runtime import runtime

    return int(runtime.clock.time())


def messages(fleet, slot=None):
    """The batch as SQS delivers it: the tarpit's check in the same message as 24 others."""
    healthy, stuck = fleet
    slot = slot_now() if slot is None else slot
    jobs = [CheckRequest(m.account_id, m.monitor_id, slot, "UsEast") for m in [stuck, *healthy]]
    return [(f"m{i}", encode(jobs[i:i + 25])) for i in range(0, len(jobs), 25)]


def result_of(monitor):
    """Its results, read from its shard's minute items."""
    return [result for _, result in minute_results(monitor)]


def status_of(monitor):
    from chalicelib.storage.monitors import MonitorItem

    return MonitorItem.get(monitor.account_id, monitor.monitor_id).status


def slow_lane_jobs():
    from chalicelib.bus.check_requests import decode, slow_queue_name
    from chalicelib.bus.queues import queue_url, region_sqs

    sqs = region_sqs("UsEast")
    url = queue_url(slow_queue_name("UsEast"), "UsEast")
    got = []
    while True:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        if not answer.get("Messages"):
            return got
        for message in answer["Messages"]:
            got += decode(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_the_tarpit_fails_by_its_own_timeout_and_holds_no_other_result(fleet):
    from chalicelib.checks.runner import RECORD_MARGIN_SECONDS
    from chalicelib.checks.worker import process_batch

    healthy, stuck = fleet
    slow_lane_jobs()
    answer = process_batch(messages(fleet), remaining_ms=(RECORD_MARGIN_SECONDS + 30) * 1000)
    assert answer == {"batchItemFailures": []}
    assert all([r.ok for r in result_of(m)] == [True] for m in healthy)
    (failure,) = result_of(stuck)
    assert (failure.ok, failure.error) == (False, "timed out after 8 s")
    assert slow_lane_jobs() == []


def test_a_check_cut_off_by_the_batch_deadline_is_unknown_and_requeued(fleet):
    from chalicelib.checks.runner import RECORD_MARGIN_SECONDS
    from chalicelib.checks.worker import process_batch

    healthy, stuck = fleet
    slow_lane_jobs()
    # The batch may run 5 s: less than the tarpit's 8 s timeout, plenty for the others.
    answer = process_batch(messages(fleet), remaining_ms=RECORD_MARGIN_SECONDS * 1000 + 5000)
    assert answer == {"batchItemFailures": []}
    assert all([r.ok for r in result_of(m)] == [True] for m in healthy)
    assert result_of(stuck) == []                      # unknown for the slot: nothing recorded
    assert status_of(stuck) != "Down"
    assert slow_lane_jobs() == [CheckRequest(stuck.account_id, stuck.monitor_id, slot_now(),
                                         "UsEast", slow=True)]


def test_two_tarpits_among_250_healthy_monitors_lose_none_of_their_results(
        clock, target, tarpit, private_targets_allowed):  # noqa: F811
    """E16's goal: a batch of 250 healthy monitors (two accounts of 125: a plan allows 200)
    and targets that never answer, cut off by the batch's deadline; every healthy monitor has
    its result for the slot, the cut-off ones are unknown and re-queued."""
    from chalicelib.checks.runner import RECORD_MARGIN_SECONDS
    from chalicelib.checks.worker import process_batch

    (healthy_a, stuck_a), (healthy_b, stuck_b) = (make_fleet(clock, target, tarpit, 125)
                                                  for _ in range(2))
    healthy, slot = healthy_a + healthy_b, slot_now()
    jobs = [CheckRequest(m.account_id, m.monitor_id, slot, "UsEast")
            for m in [stuck_a, *healthy_a, stuck_b, *healthy_b]]
    slow_lane_jobs()
    answer = process_batch([(f"m{i}", encode(jobs[i:i + 25])) for i in range(0, len(jobs), 25)],
                           remaining_ms=RECORD_MARGIN_SECONDS * 1000 + 5000)
    assert answer == {"batchItemFailures": []}
    assert sum([r.ok for r in result_of(m)] == [True] for m in healthy) == 250
    for stuck in (stuck_a, stuck_b):
        assert result_of(stuck) == [] and status_of(stuck) != "Down"
    assert sorted(job.monitor_id for job in slow_lane_jobs()) \
        == sorted([stuck_a.monitor_id, stuck_b.monitor_id])


def test_a_check_cut_off_once_its_slot_is_stale_stays_unknown_and_ends_its_loop(fleet):
    from chalicelib.checks.runner import RECORD_MARGIN_SECONDS
    from chalicelib.checks.worker import process_batch

    _, stuck = fleet
    slow_lane_jobs()
    answer = process_batch(messages(fleet, slot=slot_now() - 121),
                           remaining_ms=RECORD_MARGIN_SECONDS * 1000 + 5000)
    assert answer == {"batchItemFailures": []}
    assert result_of(stuck) == [] and status_of(stuck) != "Down"
    assert slow_lane_jobs() == []


def test_a_cut_off_check_that_cannot_be_requeued_fails_its_message(fleet, monkeypatch):
    from chalicelib.bus import slow_lane
    from chalicelib.checks.runner import RECORD_MARGIN_SECONDS
    from chalicelib.checks.worker import process_batch

    def refuse(jobs):
        raise ConnectionError("SQS unreachable")

    monkeypatch.setattr(slow_lane, "requeue", refuse)
    answer = process_batch(messages(fleet), remaining_ms=RECORD_MARGIN_SECONDS * 1000 + 5000)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m0"}]}   # redelivered by SQS
    healthy, _ = fleet
    assert all(result_of(m) for m in healthy)


def test_the_slow_lane_runs_a_job_with_its_slot_and_records_it(fleet):
    from chalicelib.checks.worker import process_batch

    healthy, _ = fleet
    job = CheckRequest(healthy[0].account_id, healthy[0].monitor_id, slot_now(), "UsEast", slow=True)
    assert json.loads(encode([job]))["jobs"][0]["slow"] is True
    assert process_batch([("s1", encode([job]))]) == {"batchItemFailures": []}
    (result,) = result_of(healthy[0])
    assert result.ok
