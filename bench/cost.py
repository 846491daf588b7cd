"""Cost per monitor (E11): AWS requests and DynamoDB units of the real scheduler, worker,
evaluator and delivery code on moto in-process, priced at list prices.

How it is simulated (and extrapolated; say so when quoting it):
- 10,000 Website monitors at 60 s (quick: 2,000), one region. Every simulated minute the
  scheduler tick (`run_tick`) and the other every-minute schedules run for real on a FakeClock.
- The check worker (`process_batch`, checks stubbed to instant OK results: no network) runs on a
  SAMPLE of the minute's batches (the first SAMPLE_MESSAGES batches, the same seconds every minute) and its counts are scaled
  to all messages. The SQS event source mapping's own calls (ReceiveMessage + DeleteMessageBatch,
  one pair per invocation) are counted from the messages sent: with DelaySeconds spreading the
  minute, a batch holds the messages that become visible in the same second (at most 10).
- Minute 1 (first results: Pending -> Up, the hour's first result) is a warm-up and not counted;
  SPAN minutes are measured and extrapolated linearly to a 30-day month. The hour's first
  result re-sums 719 rollups (one Query per monitor-hour), added analytically at full size.
- Outages: a separate small world (OUTAGE_MONITORS monitors with a webhook channel, sender
  stubbed) goes down for 3 checks and back up; its extra requests over an identical all-OK
  world are the cost of one outage (down + up events, incident, alert records, delivery),
  priced at OUTAGES_PER_MONTH per monitor.
Lambda duration is not measurable on moto: it is modelled (LATENCY_MS per AWS call, CHECK_PHASE_S
per worker invocation) and the model is printed beside the result.
Per region and fleet size (E16): `fleet_table` measures the worker on the real code at two batch
shapes, today's path (requests without expectation: every result evaluated) beside the current
one, and prices 30..100,000 monitors per region with the deployed memory sizes
(.chalice/config.json, prod), remote regions sending their results home through the results
queue (E16 point 5: their workers call no table; the home results handler records them at the
home region's latency), and each region's idle floor; and a Job monitor pinged every minute on
the real ping path (its function's CPU measured, moto's excluded, behind a Function URL: no
per-request charge in front of it).
Usage: python bench/cost.py [--quick] [--fleet] [--json out.json]
"""
from __future__ import annotations

import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import finish, parse_args, use_offline_env  # noqa: E402

# List prices, us-east-1, as published on the AWS pricing pages; checked 2026-03 (DynamoDB
# on-demand after the November 2024 price cut). Free tiers ignored.
PRICES_AS_OF = "2026-03"
PRICES = {
    "dynamodb_write_per_million": 0.625,      # on-demand write request units
    "dynamodb_read_per_million": 0.125,       # on-demand read request units
    "dynamodb_storage_gb_month": 0.25,
    "sqs_per_million": 0.40,                  # standard queue, per 64 KB chunk
    "sns_publish_per_million": 0.50,          # per 64 KB chunk; delivery to Lambda is free
    "lambda_requests_per_million": 0.20,
    "lambda_gb_second": 0.0000166667,         # x86; arm64 is 0.0000133334
}
MONTH_MINUTES = 30 * 24 * 60
LATENCY_MS = {"dynamodb": 6, "sqs": 15, "sns": 20}   # per call, inside one region
CHECK_PHASE_S = 1.0          # per worker invocation: the slowest check of its batch (assumed)
MEMORY_MB = {"worker": 512, "scheduler": 256, "events": 256, "other": 256}  # .chalice dev stage
OUTAGES_PER_MONTH = 2
SAMPLE_MESSAGES = 1            # worker batches run per minute (the same second's each minute)
OUTAGE_MONITORS = 20
ROLLUP_WINDOW_HOURS = 719
WARM_UP = 3                    # unmeasured minutes: Pending -> Up, the verdict mirrored, expected


def _setup(n: int, regions: list[str], channel: bool = False):
    from unittest import mock

    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.kernel import ids
    from chalicelib.kernel.clock import FakeClock
    from chalicelib.monitors.models import parse_monitor
    from chalicelib.kernel.runtime import runtime
    from chalicelib.storage import control
    from chalicelib.storage.monitors import MonitorItem
    from chalicelib.storage.result_batches import SHARD_SIZE, register_shard, shard_of

    clock = runtime.clock = FakeClock(datetime(2026, 3, 24, 10, 0, 5, tzinfo=timezone.utc))
    # The same ids in every run: a result shard's second comes from its key, which holds the
    # account id, so random ids made the shards' seconds collide or not from run to run, and
    # with them the batch shapes the worker is measured at (two runs of the same code differed
    # by up to 30 %).
    with mock.patch.object(ids, "secrets", random.Random(n)):
        account = create_account("bench", "Business", clock.now(), extra_monitors=n)
        channel_ids = []
        if channel:
            from chalicelib.channels.service import create_channel, parse_channel

            hook = create_channel(account, parse_channel(
                {"name": "hook", "type": "Webhook", "webhookUrl": "https://hooks.example.com/x"}),
                clock.now())
            channel_ids = [hook.channel_id]
    items = []
    for i in range(n):
        body = parse_monitor({"name": f"m{i}", "type": "Website", "url": "https://example.com/",
                              "intervalSeconds": 60, "regions": regions, "failureThreshold": 2,
                              "alertChannelIds": channel_ids})
        item = MonitorItem(account.account_id, f"mon_{i:06d}", created_at=clock.now(),
                           status="Pending", result_seq=i)   # numbered as at creation
        monitors._apply(item, body, clock.now())    # the product's own schedule derivation
        items.append(item)
    with MonitorItem.batch_write() as batch:
        for item in items:
            batch.save(item)
    for number in range(0, n, SHARD_SIZE):      # what `numbering.number_new` registers
        register_shard(shard_of(account.account_id, number)[0], account.account_id)
    control.add_family("1")
    return clock, items


