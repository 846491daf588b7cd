"""Scheduler scale (E16 point 8): one real `run_tick` over a synthetic due index on moto
in-process, for 1,000, 10,000 and 100,000 monitors (--quick: 1,000 and 10,000), parallel (the
process's pools: a thread per region, 16 for the index Queries and SendMessageBatch calls) beside
sequential (`scheduler.SEQUENTIAL`: one call at a time, as the tick was before point 8), in the
same run, on the same minute and the same index.

The fleet, as a real one would be spread: intervals from 30 s to 1 h (most at 1 and 5 minutes),
each monitor in 1, 2 or 3 of three check regions, 40 % of the monitors in one large tenant, 2 %
Down (their checks go to the slow lane). Only what the due index needs is written (the keys and
the attributes the due index `by_schedule_v2` projects, a typical Website configuration
included: the requests carry it), with BatchWriteItem.

moto's Query on a global secondary index sorts and walks every item of the table (in moto 5.2:
26 s for one tick's 44 Queries at 5,000 monitors, growing as N log N), where DynamoDB reads only
the items of the key asked. So that the figures are the scheduler's and not moto's, the bench
hands moto's due-index Query the items of the asked key only (`key_lookup`): the same answer
(checked against moto's own for a key of each family before measuring), in the time it takes to
read that key's items.

moto answers the first tick (sequential), and its CPU is shown apart: it is most of that tick,
and it holds the GIL, so with moto answering no tick can be faster in parallel. Every other tick
replays moto's answers to the same requests (the same minute, the same index: every request is
found, `unrecorded_calls` says so), so what is measured is the scheduler's own work (Enori,
PynamoDB, botocore) and the calls' round trips: none (`added_0ms`), or 10 ms slept in every AWS
call outside the GIL, as a socket wait is (`added_10ms`), a stand-in for DynamoDB and SQS inside
one AWS region. Beside the wall time, the CPU seconds of the whole process: on a machine shared
with other work the wall time also counts their turns, and a Lambda of 512 MB (the scheduler's,
prod) has about 0.3 of a vCPU, so its wall time is about 3.5 x that CPU.
Usage: python bench/scheduler_scale.py [--quick] [--json out.json]
"""
from __future__ import annotations

import gc
import json
import random
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache, partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import finish, parse_args, use_offline_env  # noqa: E402

REGIONS = ("UsEast", "EuWest", "ApSoutheast")
# (interval seconds, share of the fleet)
INTERVALS = [(30, 4), (60, 30), (90, 2), (120, 8), (180, 6), (300, 28), (600, 10), (900, 5),
             (1800, 4), (3600, 3)]
REGION_COUNTS = [(1, 45), (2, 35), (3, 20)]
LARGE_TENANT_SHARE = 0.4
DOWN_SHARE = 0.02
ADDED_MS = 10                 # the stand-in round trip of the added_ms rows
TICK_AT = datetime(2026, 3, 24, 10, 0, 5, tzinfo=timezone.utc)


def fleet_items(n: int, rng: random.Random) -> tuple[list[dict], set[str]]:
    """n due-index items (DynamoDB wire format) and the interval families they use."""
    from chalicelib.monitors import scheduling

    intervals, weights = zip(*INTERVALS)
    counts, count_weights = zip(*REGION_COUNTS)
    small_tenants = max(1, n // 50)
    items, families = [], set()
    for i in range(n):
        monitor_id = f"mon_{rng.getrandbits(64):016x}"
        interval = rng.choices(intervals, weights)[0]
        key = scheduling.schedule_key(interval, scheduling.phase_for(monitor_id, interval))
        families.add(scheduling.family_of(key))
        account = "acc_large" if rng.random() < LARGE_TENANT_SHARE \
            else f"acc_{rng.randrange(small_tenants)}"
        regions = rng.sample(REGIONS, rng.choices(counts, count_weights)[0])
        status = "Down" if rng.random() < DOWN_SHARE else "Up"
        state = {"region_status": {r: status for r in regions}, "degraded": False,
                 "steady": status == "Up"}
        items.append({"account_id": {"S": account}, "monitor_id": {"S": monitor_id},
                      "schedule_key": {"S": key},
                      "offset_seconds": {"N": str(scheduling.phase_for(monitor_id, interval)
                                                  .offset_seconds)},
                      "regions": {"L": [{"S": r} for r in regions]},
                      "status": {"S": status}, "state_json": {"S": json.dumps(state)},
                      "type": {"S": "Website"}, "result_seq": {"N": str(i)},
                      "config_json": {"S": website_config(interval, tuple(regions))}})
    return items, families


@lru_cache(maxsize=None)
def website_config(interval: int, regions: tuple[str, ...]) -> str:
    """A Website monitor's stored configuration (~700 bytes), as the API saves it."""
    from chalicelib.monitors.models import monitor_defaults_dump, parse_monitor

    body = parse_monitor({"name": "checkout api", "type": "Website", "regions": list(regions),
                          "url": "https://checkout.example.com/health",
                          "intervalSeconds": interval, "timeoutSeconds": min(30, interval)})
    return json.dumps(monitor_defaults_dump(body), sort_keys=True)


def due_index() -> str:
    from chalicelib.storage.monitors import MonitorItem

    return MonitorItem.by_schedule.Meta.index_name


def fill_index(items: list[dict], families: set[str]) -> None:
    import boto3

    from chalicelib.kernel.settings import settings
    from chalicelib.storage import control

    dynamodb = boto3.client("dynamodb", region_name=settings.aws_region)
    table = settings.table_name("monitors")
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]
        while requests:
            left = dynamodb.batch_write_item(RequestItems={table: requests})
            requests = left.get("UnprocessedItems", {}).get(table, [])
    for family in families:
        control.add_family(family)


