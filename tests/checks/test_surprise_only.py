"""State only on surprise (E16 point 4): a check request carries the verdict its monitor shows,
and the worker reads or writes the evaluator's state only for results that disagree."""

from datetime import datetime, timezone

import pytest

from chalicelib.checks.checkers.base import CheckResult
from chalicelib.bus.dispatch import CheckRequest

from apitools import aws_calls

UP = CheckResult(ok=True, status_code=200, response_time_ms=80)
DOWN = CheckResult(ok=False, error="HTTP 503 Service Unavailable", status_code=503)


@pytest.fixture
def monitor(clock):
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor

    account = create_account("t", "Business", clock.now())
    body = parse_monitor({"name": "api", "type": "Website", "url": "https://api.example.com",
                          "failureThreshold": 2, "regions": ["UsEast", "EuWest"]})
    # Created before the tests' slots (minute 29,000,000 on): nothing before it is ever read.
    return monitors.create_monitor(account, body, datetime(2025, 1, 1, tzinfo=timezone.utc))


def reload(monitor):
    from chalicelib.storage.monitors import get_monitor

    return get_monitor(monitor.account_id, monitor.monitor_id)


def expected_jobs(monitor, slot):
    """The requests the scheduler makes for `slot`: what the monitor shows, as expectation."""
    from chalicelib.checks.scheduler import jobs_for_minute

    return [j for j in jobs_for_minute(slot // 60, ["1"])
            if j.monitor_id == monitor.monitor_id]


def run(jobs):
    from chalicelib.bus.dispatch import encode
    from chalicelib.checks.worker import process_batch

    return process_batch([("m", encode(jobs))])


def state_reads(calls) -> int:
    return sum(1 for operation, params in calls
               if operation == "GetItem" and "monitor-states" in params.get("TableName", ""))


def settle_up(monitor, checks_answer):
    """Two passing slots without expectation: the monitor shows a steady Up."""
    for slot in (60, 120):
        run([CheckRequest(monitor.account_id, monitor.monitor_id, slot, r)
             for r in ("UsEast", "EuWest")])
    shown = reload(monitor)
    assert shown.status == "Up" and shown.state["steady"] is True


def test_the_scheduler_copies_a_steady_up_verdict_into_each_request(monitor, clock,
                                                                     checks_answer):
    settle_up(monitor, checks_answer)
    slot = 29_000_000 * 60
    jobs = expected_jobs(monitor, slot)
    assert sorted(j.region for j in jobs) == ["EuWest", "UsEast"]
    assert all(j.expect == {"status": "Up", "steady": True,
                            "regions": {"UsEast": "Up", "EuWest": "Up"}} for j in jobs)


def test_a_new_monitor_s_requests_expect_nothing(monitor):
    assert all(j.expect is None for j in expected_jobs(monitor, 29_000_000 * 60))


def test_an_expected_passing_result_reads_no_state(monitor, clock, checks_answer):
    settle_up(monitor, checks_answer)
    jobs = expected_jobs(monitor, 29_000_000 * 60)
    with aws_calls(with_params=True) as calls:
        assert run(jobs) == {"batchItemFailures": []}
    assert state_reads(calls) == 0
    assert not any(op == "TransactWriteItems" for op, _ in calls)


def test_a_failure_is_a_surprise_and_is_evaluated(monitor, clock, checks_answer):
    settle_up(monitor, checks_answer)
    checks_answer["result"] = DOWN
    first = expected_jobs(monitor, 29_000_000 * 60)
    with aws_calls(with_params=True) as calls:
        run(first)
    assert state_reads(calls) >= 2      # one per region's result
    assert reload(monitor).state["steady"] is False
    run(expected_jobs(monitor, 29_000_001 * 60))
    assert reload(monitor).status == "Down"


def test_a_pass_skipped_on_a_stale_expectation_still_breaks_the_failure_streak(
        monitor, clock, checks_answer, monkeypatch):
    """Slot 1 fails. Slot 2's batch read the monitor (and its request the expectation) before
    that failure was committed (a slow check, a late commit): its pass agrees with "steady Up"
    and is skipped. Slot 3 fails: today's evaluator had slot 2 good between the two failures,
    so a threshold of 2 is not reached; neither may it be now (the surprise folds slot 2 in)."""
    from chalicelib.checks.worker import Ran
    from resulttools import record_run as record

    settle_up(monitor, checks_answer)
    minute = 29_000_000
    stale_jobs, stale_monitor = expected_jobs(monitor, (minute + 1) * 60), reload(monitor)
    checks_answer["result"] = DOWN
    run(expected_jobs(monitor, minute * 60))
    for job in stale_jobs:
        record(Ran(job, stale_monitor, UP), 30)
    assert reload(monitor).state["steady"] is False      # skipped: nothing evaluated
    run(expected_jobs(monitor, (minute + 2) * 60))
    assert reload(monitor).status == "Up"
    run(expected_jobs(monitor, (minute + 3) * 60))
    assert reload(monitor).status == "Down"


def test_a_response_time_threshold_makes_every_result_a_surprise():
    from chalicelib.status.expectations import agrees

    expect = {"status": "Up", "steady": True, "regions": {"UsEast": "Up"}}
    assert agrees(expect, "UsEast", True, None, {})
    assert not agrees(expect, "UsEast", True, None, {"response_time_threshold_ms": 500})
    assert not agrees(expect, "UsEast", True, 3, {"ssl_expiry_warning_days": 14})
    assert agrees(expect, "UsEast", True, 30, {"ssl_expiry_warning_days": 14})
    assert not agrees(expect, "EuWest", True, None, {})
    assert not agrees(expect, "UsEast", False, None, {})
    assert not agrees(None, "UsEast", True, None, {})