def _stub_checks(failing: set[str]):
    from chalicelib.checks.family import CheckResult
    from chalicelib.checks import runner as checks

    async def instant(config, deps):
        down = getattr(config, "name", "") in failing
        return CheckResult(ok=not down, response_time_ms=120, status_code=500 if down else 200,
                           error="HTTP 500 Internal Server Error" if down else None,
                           error_code="HTTP_STATUS" if down else None,
                           details={"finalUrl": "https://example.com/", "redirects": 0})

    checks.run_check = instant


def _schedules(app):
    from chalice.app import ScheduledEventConfig

    from local.schedules import expression_text

    # The every-minute ones; monthly reports and other slower crons are not per-check costs.
    return [s for s in app.event_sources if isinstance(s, ScheduledEventConfig)
            and expression_text(s.schedule_expression) in ("rate(1 minute)", "rate(1 minutes)")]


def _run_schedules(app, clock, counters) -> dict:
    """Every every-minute schedule, as EventBridge would invoke it; the scheduler's jobs."""
    from local.lambda_events import lambda_context, scheduled_event

    sent = []
    for source in _schedules(app):
        kind = "scheduler" if source.name == "run_scheduler" else "other"
        with counters[kind].installed() as counter:
            before = len(counter.sent_entries)
            app.handler_map[source.name](scheduled_event(source.name, clock.now(), "us-east-1"),
                                         lambda_context(source.name))
            if kind == "scheduler":
                sent = counter.sent_entries[before:]
        counters["invocations"][kind] += 1
    return sent


def _batches(entries: list[dict]) -> list[list[dict]]:
    """What the event source mapping hands the worker: messages visible in the same second
    (same DelaySeconds), ten at most."""
    by_second = defaultdict(list)
    for entry in entries:
        by_second[entry["DelaySeconds"]].append(entry)
    return [group[i:i + 10] for _, group in sorted(by_second.items())
            for i in range(0, len(group), 10)]


def _run_worker(batches: list[list[dict]], counter, sample: int | None, rng) -> int:
    """Run the worker on a sample of the batches; returns the number run."""
    from chalicelib.checks.worker import process_batch

    chosen = batches if sample is None or sample >= len(batches) else batches[:sample]
    with counter.installed():
        for batch in chosen:
            response = process_batch([(f"m{i}", e["MessageBody"]) for i, e in enumerate(batch)])
            assert not response["batchItemFailures"], response
    return len(chosen)


def _counter():
    from common.awscount import AwsCounter

    class Capturing(AwsCounter):
        def __init__(self):
            super().__init__()
            self.sent_entries, self.published = [], []

        def count(self, client, operation, params, response):
            super().count(client, operation, params, response)
            if operation == "SendMessageBatch":
                self.sent_entries.extend(params["Entries"])
            elif operation == "Publish":
                self.published.append(params["Message"])

    return Capturing()


def _merge(target, source, scale: float = 1.0) -> None:
    for key, n in source.calls.items():
        target.calls[key] += n * scale
    target.rcu += source.rcu * scale
    target.wcu += source.wcu * scale
    target.sqs_billed += source.sqs_billed * scale
    target.sns_billed += source.sns_billed * scale


def _without_expectations(entries: list[dict]) -> list[dict]:
    """Today's (E11) worker path: requests that carry no expectation, so every result is
    evaluated (a consistent read of the state per check), as before E16 point 4, and no
    configuration or number, so the worker reads each monitor."""
    from chalicelib.bus.check_requests import decode, encode

    return [dict(e, MessageBody=encode([replace(j, expect=None, config=None, seq=None)
                                        for j in decode(e["MessageBody"])]))
            for e in entries]


def simulate_steady(n: int, span: int, rng, today: bool = False,
                    sample: int | None = SAMPLE_MESSAGES) -> dict:
    """`today`: the worker gets requests without expectation (the path before E16 point 4).
    WARM_UP minutes first (Pending -> Up, then the mirrored verdict reaches the requests)."""
    from moto import mock_aws

    from common.moto_env import create_everything

    with mock_aws():
        create_everything()
        from app import app

        clock, items = _setup(n, ["UsEast"])
        _stub_checks(set())
        counters = {"scheduler": _counter(), "other": _counter(), "invocations": Counter()}
        worker_total, esm = _counter(), Counter()
        sampled_monitor = None
        for step in range(span + WARM_UP):
            minute = step - WARM_UP + 1        # > 0: measured
            counters_minute = counters if minute > 0 else \
                {"scheduler": _counter(), "other": _counter(), "invocations": Counter()}
            entries = _run_schedules(app, clock, counters_minute)
            if today:
                entries = _without_expectations(entries)
            batches = _batches(entries)
            sampled_monitor = json.loads(batches[0][0]["MessageBody"])["jobs"][0]["monitor_id"]
            sample_counter = _counter()
            ran = _run_worker(batches, sample_counter, sample, rng)
            if minute > 0:
                _merge(worker_total, sample_counter, len(batches) / ran)
                esm["invocations"] += len(batches)
                esm["messages"] += len(entries)
                esm["jobs"] += sum(len(json.loads(e["MessageBody"])["jobs"]) for e in entries)
            clock.advance(60)
        result_sizes = _stored_sizes(sampled_monitor)
    return {"scheduler": counters["scheduler"], "other": counters["other"],
            "invocations": counters["invocations"], "worker": worker_total, "esm": esm,
            "sizes": result_sizes}


