"""Check throughput of the real worker code (E11).

Website monitors against a local asyncio HTTP/1.1 server running in its own process, through
`chalicelib.checks.runner.run_jobs` (the check phase: guard, aiohttp client, checker), with
and without 50 ms of server latency. Beside it, in the same run and against the same target, a
minimal raw-asyncio client (open_connection, same concurrency), kept alive and with a connection
per request as the worker runs (`keepalive=False`: each check's time includes its connect): our
throughput is printed as a ratio of the first, our CPU per check as a multiple of both (E20
point 3: within 3x of raw). Then the recording phase (`checks.record_message` per message of
25 requests and `checks.update_heads` per batch of 10 messages, as `process_batch` runs them:
minute items, shard heads, evaluator) on moto in-process, which is dominated by moto's own
CPU, so read its figures as "AWS calls / writes per result" more than as speed.

Each measurement runs in a fresh child process, so CPU time and peak memory are its own.
Usage: python bench/checks.py [--quick] [--json out.json]
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import parse_args, finish, use_offline_env  # noqa: E402
from common.target import raw_get_all, start_target, wait_for_port  # noqa: E402

WARMUP = 100


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _monitor_items(n: int, url: str) -> list:
    from datetime import datetime, timezone

    from chalicelib.monitors.models import monitor_defaults_dump, parse_monitor
    from chalicelib.storage.monitors import MonitorItem

    body = parse_monitor({"name": "bench", "type": "Website", "url": url, "regions": ["UsEast"],
                          "intervalSeconds": 60})
    config = json.dumps(monitor_defaults_dump(body), sort_keys=True)
    now = datetime.now(timezone.utc)
    return [MonitorItem("acc_bench", f"mon_{i:06d}", name=f"bench {i}", type="Website",
                        config_json=config, regions=["UsEast"], created_at=now, updated_at=now)
            for i in range(n)]


def _jobs(items: list, slot: int) -> list:
    from chalicelib.bus.dispatch import CheckRequest

    return [(CheckRequest(m.account_id, m.monitor_id, slot, "UsEast"), m) for m in items]


def _allow_private(concurrency: int | None) -> None:
    import dataclasses

    from chalicelib.checks import runner as checks

    checks.settings = dataclasses.replace(checks.settings, allow_private_targets=True)
    if concurrency:   # an experiment only: the shipped constant is not changed
        checks.CONCURRENCY = concurrency


def _measure(run) -> dict:
    rss_before = _current_rss_mb()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    outcome = run()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": _rss_mb(),
            "rss_before_mb": rss_before, **outcome}


def child_enori(n: int, port: int, path: str, concurrency: int | None) -> dict:
    import asyncio

    from chalicelib.kernel.netguard import make_ssl_context
    from chalicelib.checks import runner as checks

    _allow_private(concurrency)
    url = f"http://127.0.0.1:{port}{path}"
    asyncio.run(checks.run_jobs(_jobs(_monitor_items(WARMUP, url), 60)))   # imports, caches
    pairs = _jobs(_monitor_items(n, url), 120)

    def run() -> dict:
        ran = asyncio.run(checks.run_jobs(pairs))
        failed = [r.result for r in ran if not r.result.ok]
        return {"checks": len(ran), "false_failures": len(failed),
                "first_error": f"{failed[0].error_code}: {failed[0].error}" if failed else None}

    figures = _measure(run)
    t0 = time.perf_counter()
    for _ in range(5):
        make_ssl_context()
    figures["ssl_context_ms"] = (time.perf_counter() - t0) / 5 * 1000
    figures["concurrency"] = checks.CONCURRENCY
    return figures


def child_raw(n: int, port: int, path: str, concurrency: int, keepalive: bool = True) -> dict:
    import asyncio

    asyncio.run(raw_get_all(port, path, WARMUP, concurrency, keepalive=keepalive))

    def run() -> dict:
        ok, errors = asyncio.run(raw_get_all(port, path, n, concurrency, keepalive=keepalive))
        return {"checks": ok + len(errors), "false_failures": len(errors),
                "first_error": errors[0] if errors else None}

    return {**_measure(run), "concurrency": concurrency}


def child_record(n: int) -> dict:
    """Recording phase on moto: N results of monitors numbered 0..N-1 (N/100 result shards),
    in messages as the dispatcher packs them and batches of 10 messages; a first round
    (Pending -> Up transitions, the heads' first write) and a steady-state round (same hour,
    no transition)."""
    from datetime import datetime, timezone

    from moto import mock_aws

    from common.awscount import AwsCounter
    from common.moto_env import create_everything

    with mock_aws():
        from chalicelib.accounts.service import create_account
        from chalicelib.checks.family import CheckResult
        from chalicelib.kernel.clock import FakeClock
        from chalicelib.kernel.runtime import runtime
        from chalicelib.bus.dispatch import JOBS_PER_MESSAGE, pack
        from chalicelib.storage.monitors import MonitorItem
        from chalicelib.storage.result_batches import register_shard, shard_of
        from chalicelib.checks import worker as checks

        create_everything()
        clock = runtime.clock = FakeClock(datetime(2026, 3, 24, 10, 0, 5, tzinfo=timezone.utc))
        account = create_account("bench", "Business", clock.now(), extra_monitors=n)
        items = _monitor_items(n, "http://127.0.0.1:9/")
        for seq, item in enumerate(items):
            item.account_id, item.result_seq = account.account_id, seq
            register_shard(shard_of(account.account_id, seq)[0], account.account_id)
        with MonitorItem.batch_write() as batch:
            for item in items:
                batch.save(item)
        ok = CheckResult(ok=True, response_time_ms=3, status_code=200,
                         details={"finalUrl": "http://127.0.0.1:9/", "redirects": 0})
        retention = 90
        rounds = {}
        for name, slot in (("first", 1_774_346_460), ("steady", 1_774_346_520)):
            # As the worker loads them for each batch (`load_monitors`): their current status.
            by_id = {m.monitor_id: m for m in MonitorItem.batch_get(
                [(m.account_id, m.monitor_id) for m in items])}
            messages = pack([job for job, _ in _jobs(items, slot)], JOBS_PER_MESSAGE)
            finished = {id(job): checks.Ran(job, by_id[job.monitor_id], ok)
                        for message in messages for job in message}

            def record_all() -> dict:
                for start in range(0, len(messages), 10):   # an SQS batch: 10 messages
                    written = [w for message in messages[start:start + 10]
                               for w in checks.record_message(message, finished,
                                                              lambda _: retention, clock.now())]
                    checks.update_heads(written)
                return {}

            counter = AwsCounter()
            with counter.installed():
                figures = _measure(record_all)
            calls = counter.snapshot()["calls"]
            writes = sum(count for name, count in calls.items()
                         if name.split(":")[-1] in ("PutItem", "UpdateItem", "DeleteItem",
                                                    "BatchWriteItem", "TransactWriteItems"))
            figures.update(records=n, aws_calls_per_result=counter.total() / n,
                           writes_per_result=writes / n,
                           wcu_per_result=counter.wcu / n, rcu_per_result=counter.rcu / n,
                           calls=counter.snapshot()["calls"])
            rounds[name] = figures
            clock.advance(60)
    return rounds


def _child(mode: str, *args) -> dict:
    command = [sys.executable, __file__, "--child", mode, *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"child {mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cpu_ms(figures: dict) -> float:
    return figures["cpu_s"] * 1000 / figures["checks"]


def _row(label: str, figures: dict, baseline: dict | None, per_connection: dict | None = None
         ) -> dict:
    """A printed row; beside a baseline, our throughput as a ratio of it and our CPU per check
    as a multiple of its (and of `per_connection`'s, the raw client with a connection per
    request, as the worker connects)."""
    rate = figures["checks"] / figures["wall_s"]
    row = {"label": label, "checks": figures["checks"], "checks_per_s": round(rate, 1),
           "cpu_ms_per_check": round(_cpu_ms(figures), 3),
           "peak_rss_mb": round(figures["peak_rss_mb"], 1),
           "rss_growth_mb": round(figures["peak_rss_mb"] - figures["rss_before_mb"], 1),
           "false_failures": figures["false_failures"], "first_error": figures["first_error"],
           "concurrency": figures["concurrency"]}
    if baseline is not None:
        row["ratio_to_raw"] = round(rate / (baseline["checks"] / baseline["wall_s"]), 3)
        row["cpu_x_raw"] = round(_cpu_ms(figures) / _cpu_ms(baseline), 1)
    if per_connection is not None:
        row["cpu_x_raw_per_connection"] = round(_cpu_ms(figures) / _cpu_ms(per_connection), 1)
    if "ssl_context_ms" in figures:
        row["ssl_context_ms"] = round(figures["ssl_context_ms"], 1)
    print(f"  {label:<48} {rate:8.0f} checks/s  {row['cpu_ms_per_check']:6.3f} CPU ms/check  "
          f"peak {row['peak_rss_mb']:6.1f} MB  false failures {row['false_failures']}"
          + (f"  ratio to raw {row['ratio_to_raw']:.2f}  CPU {row['cpu_x_raw']}x raw" if baseline
             else "")
          + (f", {row['cpu_x_raw_per_connection']}x raw per connection" if per_connection
             else ""), flush=True)
    if row["first_error"]:
        print(f"    first error: {row['first_error']}")
    return row


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv)
    sizes = [200, 1000] if args.quick else [1000, 5000]
    record_n = 100 if args.quick else 300
    from chalicelib.checks import runner as checks

    process, port = start_target()
    rows = []
    try:
        wait_for_port(port)
        print(f"target server pid {process.pid} on 127.0.0.1:{port}; worker CONCURRENCY="
              f"{checks.CONCURRENCY}", flush=True)
        for path, latency in (("/fast", 0), ("/slow", 50)):
            for n in sizes:
                raw = _child("raw", n, port, path, checks.CONCURRENCY)
                rows.append(_row(f"raw asyncio, {n} checks, {latency} ms", raw, None))
                raw1 = _child("raw", n, port, path, checks.CONCURRENCY, 0)
                rows.append(_row(f"raw asyncio per connection, {n} checks, {latency} ms", raw1,
                                 None))
                ours = _child("enori", n, port, path, 0)
                rows.append(_row(f"run_jobs, {n} checks, {latency} ms", ours, raw, raw1))
        # Is the pool size the bottleneck? The same worker with CONCURRENCY patched in the child
        # (the shipped constant is not changed), 1,000 checks, beside the raw client at that size.
        n = sizes[0]
        # 16, 64, 128 and 250 at 50 ms: a check's CPU stays flat while throughput grows
        # (`runner.concurrency_for`).
        for path, latency, concurrency in (("/fast", 0, 10), ("/slow", 50, 16), ("/slow", 50, 64),
                                           ("/slow", 50, 128), ("/slow", 50, 250)):
            raw = _child("raw", n, port, path, concurrency)
            rows.append(_row(f"raw asyncio, {n} checks, {latency} ms, conc {concurrency}", raw, None))
            ours = _child("enori", n, port, path, concurrency)
            rows.append(_row(f"run_jobs, {n} checks, {latency} ms, CONCURRENCY={concurrency}*",
                             ours, raw))
    finally:
        process.terminate()
        process.join(10)
    ceiling = checks.CONCURRENCY / 0.050
    print(f"  ceiling at CONCURRENCY={checks.CONCURRENCY} and 50 ms: {ceiling:.0f} checks/s")
    record = _child("record", record_n)
    for name, figures in record.items():
        rate = figures["records"] / figures["wall_s"]
        print(f"  record phase ({name}, moto): {rate:7.0f} results/s  "
              f"{figures['cpu_s'] * 1000 / figures['records']:.2f} CPU ms/result  "
              f"{figures['aws_calls_per_result']:.2f} AWS calls/result  "
              f"{figures['writes_per_result']:.3f} writes/result  {figures['calls']}")
    result = {"rows": rows, "ceiling_checks_per_s_at_50ms": ceiling,
              "record_phase": {k: {"results_per_s": round(v["records"] / v["wall_s"], 1),
                                   "cpu_ms_per_result": round(v["cpu_s"] * 1000 / v["records"], 2),
                                   "aws_calls_per_result": round(v["aws_calls_per_result"], 2),
                                   "writes_per_result": round(v["writes_per_result"], 3),
                                   "wcu_per_result": round(v["wcu_per_result"], 2),
                                   "rcu_per_result": round(v["rcu_per_result"], 2),
                                   "calls": v["calls"], "results": v["records"]}
                               for k, v in record.items()}}
    finish(args, result)
    return result


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        use_offline_env()
        mode, rest = sys.argv[2], sys.argv[3:]
        if mode == "enori":
            out = child_enori(int(rest[0]), int(rest[1]), rest[2], int(rest[3]) or None)
        elif mode == "raw":
            out = child_raw(int(rest[0]), int(rest[1]), rest[2], int(rest[3]),
                            keepalive=rest[4:] != ["0"])
        else:
            out = child_record(int(rest[0]))
        print(json.dumps(out, default=str))
    else:
        use_offline_env()
        main()
