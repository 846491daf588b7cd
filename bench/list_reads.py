"""The monitor list's state reads, one computation at a time, on the real DynamoDB Local (E20).

The list of 50 Job monitors reads their run-time states and their evaluator states. Read two
ways on the same data, alternately, in blocks: `batch` = ONE BatchGetItem of 100 keys over both
tables (what the list does: `jobs.with_job_and_evaluator_states`), `query` = a BatchGetItem of
the 50 job states and ONE Query of the account's evaluator states (their table is keyed by
account; the job states' is not). Figures per read: DynamoDB Local's CPU (the JVM's, from
/proc), this process's CPU, and the wall time. With 20 clients the list is CPU-bound and shares
one read among the waiting callers of a process (`kernel.collapse`), so the CPU of one read is
what a list's cost comes down to. Measured (E20, shared machine): the Query saves DynamoDB Local
about 1.6 ms of CPU a read and the second call costs this process about 0.9 ms more (botocore's
fixed cost per call): no gain in all, so the list keeps its one BatchGetItem.
`monitors`: the list's Query of the account's 50 monitors (`list_monitors_listed`), for scale
and for the CPU of building its items (`storage.base.read_item`; run this file in a tree
before it to compare).
`--parts`: also the job states' BatchGetItem alone (`jobs`), the evaluator states' Query alone
(`states_query`) and their BatchGetItem alone (`states_batch`).
Usage: python bench/list_reads.py [--quick] [--parts] [--json out.json]
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import finish, parse_args  # noqa: E402

JOBS = 50


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _jvm_pid() -> int:
    [pid] = [p for p in _descendants(os.getpid())
             if b"java" in Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")[0]]
    return pid


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv, add_arguments=lambda parser: parser.add_argument(
        "--parts", action="store_true", help="also each table's read alone"))
    blocks, per_block = (6, 20) if args.quick else (10, 40)
    from common.stack import create_monitors, make_keys, start_stack, stop_stack

    stack, tmp = start_stack(env={"ENORI_API_WORKERS": "1", "ENORI_DYNAMODB_JVM_OPTS": ""})
    try:
        keys = make_keys(stack, JOBS // 10)
        jobs = create_monitors(stack, keys, [
            {"name": f"job {i}", "type": "Job", "periodSeconds": 3600, "gracePeriodSeconds": 60}
            for i in range(JOBS)])
        for job in jobs:         # Up: each job gets an evaluator state
            stack.request("GET", f"/ping/{job['pingToken']}")
        _, account = stack.request("GET", "/api/account", key=keys[0])
        import boto3

        endpoint = (stack.data_dir / "dynamodb-endpoint").read_text().strip()
        tables = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1"
                              ).list_tables()["TableNames"]
        [monitors_table] = [t for t in tables if t.endswith("-monitors")]
        os.environ.update(ENORI_DYNAMODB_ENDPOINT=endpoint,
                          ENORI_RESOURCE_PREFIX=monitors_table[:-len("-monitors")])
        from chalicelib.storage import job_states, monitor_states
        from chalicelib.storage.monitor_states import MonitorStateItem
        from chalicelib.storage.base import batch_get_across

        account_id, ids = account["id"], [job["id"] for job in jobs]

        def batch() -> int:
            shown, evaluated = batch_get_across([job_states.shown_read(ids),
                                                 monitor_states.states_read(account_id, ids)])
            return len(shown) + len(evaluated)

        def account_states() -> int:
            """The account's evaluator states: one consistent Query of its partition."""
            return len(list(MonitorStateItem.query(account_id, consistent_read=True)))

        def query() -> int:
            return len(job_states.get_states(ids)) + account_states()

        from chalicelib.storage import monitors as monitor_store

        ways = {"batch": batch, "query": query,
                "monitors": lambda: len(monitor_store.list_monitors_listed(account_id))}
        if args.parts:
            ways.update(
                jobs=lambda: len(job_states.get_states(ids)),
                states_query=account_states,
                states_batch=lambda: len(batch_get_across(
                    [monitor_states.states_read(account_id, ids)])[0]))
        assert batch() == query() == 2 * JOBS == 2 * ways["monitors"](), (batch(), query())
        for way in ways.values():          # warm both paths (connections, the JVM's JIT)
            for _ in range(per_block):
                way()
        jvm = _jvm_pid()
        samples: dict[str, dict[str, list[float]]] = {
            way: {"jvm_ms": [], "python_ms": [], "wall_ms": []} for way in ways}
        for block in range(blocks):
            order = list(ways)
            for way in (order if block % 2 == 0 else order[::-1]):
                jvm_before, cpu_before, wall_before = \
                    _cpu_seconds(jvm), time.process_time(), time.perf_counter()
                for _ in range(per_block):
                    ways[way]()
                figures = samples[way]
                figures["jvm_ms"].append((_cpu_seconds(jvm) - jvm_before) * 1000 / per_block)
                figures["python_ms"].append((time.process_time() - cpu_before) * 1000 / per_block)
                figures["wall_ms"].append((time.perf_counter() - wall_before) * 1000 / per_block)
        result = {way: {name: {"median": round(statistics.median(values), 2),
                               "min": round(min(values), 2), "max": round(max(values), 2)}
                        for name, values in figures.items()}
                  for way, figures in samples.items()}
        for way, figures in result.items():
            print(f"  {way:<5} per read: " + ", ".join(
                f"{name} {f['median']:.2f} (min {f['min']:.2f}, max {f['max']:.2f})"
                for name, f in figures.items()), flush=True)
    finally:
        stop_stack(stack, tmp)
    result["blocks"], result["reads_per_block"] = blocks, per_block
    finish(args, result)
    return result


if __name__ == "__main__":
    from common import use_offline_env

    use_offline_env()
    main()