def _stored_sizes(monitor_id: str) -> dict:
    """Bytes a result takes in its shard's minute item (the item's size over its entries), and
    a rollup's (none is written in the simulated minutes: the hourly job writes them; about the
    size of the per-check design's, ~300 bytes with a few histogram buckets)."""
    from chalicelib.storage import monitors as monitor_store
    from chalicelib.storage.result_batches import ResultMinuteItem, shard_of

    from common.awscount import item_size

    monitor = monitor_store.find_by_id(monitor_id)
    shard, _ = shard_of(monitor.account_id, int(monitor.result_seq))
    client = ResultMinuteItem._get_connection().connection.client
    page = client.query(TableName=ResultMinuteItem.Meta.table_name, Limit=1,
                        KeyConditionExpression="shard = :s",
                        ExpressionAttributeValues={":s": {"S": shard}})
    if not page["Items"]:
        return {"result_bytes": 0, "rollup_bytes": 300}
    item = page["Items"][0]
    entries = max(1, len(json.loads(item["entries"]["S"])))
    return {"result_bytes": math.ceil(item_size(item) / entries), "rollup_bytes": 300}


def simulate_outages(m: int, minutes: int = 6) -> dict:
    """Extra requests of one outage (3 failing checks, then OK), over an all-OK twin world."""
    from moto import mock_aws

    from chalicelib.channels import family as alerting
    from chalicelib.channels.kinds.base import DeliveryOutcome
    from common.moto_env import create_everything

    async def sent_ok(config, event, context):
        return DeliveryOutcome(status_code=200, response_excerpt="ok")

    worlds = {}
    for name, failing_minutes in (("ok", set()), ("outage", {2, 3, 4})):
        with mock_aws():
            create_everything()
            from app import app
            from chalicelib.notify import delivery
            from chalicelib.incidents import handlers as incident_events

            clock, items = _setup(m, ["UsEast"], channel=True)
            alerting.SENDERS["webhook"] = sent_ok
            alerting.SENDERS["Webhook"] = sent_ok
            counter, invocations = _counter(), Counter()
            for minute in range(minutes):
                down = {f"m{i}" for i in range(m)} if minute in failing_minutes else set()
                _stub_checks(down)
                counters = {"scheduler": _counter(), "other": _counter(), "invocations": Counter()}
                entries = _run_schedules(app, clock, counters)
                if minute == 0:
                    _run_worker(_batches(entries), _counter(), None, None)   # warm-up: Pending -> Up
                else:
                    _run_worker(_batches(entries), counter, None, None)
                    while counter.published:       # SNS -> the two subscribed Lambdas
                        event = json.loads(counter.published.pop(0))
                        with counter.installed():
                            delivery.deliver_event(event)
                            incident_events.handle_event(event)
                        invocations["events"] += 2
                clock.advance(60)
            worlds[name] = (counter, invocations)
    ok, outage = worlds["ok"][0], worlds["outage"][0]
    extra = _counter()
    _merge(extra, outage, 1 / m)
    _merge(extra, ok, -1 / m)
    return {"per_outage": extra, "event_invocations": worlds["outage"][1]["events"] / m}


def _per_check(counter, checks: float) -> dict:
    return {"calls": {f"{s}:{o}": round(v / checks, 4) for (s, o), v in sorted(counter.calls.items())},
            "rcu": counter.rcu / checks, "wcu": counter.wcu / checks,
            "sqs": counter.sqs_billed / checks, "sns": counter.sns_billed / checks}


def _dollars(rcu, wcu, sqs, sns, lambda_requests, gb_seconds, storage_gb) -> dict:
    p = PRICES
    parts = {
        "dynamodb": (rcu * p["dynamodb_read_per_million"] + wcu * p["dynamodb_write_per_million"]) / 1e6,
        "dynamodb_storage": storage_gb * p["dynamodb_storage_gb_month"],
        "sqs": sqs * p["sqs_per_million"] / 1e6,
        "sns": sns * p["sns_publish_per_million"] / 1e6,
        "lambda": lambda_requests * p["lambda_requests_per_million"] / 1e6
        + gb_seconds * p["lambda_gb_second"],
    }
    parts["total"] = sum(parts.values())
    return parts


def _duration_s(counter, extra_s: float = 0.0) -> float:
    return sum(n * LATENCY_MS.get(s, 10) / 1000 for (s, _), n in counter.calls.items()) + extra_s


