"""Pings on the REAL local stack beside a raw baseline on the same DynamoDB Local (E20).

Enori: `GET /ping/{token}` through the local edge (gunicorn, ENORI_API_WORKERS=2 as `make run`),
at 20 and 100 keep-alive connections, over many tokens (50 Job monitors: the per-token limit
never interferes) and over one token (past 300 a minute it answers 429, which is counted apart:
only 200s are stored pings). Raw: a minimal asyncio HTTP server in its own process answering
each ping after ONE PutItem on the same DynamoDB Local (boto3 on a thread pool), loaded the same
way in the same run. Figures: stored pings/s, p50/p99 of the answers, and the ratio to raw,
after both are loaded in turns until DynamoDB Local's JIT is mostly done (`warm_jvm`: it
compiles its hot paths in the first tens of seconds, and the first server timed paid it), each
phase's DynamoDB Local CPU per stored ping by thread kind (its JIT compilers, SQLite's writer
queue, its HTTP threads: `common.jvm`).
Then `GET /api/monitors` (50 monitors) at 20 connections, after a second's warm-up, beside the
raw server answering one Query of 50 items as JSON, and the floor of any authenticated read: `GET /api/account` (the
edge, the key and one GetItem) at 20 connections. The 20 list clients poll one account's list
with one query, and each API process shares one read among the identical lists that wait
together (`kernel.collapse`: every answer from a read started after its request arrived): the
figure is that of many clients polling one list, about one read per process per round, while
the raw server reads once per request. Last, every acknowledged ping is looked for in
the pings' history (each 200 must be stored). Then the list of an account of 500 Job
monitors (hourly, never pinged: Pending), the API's first page of 50 (the Query reads all 500),
beside the raw server's one Query of 500 items: the account and its key are made on the
stack's DynamoDB Local by a child (`capacity.job_account`: past what the local account's plan
and the API's create tier allow). `--list-only`: the list phases and the floor only (the jobs
are still pinged first, so they are Up as in the full run).
Usage: python bench/pings.py [--quick] [--list-only] [--json out.json]
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import finish, parse_args, percentile  # noqa: E402
from common.jvm import jvm_cpu, jvm_pid, ms_per  # noqa: E402

TOKENS = 50
LIST_SIZE = 50     # GET /api/monitors lists the 50 Job monitors
BIG_LIST_SIZE = 500   # and a page of an account of 500 Job monitors
BIG_LIST_TOKEN = "list-big"
RAW_TABLE = "bench-raw-pings"


async def _one_connection(port: int, paths: list[str], until: float, offset: int,
                          latencies: list[float], statuses: Counter,
                          limit: float = float("inf"), key: str | None = None) -> None:
    extra = f"X-API-Key: {key}\r\n" if key else ""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = offset
    try:
        while time.perf_counter() < until and sent - offset < limit:
            path = paths[sent % len(paths)]
            sent += 1
            start = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            statuses[status] += 1
            if status == 200:
                latencies.append(time.perf_counter() - start)
            if b"connection: close" in head.lower():
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


def warm(port: int, paths: list[str], rounds: int = 2) -> int:
    """Ping every path `rounds` times (the first ping of a token reads its monitor and brings
    the job Up; steady pings are what the timed phases measure); how many were answered 200.
    Each round on new connections, each path on another one than the round before: a
    connection stays with one API process, so with one connection per path for every round a
    path taught only that process, and the timed phase paid each token's first read in the
    other one (about 50 full loads a phase)."""
    statuses: Counter = Counter()

    async def run(shift: int) -> None:
        async def one(chunk: list[str]) -> None:
            await _one_connection(port, chunk, float("inf"), 0, [], statuses, limit=len(chunk))
        chunks = [paths[(i + shift) % 10::10] for i in range(10)]
        await asyncio.gather(*(one(chunk) for chunk in chunks if chunk))

    for shift in range(rounds):
        asyncio.run(run(shift))
    return statuses[200]


def load(port: int, paths: list[str], connections: int, seconds: float,
         key: str | None = None) -> dict:
    """`connections` keep-alive connections sending GETs for `seconds`; what came back."""
    latencies: list[float] = []
    statuses: Counter = Counter()

    async def run() -> None:
        until = time.perf_counter() + seconds
        await asyncio.gather(*(_one_connection(port, paths, until, i, latencies, statuses,
                                               key=key) for i in range(connections)))

    started = time.perf_counter()
    asyncio.run(run())
    wall = time.perf_counter() - started
    return {"stored_per_s": round(statuses[200] / wall, 1),
            "p50_ms": round((percentile(latencies, 50) or 0) * 1000, 1),
            "p99_ms": round((percentile(latencies, 99) or 0) * 1000, 1),
            "ok": statuses[200], "statuses": dict(statuses)}


# --- the raw baseline: a minimal asyncio server, one PutItem per ping ----------------------

def raw_server(endpoint: str, port: int) -> None:
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    import boto3
    from botocore.config import Config

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local",
                          config=Config(max_pool_connections=32))
    pool = ThreadPoolExecutor(32)

    def put(token: str) -> None:
        client.put_item(TableName=RAW_TABLE, Item={
            "token": {"S": token}, "key": {"S": f"{time.time_ns()}#{uuid.uuid4().hex[:8]}"}})

    def query(token: str, count: int) -> bytes:
        items = client.query(TableName=RAW_TABLE, KeyConditionExpression="#t = :t",
                             ExpressionAttributeNames={"#t": "token"},
                             ExpressionAttributeValues={":t": {"S": token}}, Limit=count,
                             ConsistentRead=True)["Items"]
        return json.dumps({"items": [{k: v["S"] for k, v in i.items()} for i in items],
                           "totalCount": len(items)}).encode()

    async def handle(reader, writer):
        loop = asyncio.get_running_loop()
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                token = path.rsplit("/", 1)[-1]
                if path.startswith("/list/"):        # one Query of LIST_SIZE items, as JSON
                    body = await loop.run_in_executor(pool, query, token, LIST_SIZE)
                elif path.startswith("/list-big/"):  # one Query of BIG_LIST_SIZE items
                    body = await loop.run_in_executor(pool, query, BIG_LIST_TOKEN,
                                                      BIG_LIST_SIZE)
                else:                                # a ping: one PutItem
                    await loop.run_in_executor(pool, put, token)
                    body = b"OK"
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
        print("ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_raw(endpoint: str) -> tuple[subprocess.Popen, int]:
    import boto3

    from local.dynamodb_local import free_port

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    if RAW_TABLE not in client.list_tables()["TableNames"]:
        client.create_table(TableName=RAW_TABLE, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "token", "AttributeType": "S"},
                                                  {"AttributeName": "key", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "token", "KeyType": "HASH"},
                                       {"AttributeName": "key", "KeyType": "RANGE"}])
        for start in range(0, BIG_LIST_SIZE, 25):   # what the raw big list reads
            client.batch_write_item(RequestItems={RAW_TABLE: [
                {"PutRequest": {"Item": {"token": {"S": BIG_LIST_TOKEN},
                                         "key": {"S": f"{i:06d}#{'x' * 120}"}}}}
                for i in range(start, min(start + 25, BIG_LIST_SIZE))]})
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--raw", endpoint, str(port)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process, port


# --- the run -------------------------------------------------------------------------------

# Before any phase is timed, both servers are loaded in turns until DynamoDB Local's JIT
# compilers take at most this share of its CPU (or for WARM_UP_MAX_SECONDS, twice that without
# --quick): it compiles its hot paths in the first tens of seconds of load (its compiler
# threads: 2.7 ms of CPU a stored ping in the first 5 s, 0.8 ms 25 s later, on this machine),
# and the first timed phase, enori's, paid that while the raw server, timed after it on the same
# JVM, found it compiled.
WARM_UP_JIT_SHARE = 0.10
WARM_UP_MAX_SECONDS = 30
WARM_UP_STEP_SECONDS = 2


def warm_jvm(jvm: int | None, port: int, raw_port: int, paths: list[str],
             max_seconds: float) -> tuple[dict, int]:
    """Load enori then the raw server, WARM_UP_STEP_SECONDS each, until the JIT's share of the
    JVM's CPU over a step pair is at most WARM_UP_JIT_SHARE; (how long and the last share, the
    pings enori acknowledged meanwhile)."""
    started, acknowledged, share = time.perf_counter(), 0, 1.0
    while time.perf_counter() - started < max_seconds:
        before = jvm_cpu(jvm)
        acknowledged += load(port, paths, 20, WARM_UP_STEP_SECONDS)["ok"]
        load(raw_port, paths, 20, WARM_UP_STEP_SECONDS)
        after = jvm_cpu(jvm)
        spent = sum(after.values()) - sum(before.values())
        share = (after["jit"] - before["jit"]) / spent if spent > 0 else 0.0
        if share <= WARM_UP_JIT_SHARE:
            break
    return {"seconds": round(time.perf_counter() - started), "jit_share": share}, acknowledged


# Healthchecks v3.9 (gunicorn, 2 workers, SQLite) measured on this machine when it was quiet,
# pinging many checks at 20 connections (issue 23, E20): a reference, not run here. The goal is
# 1.5 times it.
HEALTHCHECKS_PINGS_PER_S = (250, 264)
GOAL_PINGS_PER_S = 400


def healthchecks_line(rows: list[dict]) -> str:
    [ours] = [r["enori"]["stored_per_s"] for r in rows
              if r["connections"] == 20 and r["tokens"] != "1 token"]
    low, high = HEALTHCHECKS_PINGS_PER_S
    return (f"  reference: Healthchecks {low}-{high} pings/s at 20 connections (issue 23, quiet "
            f"machine); enori {ours:.1f} = {ours / high:.2f}-{ours / low:.2f}x of it; goal "
            f"{GOAL_PINGS_PER_S}/s (1.5x)")


def stored_pings(stack, key: str, monitors: list[dict]) -> int:
    total = 0
    for monitor in monitors:
        status, body = stack.request("GET", f"/api/monitors/{monitor['id']}/pings?limit=1",
                                     key=key)
        total += body["totalCount"]
    return total


def list_phase(port: int, key: str, raw_port: int, raw_path: str, label: str, raw_items: int,
               seconds: float) -> dict:
    """`GET /api/monitors` with `key` at 20 connections beside the raw server's `raw_path` (one
    Query of `raw_items`). A second's warm-up first, as the pings get: each API process's first
    lists read what it then remembers (the jobs' status changes); the steady list is measured."""
    load(port, ["/api/monitors"], 20, 1, key=key)
    ours = load(port, ["/api/monitors"], 20, seconds, key=key)
    base = load(raw_port, [raw_path], 20, seconds)
    row = {"enori": ours, "raw": base, "ratio": round(ours["stored_per_s"] / base["stored_per_s"], 2)}
    print(f"  GET /api/monitors ({label}), 20 conns: enori {ours['stored_per_s']:6.1f}/s p50 "
          f"{ours['p50_ms']:6.1f} p99 {ours['p99_ms']:7.1f} ms {ours['statuses']} | raw one Query "
          f"of {raw_items} {base['stored_per_s']:6.1f}/s p50 {base['p50_ms']:6.1f} p99 "
          f"{base['p99_ms']:7.1f} ms | ratio {row['ratio']}", flush=True)
    return row


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv, add_arguments=lambda parser: parser.add_argument(
        "--list-only", action="store_true", help="only GET /api/monitors and its floor"))
    seconds = 5 if args.quick else 10
    from capacity import job_account
    from common.stack import create_monitors, make_keys, start_stack, stop_stack

    # Reads are 200 a minute per key: scaled up so the list phase measures latency, not 429s.
    stack, tmp = start_stack(env={"ENORI_API_WORKERS": "2", "ENORI_DYNAMODB_JVM_OPTS": "",
                                  "ENORI_RATE_LIMIT_SCALE": "100"})
    raw = None
    rows = []
    try:
        keys = make_keys(stack, TOKENS // 10)
        jobs = create_monitors(stack, keys, [
            {"name": f"job {i}", "type": "Job", "periodSeconds": 3600, "gracePeriodSeconds": 60}
            for i in range(TOKENS)])
        many = [f"/ping/{job['pingToken']}" for job in jobs]
        acknowledged = warm(stack.port, many, rounds=6)   # both API processes learn each token

        endpoint = (stack.data_dir / "dynamodb-endpoint").read_text().strip()
        raw, raw_port = start_raw(endpoint)
        warm(raw_port, many)
        jvm = jvm_pid(stack.data_dir)
        warmed, acknowledged_warming = warm_jvm(jvm, stack.port, raw_port, many,
                                                WARM_UP_MAX_SECONDS * (1 if args.quick else 2))
        acknowledged += acknowledged_warming
        # The warm-up pinged every token up to ~5 a second: the timed phases start in a fresh
        # per-token window (fixed minutes, `ratelimits.window_start`), so the limit never
        # interferes with the many-token phases, and the one-token phases fill it as before.
        time.sleep(60 - time.time() % 60 + 0.5)
        print(f"  warm-up: {warmed['seconds']} s of load until DynamoDB Local's JIT compilers "
              f"took {warmed['jit_share']:.0%} of its CPU, then the next minute", flush=True)
        # The many-token phases first: the one-token phases fill that token's window (300 a
        # minute), and a many-token phase after them had its pings of that token refused (17
        # 429s at 100 connections): right for the limit, wrong for the figure. Each one-token
        # phase pings a token of its own: sharing one, the second found its window full and
        # stored nothing.
        phases = [] if args.list_only else [
            *((connections, f"{TOKENS} tokens", many) for connections in (20, 100)),
            *((connections, "1 token", many[i:i + 1]) for i, connections in enumerate((20, 100)))]
        for connections, label, paths in phases:
            before = jvm_cpu(jvm)
            ours = load(stack.port, paths, connections, seconds)
            ours["jvm_ms_per_stored"] = ms_per(before, jvm_cpu(jvm), ours["ok"])
            acknowledged += ours["ok"]
            before = jvm_cpu(jvm)
            base = load(raw_port, paths, connections, seconds)
            base["jvm_ms_per_stored"] = ms_per(before, jvm_cpu(jvm), base["ok"])
            ratio = round(ours["stored_per_s"] / base["stored_per_s"], 2) \
                if base["stored_per_s"] else None
            rows.append({"connections": connections, "tokens": label, "enori": ours,
                         "raw": base, "ratio": ratio})
            print(f"  {connections:3d} conns, {label:<10} enori {ours['stored_per_s']:7.1f}"
                  f" stored/s p50 {ours['p50_ms']:6.1f} p99 {ours['p99_ms']:7.1f} ms "
                  f"{ours['statuses']} | raw {base['stored_per_s']:7.1f}/s p50 "
                  f"{base['p50_ms']:6.1f} p99 {base['p99_ms']:7.1f} ms | ratio {ratio}",
                  flush=True)
            if ours["ok"] and base["ok"]:
                print(f"      DynamoDB Local CPU ms per stored ping: enori "
                      f"{ours['jvm_ms_per_stored']} | raw {base['jvm_ms_per_stored']}",
                      flush=True)
        list_row = list_phase(stack.port, keys[0], raw_port,
                              f"/list/{many[0].rsplit('/', 1)[-1]}", f"{LIST_SIZE} monitors",
                              LIST_SIZE, seconds)
        floor = load(stack.port, ["/api/account"], 20, seconds, key=keys[1])
        list_row["floor"] = floor
        print(f"  GET /api/account (the floor: edge, key, one GetItem), 20 conns: "
              f"{floor['stored_per_s']:6.1f}/s p50 {floor['p50_ms']:6.1f} p99 "
              f"{floor['p99_ms']:7.1f} ms {floor['statuses']}", flush=True)
        list_row["big"] = list_phase(stack.port, job_account(stack, BIG_LIST_SIZE), raw_port,
                                     "/list-big/", f"the first 50 of {BIG_LIST_SIZE} monitors",
                                     BIG_LIST_SIZE, seconds)
        if rows:
            print(healthchecks_line(rows), flush=True)
        stored = stored_pings(stack, keys[0], jobs)
        print(f"  acknowledged with a 200: {acknowledged}; stored in the pings' history: "
              f"{stored}", flush=True)
    finally:
        if raw is not None:
            raw.terminate()
            raw.wait(10)
        stop_stack(stack, tmp)
    result = {"rows": rows, "list": list_row, "seconds_per_phase": seconds, "warm_up": warmed,
              "healthchecks_pings_per_s": HEALTHCHECKS_PINGS_PER_S,
              "acknowledged": acknowledged, "stored": stored}
    finish(args, result)
    return result


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--raw":
        raw_server(sys.argv[2], int(sys.argv[3]))
    else:
        from common import use_offline_env

        use_offline_env()
        main()