def create_region_queues() -> None:
    """Each region's queues in its own AWS region, where the scheduler's fast clients look."""
    import boto3

    from chalicelib.bus.check_requests import queue_name, slow_queue_name
    from chalicelib.kernel.settings import AWS_REGION_OF

    for region in REGIONS:
        sqs = boto3.client("sqs", region_name=AWS_REGION_OF[region])
        for name in (queue_name(region), slow_queue_name(region)):
            sqs.create_queue(QueueName=name)


def reset_between_ticks() -> None:
    """Every region before its first send again, so each tick sends the same minute. (The
    queues keep what earlier ticks sent: moto allows one PurgeQueue a minute.)"""
    from chalicelib.bus import queues
    from chalicelib.storage import control

    for region in REGIONS:
        control.ControlItem(control.region_cursor_name(region)).delete()
    queues._queue_urls.clear()


@contextmanager
def key_lookup(table_name: str, index_name: str, attribute: str):
    """moto's Query on `index_name` of `table_name` sees only the items whose `attribute` is the
    key asked (moto filters the table's items down to exactly those, so the answer is the same).
    The grouping is taken on entry: nothing may write the table inside the block."""
    from moto.dynamodb.models.table import Table

    original_query, original_items = Table.query, Table.all_items
    asked = threading.local()
    buckets: dict[int, dict[str, list]] = {}

    def items_of_key(table) -> dict[str, list]:
        if id(table) not in buckets:
            grouped: dict[str, list] = {}
            for item in original_items(table):
                if attribute in item.attrs:
                    grouped.setdefault(item.attrs[attribute].value, []).append(item)
            buckets[id(table)] = grouped
        return buckets[id(table)]

    def query(table, hash_key, *args, **kwargs):
        index = args[6] if len(args) > 6 else kwargs.get("index_name")
        if table.name != table_name or index != index_name:
            return original_query(table, hash_key, *args, **kwargs)
        asked.key = (kwargs.get("hash_key_conditions") or [(None, hash_key)])[0][1].value
        try:
            return original_query(table, hash_key, *args, **kwargs)
        finally:
            asked.key = None

    def all_items(table):
        key = getattr(asked, "key", None)
        if key is None or table.name != table_name:
            return original_items(table)
        return items_of_key(table).get(key, [])

    Table.query, Table.all_items = query, all_items
    try:
        yield
    finally:
        Table.query, Table.all_items = original_query, original_items


def same_answer_as_moto(families: set[str]) -> bool:
    """For a due key of each family: the monitors `key_lookup` answers are moto's own."""
    from chalicelib.kernel.settings import settings
    from chalicelib.monitors import scheduling
    from chalicelib.storage import monitors as monitor_store

    minute = int(TICK_AT.timestamp()) // 60 + 1
    keys = [[k for k in scheduling.keys_due(minute, [f])][0] for f in sorted(families)]

    def answers() -> list[list[str]]:
        return [sorted(e.monitor_id for e in monitor_store.due_entries(k)) for k in keys]

    expected = answers()
    with key_lookup(settings.table_name("monitors"), due_index(), "schedule_key"):
        return answers() == expected and any(expected)