def price(steady: dict, outage: dict, n: int, span: int, regions: int) -> dict:
    """Dollars per monitor-month for `regions` check regions (1 region simulated; checks,
    their queue traffic and their records scale with regions, the scheduler's reads do not)."""
    scale = MONTH_MINUTES / span / n       # simulated span and monitors -> one monitor-month
    sched, other, worker, esm = steady["scheduler"], steady["other"], steady["worker"], steady["esm"]
    sched_ddb = sum(v for (s, _), v in sched.calls.items() if s == "dynamodb")
    sched_sqs = sched.sqs_billed
    worker_calls = sum(worker.calls.values())
    checks_month = esm["jobs"] * scale * regions
    per_monitor = {
        "rcu": (sched.rcu + other.rcu + worker.rcu * regions) * scale,
        "wcu": (sched.wcu + other.wcu + worker.wcu * regions) * scale,
        # Sends scale with regions; the event source mapping receives and deletes per batch.
        "sqs": (sched_sqs * regions + worker.sqs_billed * regions + 2 * esm["invocations"] * regions) * scale,
        "sns": worker.sns_billed * regions * scale,
        "lambda_requests": (sum(steady["invocations"].values())
                            + esm["invocations"] * regions) * scale,
    }
    worker_seconds = (_duration_s(worker) + esm["invocations"] * CHECK_PHASE_S) * regions
    gb_s = (worker_seconds * MEMORY_MB["worker"] / 1024
            + _duration_s(sched) * MEMORY_MB["scheduler"] / 1024
            + _duration_s(other) * MEMORY_MB["other"] / 1024) * scale
    # The hour's first result re-sums the window's rollups: 1 Query per monitor-hour and region,
    # eventually consistent, over 719 rollups of the measured size.
    rollup_query_rcu = math.ceil(ROLLUP_WINDOW_HOURS * steady["sizes"]["rollup_bytes"] / 4096) / 2
    per_monitor["rcu"] += rollup_query_rcu * 24 * 30 * regions
    out = outage["per_outage"]
    per_monitor["rcu"] += out.rcu * OUTAGES_PER_MONTH * regions
    per_monitor["wcu"] += out.wcu * OUTAGES_PER_MONTH * regions
    per_monitor["sqs"] += out.sqs_billed * OUTAGES_PER_MONTH
    per_monitor["sns"] += out.sns_billed * OUTAGES_PER_MONTH
    per_monitor["lambda_requests"] += outage["event_invocations"] * OUTAGES_PER_MONTH
    gb_s += (_duration_s(out) + outage["event_invocations"] * 0.05) * OUTAGES_PER_MONTH \
        * MEMORY_MB["events"] / 1024
    # Storage: results kept 90 days (Business), rollups 720 hours + retention, per region.
    storage_gb = (checks_month * 3 * steady["sizes"]["result_bytes"]
                  + 24 * 120 * steady["sizes"]["rollup_bytes"] * regions) / 1e9
    dollars = _dollars(per_monitor["rcu"], per_monitor["wcu"], per_monitor["sqs"], per_monitor["sns"],
                       per_monitor["lambda_requests"], gb_s, storage_gb)
    return {"regions": regions, "checks_per_monitor_month": checks_month,
            "units_per_monitor_month": {k: round(v, 1) for k, v in per_monitor.items()},
            "lambda_gb_seconds": round(gb_s, 2), "storage_gb": round(storage_gb, 5),
            "dollars": {k: round(v, 6) for k, v in dollars.items()},
            "worker_calls_per_check": worker_calls / max(1, esm["jobs"]), "sched_ddb_calls": sched_ddb}


def naive(n: int, regions: int, result_bytes: int, monitor_bytes: int = 1500) -> dict:
    """A naive design: every minute a Scan of the whole monitors table finds due monitors (and
    writes each one's "next check at", a GSI key, so twice); each check is one SQS message and one
    Lambda invocation that reads its monitor and writes its result."""
    checks = MONTH_MINUTES * regions                       # per monitor-month
    scan_rcu = math.ceil(n * monitor_bytes / 4096) / 2      # per scan, eventually consistent
    rcu = MONTH_MINUTES * scan_rcu / n + checks * 1        # + GetItem monitor, consistent
    wcu = MONTH_MINUTES * 2 + checks * math.ceil(result_bytes / 1024)
    sqs = checks * 3                                       # send, receive, delete
    lambda_requests = checks + MONTH_MINUTES / n
    gb_s = checks * (CHECK_PHASE_S / 2 + 0.02) * 128 / 1024
    storage_gb = checks * 3 * result_bytes / 1e9
    dollars = _dollars(rcu, wcu, sqs, 0, lambda_requests, gb_s, storage_gb)
    return {"regions": regions, "dollars": {k: round(v, 6) for k, v in dollars.items()},
            "scans_per_month": MONTH_MINUTES}


# --- per region, per fleet size (E16 point 9) ------------------------------------------------------
# Checks' DynamoDB units, calls and batch overheads are measured on the real worker at two batch
# shapes (a small fleet: one job per invocation; a large one: full batches) and fitted as
# a + b / jobs-per-invocation; the shapes of each fleet size come from the real phase function
# and dispatch grouping. Durations and the idle floor are modelled (printed with the result).
FLEET_SIZES = (30, 300, 1_000, 10_000, 100_000)
HOME_DDB_MS = 6                # a worker's DynamoDB call inside the home region
REMOTE_SEND_MS = 80            # a remote worker's SendMessageBatch to the home region
# A result with its request on the results queue, as sent (tests/checks/test_remote_worker.py)
RESULT_BYTES = 165
SQS_CHUNK_BYTES = 64 * 1024    # SQS bills a request per 64 KB of payload
CHECK_MS = 300                 # a typical check (connect + TLS + first byte), assumed
IDLE_RECEIVES_PER_MINUTE = 15  # the SQS event source mapping's 5 long-pollers (20 s), when idle
HTTP_API_PER_MILLION = 1.00      # the ping front before E20 point 2; a Function URL: nothing
FUNCTION_URL_PER_MILLION = 0.0
PRICES["http_api_per_million"] = HTTP_API_PER_MILLION
PRICES["function_url_per_million"] = FUNCTION_URL_PER_MILLION
FULL_VCPU_MB = 1769              # Lambda gives a function one vCPU at 1,769 MB, a share below
# The Job monitor before E20 point 2 (57e40fb, 2026-11-30, `--fleet --quick`): a TransactWriteItems
# of the ping and the big monitor item (6 WCU), the token cache expiring before each minute's
# ping (4 RCU), 50 ms of function assumed at 256 MB, and the HTTP API's $1 per million.
BEFORE_JOB_MONITOR_MONTH = 0.2498


