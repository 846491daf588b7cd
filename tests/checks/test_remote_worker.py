"""Remote regions never touch DynamoDB (E16 point 5): a remote region's worker runs its checks
and sends the results home in one SendMessageBatch; the home worker records and evaluates them
as its own, once, however often they arrive; a send that fails fails its message."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from chalicelib.bus.check_requests import CheckRequest, encode
from chalicelib.checks.checkers.base import CheckResult

from apitools import aws_calls
from resulttools import minute_results

UP = CheckResult(ok=True, status_code=200, response_time_ms=80)
DOWN = CheckResult(ok=False, error="HTTP 503 Service Unavailable", status_code=503,
                   error_code="HTTP_STATUS", details={"finalUrl": "https://api.example.com/"})
MINUTE = 29_000_000     # the tests' slots: after the monitors' creation


@pytest.fixture
def monitor(clock):
    """A Website monitor checked from EuWest only: a remote region (home is us-east-1)."""
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor

    account = create_account("t", "Business", clock.now())
    body = parse_monitor({"name": "api", "type": "Website", "url": "https://api.example.com",
                          "failureThreshold": 1, "regions": ["EuWest"]})
    return monitors.create_monitor(account, body, datetime(2025, 1, 1, tzinfo=timezone.utc))


@pytest.fixture
def results_queue(aws):
    """The home results queue, emptied of what earlier tests left; `receive()` takes (and
    deletes) every message in it as (message id, body) pairs."""
    from chalicelib.bus.check_results import queue_name
    from chalicelib.bus.queues import queue_url, region_sqs

    sqs, url = region_sqs(None), queue_url(queue_name())

    def receive() -> list[tuple[str, str]]:
        taken = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                      VisibilityTimeout=0).get("Messages", [])
            if not got:
                return taken
            for message in got:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                taken.append((message["MessageId"], message["Body"]))

    receive()
    return receive


def euwest_jobs(monitor, minute=MINUTE):
    from chalicelib.checks.scheduler import jobs_for_minute

    jobs = [j for j in jobs_for_minute(minute, ["1"]) if j.monitor_id == monitor.monitor_id]
    assert [j.region for j in jobs] == ["EuWest"] and jobs[0].carries_monitor
    return jobs


def remote(records):
    from chalicelib.checks.remote_worker import process_remote_batch

    return process_remote_batch(records)


def home(records):
    from chalicelib.checks.worker import record_remote_results

    return record_remote_results(records)


def reload(monitor):
    from chalicelib.storage.monitors import get_monitor

    return get_monitor(monitor.account_id, monitor.monitor_id)


def test_remote_regions_register_from_the_module_that_reaches_no_table():
    import app  # noqa: F401 - registers every handler
    from chalicelib.kernel.settings import settings

    from app import app as chalice_app

    handlers = {s.name: s.handler_string for s in chalice_app.event_sources}
    assert settings.runs_remote("EuWest") and not settings.runs_remote("UsEast")
    assert handlers["check_worker_euwest"] == \
        "chalicelib.checks.remote_worker.check_worker_euwest"
    assert handlers["check_worker_euwest_slow"] == \
        "chalicelib.checks.remote_worker.check_worker_euwest_slow"
    assert handlers["check_worker_useast"] == "chalicelib.checks.worker.check_worker_useast"


def test_a_100_check_remote_batch_makes_no_dynamodb_call_and_one_send(monitor, checks_answer,
                                                                      results_queue):
    [job] = euwest_jobs(monitor)
    # 10 messages of 10 requests, as the dispatcher packs a shard's minute
    records = [(f"m{n}", encode([replace(job, monitor_id=f"mon_{n}_{i}", seq=10 * n + i)
                                 for i in range(10)])) for n in range(10)]
    remote(records[:1])       # the queue's URL is looked up once per process
    results_queue()
    with aws_calls(with_service=True) as calls:
        assert remote(records) == {"batchItemFailures": []}
    assert [c for c in calls if c[0] != "sqs"] == []
    assert calls == [("sqs", "SendMessageBatch")]
    [(_, body)] = results_queue()
    groups = json.loads(body)["groups"]
    assert len(groups) == 10 and sum(len(g["results"]) for g in groups) == 100
    assert len(body) < 100 * 200     # a passing result and its request: ~165 bytes


def test_the_home_side_records_and_evaluates_remote_results_with_the_failure_text(
        monitor, checks_answer, results_queue, clock):
    checks_answer["result"] = UP
    assert remote([("a", encode(euwest_jobs(monitor, MINUTE - 1)))]) == {"batchItemFailures": []}
    assert home(results_queue()) == {"batchItemFailures": []}
    assert reload(monitor).status == "Up"
    checks_answer["result"] = DOWN
    assert remote([("b", encode(euwest_jobs(monitor)))]) == {"batchItemFailures": []}
    assert home(results_queue()) == {"batchItemFailures": []}
    shown = reload(monitor)
    assert shown.status == "Down"                         # threshold 1: evaluated at home
    stored = [(region, r) for region, r in minute_results(monitor)]
    assert [(region, r.slot // 60, r.ok) for region, r in stored] == \
        [("EuWest", MINUTE - 1, True), ("EuWest", MINUTE, False)]
    failure = stored[-1][1]
    assert failure.error == "HTTP 503 Service Unavailable" and failure.status_code == 503
    assert failure.details == {"finalUrl": "https://api.example.com/"}


def test_a_duplicate_delivery_writes_and_evaluates_nothing_twice(monitor, checks_answer,
                                                                 results_queue):
    checks_answer["result"] = UP
    remote([("a", encode(euwest_jobs(monitor, MINUTE - 1)))])
    home(results_queue())
    checks_answer["result"] = DOWN
    message = ("b", encode(euwest_jobs(monitor)))
    remote([message])
    remote([message])          # SQS redelivered the check message: its results sent twice
    first, second = results_queue()
    assert home([first]) == {"batchItemFailures": []}
    down = reload(monitor)
    assert down.status == "Down"
    with aws_calls(with_params=True) as calls:
        assert home([second]) == {"batchItemFailures": []}
        assert home([first]) == {"batchItemFailures": []}      # and the same one again
    puts = [p for op, p in calls if op == "PutItem" and "result-batches" in p["TableName"]
            and "head#" not in json.dumps(p["Item"])]
    assert len(puts) == 2                       # tried, refused by the key's condition
    assert not [op for op, _ in calls if op == "TransactWriteItems"]   # no state, no event
    assert [r.ok for _, r in minute_results(monitor)] == [True, False]
    assert reload(monitor).state == down.state


def test_a_failed_send_fails_its_messages_so_sqs_redelivers_them(monitor, checks_answer, monkeypatch,
                                                                 results_queue):
    from chalicelib.bus import result_sender

    class Refusing:
        def __init__(self, how):
            self.how = how

        def send_message_batch(self, QueueUrl, Entries):
            if self.how == "raise":
                raise ConnectionError("home region unreachable")
            return {"Successful": [], "Failed": [{"Id": e["Id"], "SenderFault": False,
                                                  "Code": "InternalError"} for e in Entries]}

    records = [("a", encode(euwest_jobs(monitor))), ("b", encode(euwest_jobs(monitor, MINUTE + 1)))]
    remote(records[:1])       # the queue's URL is known
    results_queue()
    for how in ("raise", "refuse"):
        monkeypatch.setattr(result_sender, "region_sqs", lambda region, how=how: Refusing(how))
        assert remote(records) == {"batchItemFailures": [{"itemIdentifier": "a"},
                                                         {"itemIdentifier": "b"}]}
    assert results_queue() == []


def test_a_request_without_its_configuration_is_unknown_and_the_rest_are_sent(monitor, checks_answer,
                                                                              results_queue):
    [job] = euwest_jobs(monitor)
    other = replace(job, monitor_id="mon_old", config=None, seq=None)
    with aws_calls(with_service=True) as calls:
        assert remote([("m", encode([job, other]))]) == {"batchItemFailures": []}
    assert not [c for c in calls if c[0] == "dynamodb"]
    [(_, body)] = results_queue()
    [group] = json.loads(body)["groups"]
    assert [j["monitor_id"] for j in group["jobs"]] == [job.monitor_id, "mon_old"]
    assert list(group["results"]) == ["0"]           # the old request: not run, unknown
    assert "config" not in group["jobs"][1]
    # of its configuration, only what deciding its agreement reads
    assert group["jobs"][0]["config"] == {"ssl_expiry_warning_days": 30}
    assert home([("r", body)]) == {"batchItemFailures": []}
    assert [r.slot // 60 for _, r in minute_results(monitor)] == [MINUTE]


def test_results_are_packed_into_few_messages_and_an_oversized_group_fails_alone(monkeypatch):
    from chalicelib.bus import result_sender

    monkeypatch.setattr(result_sender, "MAX_MESSAGE_BYTES", 200)
    small = {"at": 1, "jobs": [], "results": {"0": [1, 80, 200]}}
    huge = {"at": 1, "jobs": [], "results": {"0": [0, None, None, None, None, "x" * 300]}}
    messages, too_large = result_sender.pack(
        [("a", small), ("b", small), ("c", huge), ("d", small)])
    assert too_large == {"c"}
    assert [origins for _, origins in messages] == [{"a", "b", "d"}]
    assert all(len(body.encode()) <= 200 for body, _ in messages)
    assert len(json.loads(messages[0][0])["groups"]) == 3


def test_a_result_row_keeps_a_passing_certificate_expiry_and_a_failure_s_details():
    from chalicelib.bus.check_results import result_fields, result_row

    passing = CheckResult(ok=True, response_time_ms=5, status_code=200, ssl_days_left=20,
                          details={"sslNotAfter": "2026-05-01T00:00:00Z", "finalUrl": "x"})
    assert result_fields(result_row(passing)) == {
        "ok": True, "response_time_ms": 5, "status_code": 200, "error_code": None,
        "ssl_days_left": 20, "error": None, "details": {"sslNotAfter": "2026-05-01T00:00:00Z"}}
    assert CheckResult(**result_fields(result_row(DOWN))) == DOWN
    assert result_row(UP) == [1, 80, 200]


def test_a_remote_request_keeps_what_its_agreement_reads():
    from chalicelib.bus.check_results import encode_group
    from chalicelib.status.expectations import agreement_config

    job = CheckRequest("acc", "mon", 60, "EuWest", seq=3,
                       config={"url": "https://a", "response_time_threshold_ms": 500,
                               "ssl_expiry_warning_days": None, "headers": {"a": "b"}})
    [sent] = encode_group([job], {}, 61, agreement_config)["jobs"]
    assert sent == {"account_id": "acc", "monitor_id": "mon", "slot": 60, "region": "EuWest",
                    "seq": 3, "config": {"response_time_threshold_ms": 500}}
