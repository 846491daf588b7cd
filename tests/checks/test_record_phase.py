"""The worker's record phase (E16 point 3): per message and (result shard, minute, region) one
minute item, then the shard heads once per batch, nothing written per check; moto and a real
HTTP target on 127.0.0.1."""
from __future__ import annotations

import pytest

from chalicelib.bus.dispatch import JOBS_PER_MESSAGE, CheckRequest, encode, pack
from test_check_worker import private_targets_allowed, target  # noqa: F401 - shared fixtures

from apitools import aws_calls
from resulttools import minute_results

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


@pytest.fixture
def account(clock):
    from chalicelib.accounts.service import create_account

    return create_account("t", "Business", clock.now())   # 90 days of retention


def make_monitors(account, clock, server, count):
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor

    url = f"http://127.0.0.1:{server.server_address[1]}/health"
    return [monitors.create_monitor(account, parse_monitor(
        {"name": f"site {i}", "type": "Website", "url": url, "regions": ["UsEast"]}), clock.now())
        for i in range(count)]


def records_of(monitors, slot, name="m"):
    """A slot's requests in messages as the dispatcher packs them."""
    jobs = [CheckRequest(m.account_id, m.monitor_id, slot, "UsEast") for m in monitors]
    return [(f"{name}{n}", encode(message)) for n, message in
            enumerate(pack(jobs, JOBS_PER_MESSAGE))]


def batch(records):
    from chalicelib.checks.worker import process_batch

    return process_batch(list(records))


def writes_by_table(calls):
    tables: dict[tuple[str, str], int] = {}
    for operation, params in calls:
        if operation in WRITES:
            key = (operation, params.get("TableName", "-"))
            tables[key] = tables.get(key, 0) + 1
    return tables


def heads_of_shard(shard):
    from chalicelib.storage import result_batches

    found = result_batches.heads_for_update([(shard, "UsEast", part) for part in range(4)])
    return {i: e for head in found.values() for i, e in head.entries().items()}


@pytest.fixture
def server(target, private_targets_allowed):  # noqa: F811 - the shared fixtures, used
    return target[0]


@pytest.fixture
def shard_of_100(account, clock, server):
    """100 monitors of one account: one result shard, all Up after a first slot."""
    monitors = make_monitors(account, clock, server, 100)
    assert batch(records_of(monitors, 60, "first")) == {"batchItemFailures": []}
    return monitors


def test_a_shards_100_passing_checks_cost_4_minute_writes_and_4_head_writes(shard_of_100):
    from chalicelib.storage.result_batches import shard_of
    from chalicelib.kernel.settings import settings

    records = records_of(shard_of_100, 120)
    assert len(records) == 4
    with aws_calls(with_params=True) as calls:
        assert batch(records) == {"batchItemFailures": []}
    table = settings.table_name("result-batches")
    # 4 minute items (one per message) and 4 heads (25 monitors each): nothing per check,
    # no telemetry, no rollup, no state (the checks agreed with the Up monitors).
    assert writes_by_table(calls) == {("PutItem", table): 8}
    shard, _ = shard_of(shard_of_100[0].account_id, 0)
    heads = heads_of_shard(shard)
    assert sorted(heads) == list(range(100))
    assert all(e.slot == 120 and e.ok and e.hours == {0: [2, 0, 2, e.hours[0][3]]}
               for e in heads.values())
    assert all([r.slot for _, r in minute_results(m)] == [60, 120] for m in shard_of_100[:5])


def test_a_redelivered_message_writes_nothing_twice(shard_of_100):
    from chalicelib.storage.result_batches import ResultMinuteItem, shard_of

    shard, _ = shard_of(shard_of_100[0].account_id, 0)
    before = heads_of_shard(shard)
    minutes = list(ResultMinuteItem.query(shard, ResultMinuteItem.key.startswith("0")))
    with aws_calls(with_params=True) as calls:
        assert batch(records_of(shard_of_100, 60, "first")) == {"batchItemFailures": []}
    # The same keys again, refused: no new item, no head counted twice.
    again = list(ResultMinuteItem.query(shard, ResultMinuteItem.key.startswith("0")))
    assert len(again) == len(minutes) == 4
    assert heads_of_shard(shard) == before
    assert all(e.hours == {0: [1, 0, 1, e.hours[0][3]]} for e in before.values())
    assert not any(op == "PutItem" and "head#" in str(params) for op, params in calls)


def test_a_redelivery_with_other_checks_finished_keeps_the_key(account, clock, server):
    """The key names the message's requests, not what finished: a check cut off at first
    and finished on the redelivery does not make a second item of the others."""
    from chalicelib.checks import worker
    from chalicelib.kernel.runtime import runtime
    from chalicelib.checks.checkers.base import CheckResult

    a, b = make_monitors(account, clock, server, 2)
    jobs = [CheckRequest(m.account_id, m.monitor_id, 60, "UsEast") for m in (a, b)]
    ran = [worker.Ran(j, m, CheckResult(ok=True, response_time_ms=5)) for j, m in zip(jobs, (a, b))]
    first = worker.record_message(jobs, {id(jobs[0]): ran[0]}, lambda _: 30, runtime.clock.now())
    again = worker.record_message(jobs, {id(j): r for j, r in zip(jobs, ran)}, lambda _: 30,
                                  runtime.clock.now())
    assert len(first) == 1 and again == []
    assert [len(minute_results(m)) for m in (a, b)] == [1, 0]