def deployed_memory(stage: str = "prod") -> dict:
    """Memory (MB) of the deployed functions: `.chalice/config.json`'s stage, its default for
    the others (the remote regions' workers, which CDK sizes the same way)."""
    config = json.loads((Path(__file__).resolve().parents[1] / ".chalice" / "config.json").read_text())
    functions = config["stages"][stage].get("lambda_functions", {})
    default = config.get("lambda_memory_size", 128)
    size = lambda name: functions.get(name, {}).get("lambda_memory_size", default)  # noqa: E731
    return {"home_worker": size("check_worker_useast"), "remote_worker": default,
            "scheduler": size("run_scheduler"), "other": default, "ping": _ping_memory()}


def _ping_memory() -> int:
    """The ping function's memory: CDK sizes it (infra/pings.py), not Chalice."""
    from infra.pings import PING_MEMORY_MB

    return PING_MEMORY_MB


def batch_shape(n: int) -> dict:
    """Messages and worker invocations per minute and region for n 60 s monitors: monitors of
    one start second share messages (JOBS_PER_MESSAGE), ten messages an invocation at most.
    A result shard's monitors (numbered 0..n-1 in one account) share their second."""
    from chalicelib.bus import dispatch
    from chalicelib.monitors import scheduling
    from chalicelib.storage.result_batches import shard_of

    per_second = Counter(scheduling.phase_for(f"mon_{i:06d}", 60,
                                              shard_of("acc_bench", i)[0]).offset_seconds
                         for i in range(n))
    messages = sum(math.ceil(c / dispatch.JOBS_PER_MESSAGE) for c in per_second.values())
    invocations = sum(math.ceil(math.ceil(c / dispatch.JOBS_PER_MESSAGE) / 10)
                      for c in per_second.values())
    return {"messages": messages, "invocations": invocations, "jobs_per_invocation": n / invocations}


def worker_fit(small: dict, large: dict) -> dict:
    """Per check (units, calls) as a + b / jobs-per-invocation, from two measured shapes."""
    def point(steady):
        jobs, invocations = steady["esm"]["jobs"], steady["esm"]["invocations"]
        w = steady["worker"]
        return invocations / jobs, {"rcu": w.rcu / jobs, "wcu": w.wcu / jobs,
                                    "calls": sum(w.calls.values()) / jobs}
    (x1, y1), (x2, y2) = point(small), point(large)
    fit = {}
    for key in y1:
        slope = (y1[key] - y2[key]) / (x1 - x2) if x1 != x2 else 0.0
        fit[key] = (y2[key] - slope * x2, slope)
    return fit


def per_check_at(fit: dict, jobs_per_invocation: float) -> dict:
    return {k: max(0.0, a + b / jobs_per_invocation) for k, (a, b) in fit.items()}


def region_month(n: int, fit: dict, home_fixed: dict, remote: bool, memory: dict,
                 rollup: dict | None = None) -> dict:
    """Dollars per monitor-month in one region for n 60 s Website monitors. The home region
    also carries the scheduler, the every-minute schedules and the hourly rollup job (`rollup`:
    its units and calls per monitor-hour, `measure_rollup_hour`); every region its idle
    floor."""
    from chalicelib.checks.runner import concurrency_for

    shape = batch_shape(n)
    unit = per_check_at(fit, shape["jobs_per_invocation"])
    checks = n * MONTH_MINUTES
    invocations = shape["invocations"] * MONTH_MINUTES
    jobs = shape["jobs_per_invocation"]
    worker_mb = memory["remote_worker" if remote else "home_worker"]
    # A batch: its checks `concurrency_for(memory)` at a time, then its records one call after
    # another (home), or one SendMessageBatch of its results home (remote).
    checks_s = math.ceil(jobs / concurrency_for(worker_mb)) * CHECK_MS / 1000
    record_s = unit["calls"] * jobs * HOME_DDB_MS / 1000
    sqs = shape["messages"] * MONTH_MINUTES * 2 / 10 + invocations * 2 \
        + IDLE_RECEIVES_PER_MINUTE * MONTH_MINUTES          # sends (batched), receive+delete, idle
    rcu, wcu, lambda_requests = unit["rcu"] * checks, unit["wcu"] * checks, invocations
    if remote:
        # E16 point 5: the remote worker calls no table. Its send is billed per 64 KB; the home
        # results handler records the batch as the home worker records its own (the same units
        # and calls, at the home region's latency) in an invocation of its own (receive and
        # delete), and its queue is polled when idle.
        gb_s = invocations * (checks_s + REMOTE_SEND_MS / 1000) * worker_mb / 1024 \
            + invocations * record_s * memory["other"] / 1024
        sqs += invocations * (math.ceil(jobs * RESULT_BYTES / SQS_CHUNK_BYTES) + 2) \
            + IDLE_RECEIVES_PER_MINUTE * MONTH_MINUTES
        lambda_requests += invocations
    else:
        gb_s = invocations * (checks_s + record_s) * worker_mb / 1024
    if not remote:
        rcu += home_fixed["rcu_per_monitor_minute"] * n * MONTH_MINUTES \
            + home_fixed["rcu_floor_per_minute"] * MONTH_MINUTES
        wcu += home_fixed["wcu_per_minute"] * MONTH_MINUTES
        lambda_requests += home_fixed["invocations_per_minute"] * MONTH_MINUTES
        gb_s += home_fixed["gb_s_per_minute"] * MONTH_MINUTES
        sqs += home_fixed["sqs_per_monitor_minute"] * n * MONTH_MINUTES
    if not remote and rollup is not None:
        hours = MONTH_MINUTES // 60
        rcu += rollup["rcu"] * n * hours
        wcu += rollup["wcu"] * n * hours
        lambda_requests += hours
        gb_s += sum(rollup["calls"].values()) * n * hours * HOME_DDB_MS / 1000 \
            * memory["other"] / 1024
    dollars = _dollars(rcu, wcu, sqs, 0, lambda_requests, gb_s, 0)
    return {k: v / n for k, v in dollars.items()}


