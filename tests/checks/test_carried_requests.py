"""The check request carries what the worker needs (the monitor's configuration and number), so
a passing check reads no monitor; monitors are loaded only for requests without them (messages
from before) and for the results that surprise their expectation."""

from datetime import datetime, timezone

import pytest

from chalicelib.checks.checkers.base import CheckResult

from apitools import aws_calls
from resulttools import minute_results

UP = CheckResult(ok=True, status_code=200, response_time_ms=80)
DOWN = CheckResult(ok=False, error="HTTP 503 Service Unavailable", status_code=503)
MINUTE = 29_000_000     # the tests' slots: after the monitors' creation


@pytest.fixture
def trio(clock):
    """Three Website monitors of one account, checked from UsEast."""
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor

    account = create_account("t", "Business", clock.now())
    created = datetime(2025, 1, 1, tzinfo=timezone.utc)
    return [monitors.create_monitor(account, parse_monitor(
        {"name": f"site {i}", "type": "Website", "url": f"https://site{i}.example.com",
         "failureThreshold": 1, "regions": ["UsEast"]}), created) for i in range(3)]


@pytest.fixture
def answers(monkeypatch):
    """Each check answers by its monitor's name (UP unless the test says), no network; the
    configurations the checks ran with are kept."""
    from chalicelib.checks import runner as worker

    by_name, seen = {}, []

    async def fixed(config, deps):
        config = getattr(config, "config", config)   # (a monitor, before requests carried it)
        seen.append(config)
        return by_name.get(config["name"], UP)

    monkeypatch.setattr(worker, "check_monitor", fixed)
    return by_name, seen


def run(jobs):
    from chalicelib.bus.dispatch import encode
    from chalicelib.checks.worker import process_batch

    return process_batch([("m", encode(jobs))])


def scheduled(monitors, minute):
    """The scheduler's requests of `minute` for these monitors."""
    from chalicelib.checks.scheduler import jobs_for_minute

    ids = {m.monitor_id for m in monitors}
    return [j for j in jobs_for_minute(minute, ["1"]) if j.monitor_id in ids]


def scheduled_like(**fields):
    from chalicelib.bus.check_requests import CheckRequest

    return CheckRequest("acc_1", "mon_1", MINUTE * 60, "UsEast", seq=1, **fields)


def reload(monitor):
    from chalicelib.storage.monitors import get_monitor

    return get_monitor(monitor.account_id, monitor.monitor_id)


def monitor_reads(calls) -> list[tuple[str, list[str]]]:
    """(operation, monitor ids) of every read of the monitors table."""
    from chalicelib.kernel.settings import settings

    table = settings.table_name("monitors")
    reads = []
    for operation, params in calls:
        if operation == "BatchGetItem" and table in params["RequestItems"]:
            keys = params["RequestItems"][table]["Keys"]
            reads.append((operation, sorted(k["monitor_id"]["S"] for k in keys)))
        elif operation in ("GetItem", "Query") and params.get("TableName") == table:
            reads.append((operation, [params.get("Key", {}).get("monitor_id", {}).get("S", "")]))
    return reads


def settle_up(monitors):
    """Two passing slots from the scheduler's requests: every monitor shows a steady Up."""
    for minute in (MINUTE - 2, MINUTE - 1):
        assert run(scheduled(monitors, minute)) == {"batchItemFailures": []}
    assert all(reload(m).status == "Up" and reload(m).state["steady"] for m in monitors)


def test_the_scheduler_s_requests_carry_the_config_and_number(trio):
    jobs = scheduled(trio, MINUTE)
    assert len(jobs) == 3
    by_id = {m.monitor_id: m for m in trio}
    for job in jobs:
        monitor = by_id[job.monitor_id]
        assert job.config == monitor.config and job.config["url"].startswith("https://site")
        assert job.seq == monitor.result_seq and job.seq is not None
    assert sorted(j.seq for j in jobs) == [0, 1, 2]