class Calls:
    """Every AWS call of the process: counted by operation from every thread, delayed by
    `added_s` (slept outside the GIL, as a socket wait is), and answered by moto while
    `replaying` is off (recording each answer by its request: URL and body) or from that record
    while it is on. `moto_s`: CPU seconds spent answering, summed over threads."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.added_s = 0.0
        self.moto_s = 0.0
        self.replaying = False
        self.unrecorded = 0
        self._answers: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    def reset(self, added_s: float, replaying: bool) -> None:
        self.counts, self.added_s, self.moto_s = {}, added_s, 0.0
        self.replaying, self.unrecorded = replaying, 0

    def answer(self, process, request):
        key = (request.url, request.body if isinstance(request.body, bytes) else str(request.body))
        if self.replaying and key in self._answers:
            return self._answers[key]
        answer = process(request)
        with self._lock:
            self.unrecorded += self.replaying
            self._answers[key] = answer
        return answer

    @contextmanager
    def installed(self):
        from botocore.client import BaseClient
        from moto.core.botocore_stubber import BotocoreStubber

        original_call, original_process = BaseClient._make_api_call, BotocoreStubber.process_request
        calls = self

        def spy(client, operation, params):
            with calls._lock:
                calls.counts[operation] = calls.counts.get(operation, 0) + 1
            if calls.added_s:
                time.sleep(calls.added_s)
            return original_call(client, operation, params)

        def process_request(stubber, request):   # CPU time: waiting for the GIL is not moto's
            started = time.thread_time()
            try:
                return calls.answer(partial(original_process, stubber), request)
            finally:
                with calls._lock:
                    calls.moto_s += time.thread_time() - started

        BaseClient._make_api_call, BotocoreStubber.process_request = spy, process_request
        try:
            yield self
        finally:
            BaseClient._make_api_call, BotocoreStubber.process_request = original_call, original_process


def one_tick(pools, calls: Calls, added_ms: int, replaying: bool) -> dict:
    from chalicelib.checks.scheduler import run_tick

    reset_between_ticks()
    gc.collect()
    calls.reset(added_ms / 1000, replaying)
    started, cpu_started = time.perf_counter(), time.process_time()
    done = run_tick(TICK_AT, pools=pools)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    calls.added_s, calls.replaying = 0.0, False
    # CPU seconds of every thread: on a shared machine wall time also counts other processes'
    # turns; what is not moto's is the tick's own (Enori, PynamoDB, botocore).
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "moto_cpu_s": round(calls.moto_s, 2),
            "cpu_outside_moto_s": round(cpu - calls.moto_s, 2),
            "jobs": done["jobs"], "messages": done["messages"],
            "index_queries": calls.counts.get("Query", 0),
            "send_batches": calls.counts.get("SendMessageBatch", 0),
            "aws_calls": sum(calls.counts.values()), "unrecorded_calls": calls.unrecorded,
            "failed_regions": [r for r, o in done["regions"].items() if o["failed"]]}


def show(n: int, label: str, figures: dict) -> None:
    print(f"  {n:>7} monitors, {label:<28} {figures['wall_s']:>6} s wall, CPU {figures['cpu_s']} s "
          f"({figures['cpu_outside_moto_s']} s outside moto); {figures['jobs']} checks in "
          f"{figures['messages']} messages, {figures['send_batches']} SendMessageBatch, "
          f"{figures['index_queries']} index Queries", flush=True)


def measure(n: int, rng: random.Random) -> dict:
    from moto import mock_aws

    from common.moto_env import create_everything
    from chalicelib.bus import dispatch
    from chalicelib.checks import scheduler
    from chalicelib.kernel.settings import settings

    with mock_aws():
        create_everything()
        create_region_queues()
        dispatch.reset_clients()
        started = time.perf_counter()
        items, families = fleet_items(n, rng)
        fill_index(items, families)
        row = {"monitors": n, "families": sorted(families),
               "fill_s": round(time.perf_counter() - started, 1)}
        assert same_answer_as_moto(families)
        calls = Calls()
        with calls.installed(), key_lookup(settings.table_name("monitors"), due_index(),
                                           "schedule_key"):
            row["moto_sequential"] = one_tick(scheduler.SEQUENTIAL, calls, 0, replaying=False)
            show(n, "moto answering, sequential", row["moto_sequential"])
            for added_ms in (0, ADDED_MS):
                for name, pools in (("sequential", scheduler.SEQUENTIAL),
                                    ("parallel", scheduler._pools)):
                    row[f"{name}_added_{added_ms}ms"] = figures = one_tick(
                        pools, calls, added_ms, replaying=True)
                    assert figures["jobs"] == row["moto_sequential"]["jobs"]
                    show(n, f"replayed +{added_ms} ms/call, {name}", figures)
        dispatch.reset_clients()
    return row


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv)
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    rng = random.Random(8)
    print(f"one scheduler tick, {len(REGIONS)} regions; sequential = one call at a time (before "
          f"E16 point 8), parallel = the scheduler's pools", flush=True)
    rows = [measure(n, rng) for n in sizes]
    result = {"regions": list(REGIONS), "added_ms": ADDED_MS, "rows": rows,
              "model": "moto in-process answers the first tick; the others replay its answers, "
                       "with added_ms slept in every AWS call"}
    finish(args, result)
    return result


if __name__ == "__main__":
    use_offline_env(ENORI_CHECK_REGIONS=",".join(REGIONS))
    main()