def home_fixed_of(steady: dict, n: int, span: int, memory: dict) -> dict:
    """The scheduler's and every-minute schedules' per-minute costs, split into what grows with
    the fleet (its index reads, its sends) and the floor (one read per query at least)."""
    sched, other = steady["scheduler"], steady["other"]
    queries = sched.calls.get(("dynamodb", "Query"), 0) / span
    rcu_per_minute = (sched.rcu + other.rcu) / span
    invocations = sum(steady["invocations"].values()) / span
    return {"rcu_per_monitor_minute": max(0.0, rcu_per_minute - queries * 0.5) / n,
            "rcu_floor_per_minute": queries * 0.5,
            "wcu_per_minute": (sched.wcu + other.wcu) / span,
            "invocations_per_minute": invocations,
            "gb_s_per_minute": (_duration_s(sched) * memory["scheduler"]
                                + _duration_s(other) * memory["other"]) / 1024 / span,
            "sqs_per_monitor_minute": sched.sqs_billed / span / n}


@contextmanager
def _moto_cpu():
    """Process CPU seconds spent inside moto (DynamoDB's side, not the function's): a list
    holding the running total."""
    from moto.core.botocore_stubber import BotocoreStubber

    spent, original = [0.0], BotocoreStubber.__call__

    def timed(self, *args, **kwargs):
        start = time.process_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent[0] += time.process_time() - start

    BotocoreStubber.__call__ = timed
    try:
        yield spent
    finally:
        BotocoreStubber.__call__ = original


def measure_job_ping(pings: int = 40) -> dict:
    """One Success ping of a Job monitor pinged every minute, steady Up: its requests and units
    on the real ping path (the app's route, `heartbeats.receive_ping`), averaged over `pings`,
    and the function's own CPU per ping (process CPU less moto's)."""
    from chalice.test import Client
    from moto import mock_aws

    from common.moto_env import create_everything

    with mock_aws():
        create_everything()
        from app import app
        from chalicelib.monitors import service as monitors
        from chalicelib.accounts.service import create_account
        from chalicelib.kernel.clock import FakeClock
        from chalicelib.monitors.models import parse_monitor
        from chalicelib.kernel.runtime import runtime

        clock = runtime.clock = FakeClock(datetime(2026, 3, 24, 10, 0, 5, tzinfo=timezone.utc))
        account = create_account("bench-job", "Business", clock.now())
        job = monitors.create_monitor(account, parse_monitor(
            {"name": "job", "type": "Job", "periodSeconds": 60, "gracePeriodSeconds": 30}),
            clock.now())
        client, path = Client(app), f"/ping/{job.ping_token}"

        def send() -> None:
            assert client.http.get(path).status_code == 200
            clock.advance(60)

        for _ in range(3):                                  # warm-up: Pending -> Up
            send()
        counter = _counter()
        with counter.installed(), _moto_cpu() as moto_s:
            started = time.process_time()
            for _ in range(pings):
                send()
            app_s = time.process_time() - started - moto_s[0]
    return {"rcu": counter.rcu / pings, "wcu": counter.wcu / pings,
            "cpu_ms": app_s / pings * 1000,
            "calls": {f"{s}:{o}": v / pings for (s, o), v in sorted(counter.calls.items())}}


ROLLUP_MONITORS = 200     # 2 result shards