def test_a_failure_keeps_its_full_error_text_and_a_pass_keeps_none(account, clock, server):
    from chalicelib.checks import worker
    from chalicelib.kernel.runtime import runtime
    from chalicelib.checks.checkers.base import CheckResult

    bad, good = make_monitors(account, clock, server, 2)
    error = "TLS handshake failed: " + "certificate chain incomplete; " * 20
    jobs = [CheckRequest(m.account_id, m.monitor_id, 60, "UsEast") for m in (bad, good)]
    results = [CheckResult(ok=False, error=error, error_code="TLS_ERROR", status_code=None,
                           details={"ip": "127.0.0.1"}),
               CheckResult(ok=True, response_time_ms=12, status_code=200, error="ignored",
                           details={"ip": "127.0.0.1"})]
    finished = {id(j): worker.Ran(j, m, r) for j, m, r in zip(jobs, (bad, good), results)}
    worker.record_message(jobs, finished, lambda _: 30, runtime.clock.now())
    [(_, failure)] = minute_results(bad)
    [(_, passing)] = minute_results(good)
    assert (failure.ok, failure.error, failure.error_code, failure.details) == \
        (False, error, "TLS_ERROR", {"ip": "127.0.0.1"})
    assert (passing.ok, passing.error, passing.details, passing.response_time_ms) == \
        (True, None, {}, 12)


def test_a_minute_item_expires_after_the_plans_retention(account, clock, server):
    from datetime import timedelta

    from chalicelib.storage.result_batches import ResultMinuteItem, shard_of

    [monitor] = make_monitors(account, clock, server, 1)
    assert batch(records_of([monitor], 60)) == {"batchItemFailures": []}
    [item] = ResultMinuteItem.query(shard_of(account.account_id, 0)[0],
                                    ResultMinuteItem.key.startswith("0"))
    assert item.expires_at == clock.now() + timedelta(days=90)
    [(_, result)] = minute_results(monitor)
    assert result.checked_at == int(clock.now().timestamp())


def test_a_head_that_cannot_be_written_never_fails_the_message(account, clock, server,
                                                               monkeypatch):
    from chalicelib.storage import result_batches
    from chalicelib.kernel import observability

    [monitor] = make_monitors(account, clock, server, 1)
    tries, metrics = [], []
    monkeypatch.setattr(result_batches, "put_head", lambda head, entries: tries.append(1) and False)
    monkeypatch.setattr(observability, "emit_metrics",
                        lambda values, dims=None, write=None: metrics.append(values) or {})
    assert batch(records_of([monitor], 60)) == {"batchItemFailures": []}
    assert len(tries) == 3                       # a lost race is retried, then left
    assert {"HeadsNotUpdated": (1, "Count")} in metrics
    assert [r.slot for _, r in minute_results(monitor)] == [60]


def test_a_monitor_created_before_numbering_is_numbered_by_its_first_result(account, clock,
                                                                           server):
    from chalicelib.storage.monitors import MonitorTelemetryItem, get_monitor
    from chalicelib.storage.result_batches import all_shards

    old, new = make_monitors(account, clock, server, 2)     # numbered 0 and 1
    t = MonitorTelemetryItem
    t(old.account_id, old.monitor_id).update(actions=[t.result_seq.remove()])
    assert get_monitor(old.account_id, old.monitor_id).result_seq is None
    assert batch(records_of([old], 60)) == {"batchItemFailures": []}
    assert get_monitor(old.account_id, old.monitor_id).result_seq == 2   # the next number
    assert [r.slot for _, r in minute_results(old)] == [60]
    assert [s.key for s in all_shards()] == [f"{account.account_id}#0"]


def test_a_batch_reads_its_heads_in_one_batch_get_and_a_full_head_is_one_write_unit(
        shard_of_100, clock):
    from apitools import dynamodb_units
    from chalicelib.kernel.settings import settings

    clock.advance(3600)       # a second hour: every entry keeps two hours' counts
    with dynamodb_units() as calls:
        assert batch(records_of(shard_of_100, 3660)) == {"batchItemFailures": []}
    table = settings.table_name("result-batches")
    heads = [(units, params) for op, params, _, units in calls
             if op == "PutItem" and params["Item"]["key"]["S"].startswith("head#")]
    assert len(heads) == 4 and {params["TableName"] for _, params in heads} == {table}
    assert [units for units, _ in heads] == [1, 1, 1, 1]    # 25 monitors, two hours each
    head_reads = [op for op, params, *_ in calls if op == "GetItem" and params["TableName"] == table
                  or op == "BatchGetItem" and table in params["RequestItems"]]
    assert head_reads == ["BatchGetItem"]        # one for the 4 heads, no GetItem each
    entries = heads_of_shard(shard_of_100[0].account_id + "#0")
    assert sorted(entries) == list(range(100))
    assert all(e.slot == 3660 and e.ok and sorted(e.hours) == [0, 3600]
               for e in entries.values())