def test_a_batch_of_passing_carried_checks_reads_no_monitor(trio, answers):
    settle_up(trio)
    jobs = scheduled(trio, MINUTE)
    assert all(j.expect is not None for j in jobs)
    with aws_calls(with_params=True) as calls:
        assert run(jobs) == {"batchItemFailures": []}
    assert monitor_reads(calls) == []
    assert all([r.slot // 60 for _, r in minute_results(m)][-1] == MINUTE for m in trio)
    assert sorted(c["name"] for c in answers[1][-3:]) == sorted(m.name for m in trio)


def test_a_surprise_loads_only_the_surprising_monitors(trio, answers):
    settle_up(trio)
    failing = trio[1]
    answers[0][failing.name] = DOWN
    jobs = scheduled(trio, MINUTE)
    with aws_calls(with_params=True) as calls:
        assert run(jobs) == {"batchItemFailures": []}
    assert monitor_reads(calls) == [("BatchGetItem", [failing.monitor_id])]
    assert reload(failing).status == "Down"               # evaluated (threshold 1)
    assert [reload(m).status for m in (trio[0], trio[2])] == ["Up", "Up"]


def test_a_surprise_of_a_monitor_deleted_since_is_recorded_not_evaluated(trio, answers):
    from chalicelib.monitors import service as monitors

    settle_up(trio)
    gone = trio[0]
    jobs = scheduled([gone], MINUTE)
    monitors.delete_monitor(gone.account_id, gone.monitor_id)
    answers[0][gone.name] = DOWN
    with aws_calls(with_params=True) as calls:
        assert run(jobs) == {"batchItemFailures": []}
    assert monitor_reads(calls) == [("BatchGetItem", [gone.monitor_id])]
    assert not any(op == "TransactWriteItems" for op, _ in calls)     # no state, no event
    [(_, result)] = [(region, r) for region, r in minute_results(gone)
                     if r.slot // 60 == MINUTE]
    assert result.ok is False


def test_a_surprise_of_a_monitor_paused_since_is_not_evaluated(trio, answers):
    from chalicelib.monitors import service as monitors
    from chalicelib.kernel.runtime import runtime

    settle_up(trio)
    paused = trio[2]
    jobs = scheduled([paused], MINUTE)
    monitors.set_paused(paused.account_id, paused.monitor_id, True, runtime.clock.now())
    answers[0][paused.name] = DOWN
    assert run(jobs) == {"batchItemFailures": []}
    assert reload(paused).status == "Paused"
    assert [r.slot // 60 for _, r in minute_results(paused)][-1] == MINUTE


def test_an_old_request_without_config_loads_its_monitor(trio, answers):
    """A message sent before requests carried the configuration (in flight during a deploy)."""
    import json

    from chalicelib.checks.worker import process_batch

    monitor = trio[0]
    old = {"account_id": monitor.account_id, "monitor_id": monitor.monitor_id,
           "slot": MINUTE * 60, "region": "UsEast", "manual": False, "slow": False,
           "expect": None}
    with aws_calls(with_params=True) as calls:
        assert process_batch([("m", json.dumps({"jobs": [old]}))]) == {"batchItemFailures": []}
    assert monitor_reads(calls)[0] == ("BatchGetItem", [monitor.monitor_id])
    assert answers[1] == [monitor.config]
    assert [r.slot // 60 for _, r in minute_results(monitor)] == [MINUTE]
    assert reload(monitor).status == "Up"


def test_a_request_without_a_number_loads_and_numbers_its_monitor(trio, answers):
    from dataclasses import replace

    from chalicelib.storage.monitors import MonitorTelemetryItem

    monitor = trio[0]
    t = MonitorTelemetryItem
    t(monitor.account_id, monitor.monitor_id).update(actions=[t.result_seq.remove()])
    [job] = scheduled([monitor], MINUTE)
    assert job.seq is None and job.config is not None
    with aws_calls(with_params=True) as calls:
        assert run([replace(job, expect=None)]) == {"batchItemFailures": []}
    assert monitor_reads(calls)[0] == ("BatchGetItem", [monitor.monitor_id])
    assert reload(monitor).result_seq == 3                    # the account's next number
    assert [r.slot // 60 for _, r in minute_results(monitor)] == [MINUTE]


def test_the_slow_lane_keeps_the_config_and_number(trio):
    from chalicelib.bus import slow_lane
    from test_batch_deadline import slow_lane_jobs

    jobs = scheduled(trio, MINUTE)
    slow_lane_jobs()
    slow_lane.requeue(jobs)
    again = sorted(slow_lane_jobs(), key=lambda j: j.seq)
    assert [(j.config, j.seq, j.slow) for j in again] == \
        [(j.config, j.seq, True) for j in sorted(jobs, key=lambda j: j.seq)]


def test_a_manual_check_carries_the_config_and_number(trio):
    from awsfixtures import queued_checks
    from chalicelib.bus import dispatch

    monitor = trio[0]
    assert dispatch.enqueue_now(monitor.account_id, monitor.monitor_id, monitor.regions,
                                MINUTE * 60, monitor.config_json, monitor.result_seq) == ["UsEast"]
    [job] = queued_checks("UsEast", monitor.monitor_id)
    assert (job.manual, job.config, job.seq) == (True, monitor.config, 0)


def test_every_valid_configuration_is_carried():
    """A remote region's worker cannot load a configuration its request lacks (E16 point 5),
    so the largest a monitor can have, a 64 KB request body, is carried too."""
    import json

    from chalicelib.bus.check_requests import CARRIED_CONFIG_BYTES, carried_config
    from chalicelib.monitors.models import MAX_REQUEST_BODY_BYTES

    largest = {"url": "https://example.com", "http_method": "POST",
               "request_body": "x" * MAX_REQUEST_BODY_BYTES,
               "request_headers": {f"X-H{i}": "v" * 1000 for i in range(20)}}
    assert carried_config(json.dumps(largest)) == largest
    assert carried_config(json.dumps({"request_body": "x" * CARRIED_CONFIG_BYTES})) is None
    assert carried_config(None) is None


def test_requests_carrying_large_configurations_are_cut_into_messages_that_fit():
    from dataclasses import replace

    from chalicelib.bus.check_requests import MESSAGE_BYTES, decode, encode_fitting

    job = scheduled_like(config={"request_body": "x" * 60_000})
    jobs = [replace(job, monitor_id=f"mon_{i}") for i in range(25)]
    bodies = encode_fitting(jobs)
    assert len(bodies) > 1 and all(len(b.encode()) <= MESSAGE_BYTES for b in bodies)
    assert [j.monitor_id for b in bodies for j in decode(b)] == [j.monitor_id for j in jobs]
    assert encode_fitting(jobs[:3]) != [] and len(encode_fitting(jobs[:3])) == 1


def test_re_queued_checks_with_large_configurations_go_in_calls_sqs_takes(trio):
    """The slow lane cut its SendMessageBatch calls by count alone: ten messages of large
    configurations weigh far more than the 256 KB a call may carry."""
    from dataclasses import replace

    from chalicelib.bus import slow_lane
    from chalicelib.bus.queues import SEND_BATCH_BYTES
    from test_batch_deadline import slow_lane_jobs

    job = replace(scheduled(trio, MINUTE)[0], config={"request_body": "x" * 60_000})
    jobs = [replace(job, monitor_id=f"mon_{i}") for i in range(12)]
    slow_lane_jobs()
    with aws_calls(with_params=True) as calls:
        slow_lane.requeue(jobs)
    sends = [params["Entries"] for op, params in calls if op == "SendMessageBatch"]
    assert max(sum(len(e["MessageBody"]) for e in call) for call in sends) <= SEND_BATCH_BYTES
    assert sorted(j.monitor_id for j in slow_lane_jobs()) == sorted(j.monitor_id for j in jobs)


def test_a_send_call_stays_under_the_batch_payload():
    from chalicelib.bus.queues import send_calls

    entries = [{"Id": str(i), "MessageBody": "x" * 100_000} for i in range(5)]
    assert [len(c) for c in send_calls(entries, 250_000)] == [2, 2, 1]
    small = [{"Id": str(i), "MessageBody": "x"} for i in range(23)]
    assert [len(c) for c in send_calls(small, 250_000)] == [10, 10, 3]


def test_every_body_a_send_call_weighs_is_ascii_whatever_its_text():
    """`send_calls` weighs a body by its length: the senders' JSON escapes anything else (the
    slow lane and dispatch send `encode_fitting`'s bodies, the results sender `pack`'s)."""
    import json

    from chalicelib.bus import result_sender
    from chalicelib.bus.check_requests import encode_fitting

    job = scheduled_like(config={"name": "Café ☕ 東京", "request_body": "Grüße " * 1000})
    [body] = encode_fitting([job])
    [(results, _)], _ = result_sender.pack([("m1", {"error": "Zeitüberschreitung ☕"})])
    assert body.isascii() and json.loads(body)["jobs"][0]["config"]["name"] == "Café ☕ 東京"
    assert results.isascii() and json.loads(results)["groups"][0]["error"] == "Zeitüberschreitung ☕"


def test_a_recovery_right_after_a_one_check_outage_is_seen_at_once(trio, answers):
    """The scheduler sends a minute's requests before the previous minute's results exist, so
    the request after a failure still expects a pass. The shard head's last result (a failure)
    makes that pass a surprise: the recovery is evaluated at its own check, not one later."""
    settle_up(trio)
    flaky = trio[0]
    failing_jobs, next_jobs = scheduled([flaky], MINUTE), scheduled([flaky], MINUTE + 1)
    assert next_jobs[0].expect == failing_jobs[0].expect      # both sent while it was Up
    answers[0][flaky.name] = DOWN
    assert run(failing_jobs) == {"batchItemFailures": []}
    assert reload(flaky).status == "Down"
    answers[0][flaky.name] = UP
    with aws_calls(with_params=True) as calls:
        assert run(next_jobs) == {"batchItemFailures": []}
    assert monitor_reads(calls) == [("BatchGetItem", [flaky.monitor_id])]
    assert reload(flaky).status == "Up"