def measure_rollup_hour(n: int = ROLLUP_MONITORS) -> dict:
    """The hourly rollup job's requests per monitor-hour, steady: n monitors checked every
    minute of two hours (scheduler and worker on every batch, checks stubbed); the first hour
    rolled up unmeasured (its summaries are a monitor's first: one Query of its window each),
    the second measured (summaries rolled on: one BatchGetItem per 100 dropped hours)."""
    from moto import mock_aws

    from common.moto_env import create_everything

    with mock_aws():
        create_everything()
        from app import app
        from chalicelib.checks import rollup_job
        from chalicelib.kernel import stats
        from chalicelib.storage import result_batches

        clock, _ = _setup(n, ["UsEast"])
        _stub_checks(set())
        first_hour = stats.hour_of(clock.time())
        result_batches.set_rolled_through(first_hour - 3600)    # nothing before the first

        def check_for(minutes: int) -> None:
            for _ in range(minutes):
                counters = {"scheduler": _counter(), "other": _counter(), "invocations": Counter()}
                _run_worker(_batches(_run_schedules(app, clock, counters)), _counter(), None, None)
                clock.advance(60)

        def job_at(hour: int) -> dict:
            now = datetime.fromtimestamp(hour + 3600 + 600, timezone.utc)   # xx:10 next hour
            return rollup_job.roll_up(now)

        check_for(60)
        assert job_at(first_hour)["rolled"] == [first_hour]
        check_for(60)
        counter = _counter()
        with counter.installed():
            assert job_at(first_hour + 3600)["rolled"] == [first_hour + 3600]
        day = _measure_day_close(first_hour + 3600)
    hour_units = {"rcu": counter.rcu / n, "wcu": counter.wcu / n}
    calls = Counter({f"{s}:{o}": v / n for (s, o), v in counter.calls.items()})
    # Once a day, each monitor's day item: its cost per monitor-hour is a 24th of a day's.
    for (s, o), v in day.calls.items():
        calls[f"{s}:{o}"] += v / n / 24
    return {"monitors": n, "rcu": hour_units["rcu"] + day.rcu / n / 24,
            "wcu": hour_units["wcu"] + day.wcu / n / 24, "hour_only": hour_units,
            "calls": dict(sorted(calls.items()))}


def _measure_day_close(hour: int):
    """What closing a day costs (`rollup_job.close_day`: one Query of the shard's hour items,
    one day item per monitor), on a day of 24 hours like the `hour` rolled up: its shard hour
    items copied to the day's other hours (the simulated hours are not a whole day)."""
    from chalicelib.checks import rollup_job
    from chalicelib.storage import result_batches
    from chalicelib.storage import results as store

    day = store.day_of(hour)
    shards = result_batches.all_shards()
    for shard in shards:
        [measured] = store.shard_hours(shard.key, hour, hour)
        for other in range(day, day + store.DAY, 3600):
            store.shard_hour_item(shard.key, other, store.shard_rows(measured),
                                  measured.expires_at).save()
    counter = _counter()
    with counter.installed():
        run = rollup_job._Run()
        for shard in shards:
            rollup_job.close_day(shard, day, run, datetime.fromtimestamp(day, timezone.utc))
    return counter


def ping_duration_s(ping: dict, memory_mb: int) -> float:
    """A ping's billed duration: its CPU at the function's share of a vCPU (this machine's core
    taken as one), plus its DynamoDB calls' round trips."""
    calls = sum(ping["calls"].values())
    return ping["cpu_ms"] / 1000 * FULL_VCPU_MB / memory_mb + calls * HOME_DDB_MS / 1000


def job_month(ping: dict, memory: dict) -> float:
    """Dollars per Job monitor-month pinged every minute (a Function URL: nothing per request
    in front; one Lambda per ping, its DynamoDB units; the missed-run sweep's share, 32 Queries
    a minute per install, is in the home floor)."""
    pings = MONTH_MINUTES
    gb_s = pings * ping_duration_s(ping, memory["ping"]) * memory["ping"] / 1024
    dollars = _dollars(ping["rcu"] * pings, ping["wcu"] * pings, 0, 0, pings, gb_s, 0)
    return dollars["total"] + pings * FUNCTION_URL_PER_MILLION / 1e6


# The same table as measured before E16 point 3 (at 88a92c2, 2026-11-30: a result PutItem, a
# rollup ADD and a telemetry UpdateItem per check), "now" columns: home, remote.
BEFORE_COMPACT_RESULTS = {30: (0.351, 0.266), 300: (0.178, 0.180), 1_000: (0.153, 0.164),
                          10_000: (0.137, 0.157), 100_000: (0.137, 0.156)}


def fleet_table(args, rng) -> dict:
    """Per region: every result evaluated (requests without expectation, the path before E16
    point 4) beside the current path, both measured in this run; and the current path's figures
    as measured before E16 point 3 (BEFORE_COMPACT_RESULTS)."""
    memory = deployed_memory()
    small_n, (large_n, span) = 30, ((1_000, 2) if args.quick else (2_000, 3))
    rows, designs = [], {}
    for design, today in (("today", True), ("now", False)):
        small = simulate_steady(small_n, span, rng, today=today, sample=None)
        large = simulate_steady(large_n, span, rng, today=today)
        designs[design] = {"fit": worker_fit(small, large),
                           "home": home_fixed_of(large, large_n, span, memory)}
    rollup = measure_rollup_hour()
    for n in FLEET_SIZES:
        row = {"monitors": n, **batch_shape(n)}
        for design, d in designs.items():
            row[design] = {"home": region_month(n, d["fit"], d["home"], False, memory,
                                                rollup)["total"],
                           "remote": region_month(n, d["fit"], d["home"], True, memory)["total"]}
        before = BEFORE_COMPACT_RESULTS.get(n)
        if before:
            row["before"] = {"home": before[0], "remote": before[1]}
        rows.append(row)
    ping = measure_job_ping()
    return {"memory_mb": memory, "rows": rows, "job_ping": ping, "rollup_hour": rollup,
            "job_monitor_month": job_month(ping, memory),
            "fits": {k: {m: list(v) for m, v in d["fit"].items()} for k, d in designs.items()},
            "model": {"home_ddb_ms": HOME_DDB_MS, "remote_send_ms": REMOTE_SEND_MS,
                      "result_bytes": RESULT_BYTES,
                      "check_ms": CHECK_MS, "idle_receives_per_minute": IDLE_RECEIVES_PER_MINUTE,
                      "ping_duration_s": ping_duration_s(ping, memory["ping"]),
                      "before_job_monitor_month": BEFORE_JOB_MONITOR_MONTH}}


def print_fleet_table(table: dict) -> None:
    print(f"  $ per monitor-month per region, 60 s Website monitor (prices {PRICES_AS_OF}: "
          f"DynamoDB $0.625/M writes $0.125/M reads, Lambda $0.0000166667/GB-s + $0.20/M, "
          f"SQS $0.40/M; memory {table['memory_mb']})")
    print("    monitors  jobs/invoc  before home  before remote  all-eval home  all-eval remote"
          "    now home    now remote")
    for row in table["rows"]:
        t, w = row["today"], row["now"]
        b = row.get("before", {"home": float("nan"), "remote": float("nan")})
        print(f"    {row['monitors']:>8}  {row['jobs_per_invocation']:>10.1f}  {b['home']:>11.3f}  "
              f"{b['remote']:>13.3f}  {t['home']:>13.4f}  {t['remote']:>15.4f}  "
              f"{w['home']:>10.4f}  {w['remote']:>12.4f}")
    r = table["rollup_hour"]
    print(f"  hourly rollup job per monitor-hour: RCU {r['rcu']:.2f}, WCU {r['wcu']:.2f} "
          f"(a day's items a 24th), calls {r['calls']}")
    ping = table["job_ping"]
    print(f"  Job monitor pinged every minute: ${table['job_monitor_month']:.4f} per monitor-month"
          f" (before ${BEFORE_JOB_MONITOR_MONTH:.4f}; per ping: RCU {ping['rcu']:.2f}, "
          f"WCU {ping['wcu']:.2f}, calls {ping['calls']}, function CPU {ping['cpu_ms']:.1f} ms, "
          f"billed {table['model']['ping_duration_s'] * 1000:.0f} ms at "
          f"{table['memory_mb']['ping']} MB; Function URL, no per-request charge)")


def main(argv=None) -> dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    fleet_only = "--fleet" in argv           # only the per-region table (E16 point 9)
    args = parse_args(__doc__.splitlines()[0], [a for a in argv if a != "--fleet"])
    if fleet_only:
        table = fleet_table(args, random.Random(11))
        print_fleet_table(table)
        finish(args, {"prices_as_of": PRICES_AS_OF, "prices": PRICES, "fleet": table})
        return table
    n, span = (2000, 2) if args.quick else (10_000, 5)
    rng = random.Random(11)
    print(f"simulating {n} monitors at 60 s, 1 region, {span} measured minutes (+1 warm-up), "
          f"worker on {SAMPLE_MESSAGES} sampled batch(es) a minute", flush=True)
    steady = simulate_steady(n, span, rng)
    outage = simulate_outages(OUTAGE_MONITORS)
    scans = sum(c.total(operation="Scan") for c in (steady["scheduler"], steady["other"], steady["worker"],
                                                   outage["per_outage"]))
    jobs = steady["esm"]["jobs"]
    print(f"  checks in span: {jobs}  messages: {steady['esm']['messages']}  "
          f"worker invocations: {steady['esm']['invocations']}  Scan calls: {scans}")
    print(f"  scheduler per minute: {_per_check(steady['scheduler'], span)['calls']}")
    print(f"  other schedules per minute: {_per_check(steady['other'], span)['calls']}")
    worker = _per_check(steady["worker"], jobs)
    print(f"  worker per check: {worker['calls']}  RCU {worker['rcu']:.2f}  WCU {worker['wcu']:.2f}")
    out = outage["per_outage"]
    print(f"  per outage (down+up, 1 channel): "
          f"{ {f'{s}:{o}': round(v, 1) for (s, o), v in sorted(out.calls.items()) if abs(v) > 0.01} }"
          f"  RCU {out.rcu:.1f}  WCU {out.wcu:.1f}")
    print(f"  stored sizes: {steady['sizes']}")
    result = {"prices_as_of": PRICES_AS_OF, "prices": PRICES, "monitors": n,
              "span_minutes": span, "extrapolated": "linearly from the span to 30 days",
              "scan_calls": scans, "worker_per_check": worker,
              "scheduler_per_minute": _per_check(steady["scheduler"], span),
              "other_schedules_per_minute": _per_check(steady["other"], span),
              "per_outage": _per_check(out, 1), "sizes": steady["sizes"],
              "model": {"latency_ms": LATENCY_MS, "check_phase_s": CHECK_PHASE_S,
                        "memory_mb": MEMORY_MB, "outages_per_month": OUTAGES_PER_MONTH},
              "ours": [], "naive": []}
    for regions in (1, 3):
        ours = price(steady, outage, n, span, regions)
        nv = naive(n, regions, steady["sizes"]["result_bytes"])
        result["ours"].append(ours)
        result["naive"].append(nv)
        d, nd = ours["dollars"], nv["dollars"]
        print(f"  {regions} region(s): ${d['total']:.4f} per monitor-month "
              f"(DynamoDB ${d['dynamodb']:.4f} + storage ${d['dynamodb_storage']:.4f}, "
              f"SQS ${d['sqs']:.4f}, SNS ${d['sns']:.5f}, Lambda ${d['lambda']:.4f}); "
              f"naive design ${nd['total']:.4f} ({nd['total'] / d['total']:.1f}x)")
    result["fleet"] = fleet_table(args, rng)
    print_fleet_table(result["fleet"])
    finish(args, result)
    return result


if __name__ == "__main__":
    use_offline_env()
    main()
