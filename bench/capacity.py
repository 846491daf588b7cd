"""Capacity (E20 point 3): how many Website monitors at 60 s the REAL local stack checks on time
(scheduler -> region queue -> worker -> minute items), against one local target.

Per size N, on a fresh stack (`common.stack.start_stack`, the product's real schedules: the
scheduler ticks once a minute, DynamoDB Local with the JVM's defaults, as `make run`):
1. One local HTTP target in its own process (`common.target`: `GET /fast` answers at once).
2. N Website monitors at 60 s, regions ["UsEast"], on `http://127.0.0.1:<port>/fast`, created
   by the product's own `monitors.service.create_monitor` (numbering, phase, scheduler index
   and families all real) in a child process pointed at the stack's DynamoDB Local (the
   endpoint the stack writes to `<data dir>/dynamodb-endpoint`, its key secret and moto, set
   by `local.stack.export_storage_settings` as `python -m local key create` does). Not through
   the API: its create tier (10 an hour per key) and the plan's limit make thousands of creates
   impractical. The fleet is split over accounts of at most ACCOUNT_SIZE monitors (Business,
   `extra_monitors` = their count), one creating thread per account: the creates of one
   account serialize on its usage counter (a transaction on the account item each); up to
   CREATE_THREADS accounts at a time.
3. The stack checks them; the first WARM_UP_SECONDS after the creates are skipped, then the
   next whole minutes are measured (3; --quick 2). GRACE_SECONDS after the last one, a child
   reads every result shard's minute items of the measured minutes: one Query of the shard
   registry, then one Query per shard (`result_batches.minutes_between`; no Scan). Each
   entry has its slot and checked_at (epoch seconds): lag = checked_at - slot; a monitor
   without an entry for a measured minute by then is a missed slot (each is due once a
   minute; a result later than that is as good as missed for a 60 s monitor).
   checked_at is taken when the worker records its batch, so the lag includes the check, the
   record phase and every wait before them (whole seconds: the item keeps seconds).
4. Beside them: the CPU of the stack's process tree over the measured minutes (/proc: the
   stack's Python process, which runs the pump, scheduler, worker and moto; DynamoDB Local's
   JVM; the API's processes) per check, the whole machine's busy cores beside it (other work
   shows there), the warnings the stack logged, the checks each scheduler tick sent, and the
   region's check queue sampled every QUEUE_SAMPLE_SECONDS (`QueueWatch`), to say what backs
   up when a size does not hold.

Sizes: --quick 500 and 1,000; full 1,000, 3,000, 5,000, and 10,000 if 5,000 held; or --sizes.
Usage: python bench/capacity.py [--quick] [--json out.json] [--sizes N ...] [--minutes M]
"""
from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import finish, parse_args, percentile  # noqa: E402

REGION = "UsEast"
ACCOUNT_SIZE = 1_000          # monitors per account: 10 full result shards
CREATE_THREADS = 8             # at most: one per account
WARM_UP_SECONDS = 120
GRACE_SECONDS = 30            # after the last measured minute, before its results are read
MAX_P99_LAG_S = 5
QUEUE_SAMPLE_SECONDS = 10
QUICK_SIZES, FULL_SIZES, STRETCH = [500, 1_000], [1_000, 3_000, 5_000], 10_000
CHILD = "--child"             # the child's modes: `create`, `read` and `jobs` (see `child_main`)
MOTO_LINE = re.compile(r"moto server \(SQS, SNS, SES\) on (http://127\.0\.0\.1:\d+)")


# --- the stack's CPU, from /proc -------------------------------------------------------------

def process_tree_cpu(root: int) -> dict[int, tuple[str, float]]:
    """pid -> (command, CPU seconds so far) of `root` and every process below it."""
    ticks = os.sysconf("SC_CLK_TCK")
    parent_of, cpu_of = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue      # ended meanwhile
        fields = text[text.rindex(")") + 2:].split()   # from field 3 (state) on: ppid is 4
        pid = int(stat.parent.name)
        parent_of[pid] = int(fields[1])
        cpu_of[pid] = (int(fields[11]) + int(fields[12])) / ticks   # utime + stime
    tree, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        if pid in cpu_of:
            tree[pid] = (_command(pid), cpu_of[pid])
            frontier += [child for child, parent in parent_of.items() if parent == pid]
    return tree


def _command(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [w.decode(errors="replace") for w in words if w]
    if words and words[0].endswith("java"):
        return "java (DynamoDB Local)"
    return " ".join(Path(words[0]).name if i == 0 else w for i, w in enumerate(words[:4]))


def machine_busy() -> float:
    """CPU seconds every core of the machine has spent busy since boot (/proc/stat)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]     # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_between(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
                ) -> dict[str, float]:
    """CPU seconds spent between two snapshots, per command (processes alive at both)."""
    spent: dict[str, float] = {}
    for pid, (command, cpu) in after.items():
        if pid in before:
            spent[command] = spent.get(command, 0.0) + cpu - before[pid][1]
    return spent


# --- the figures (pure) ----------------------------------------------------------------------

def summarize(expected: list[tuple[str, int]], entries: list[list], minutes: range) -> dict:
    """Lag and missed slots of the monitors `expected` ((shard, index) each, due once a minute)
    over the measured `minutes`, from minute-item entries [shard, index, slot, checked_at]. A
    slot recorded twice (a redelivery) counts once, with its first record."""
    wanted = set(expected)
    lag_of: dict[tuple[str, int, int], int] = {}
    for shard, index, slot, checked_at in entries:
        key = (shard, index, slot // 60)
        if key[2] in minutes and (shard, index) in wanted and checked_at is not None:
            lag_of[key] = min(lag_of.get(key, checked_at - slot), checked_at - slot)
    lags = list(lag_of.values())
    due = len(wanted) * len(minutes)
    return {"due": due, "checked": len(lags),
            "checks_per_minute": round(len(lags) / len(minutes)),
            "p50_lag_s": percentile(lags, 50), "p99_lag_s": percentile(lags, 99),
            "max_lag_s": max(lags, default=None),
            "missed": due - len(lags), "missed_pct": round(100 * (due - len(lags)) / due, 2)}


def holds(row: dict) -> bool:
    return "error" not in row and row["missed"] == 0 and row["p99_lag_s"] is not None \
        and row["p99_lag_s"] <= MAX_P99_LAG_S


# --- one size on a fresh stack ---------------------------------------------------------------

def try_size(count: int, target_url: str, minutes: int) -> dict:
    """`measure_size`, or the error that stopped it (the other sizes still run)."""
    try:
        return measure_size(count, target_url, minutes)
    except Exception as exc:  # noqa: BLE001 - reported in the row and the figures
        print(f"  N={count:,}: FAILED: {type(exc).__name__}: {exc}", flush=True)
        return {"monitors": count, "error": f"{type(exc).__name__}: {exc}"}


def measure_size(count: int, target_url: str, minutes: int) -> dict:
    from common.stack import start_stack, stop_stack

    t0 = time.monotonic()
    # The product's schedules (not the tests' 10 s), the JVM's defaults (a long run, as
    # `make run`), one API worker (the API is idle here).
    stack, tmp = start_stack(env={"ENORI_LOCAL_RATE_SECONDS": "", "ENORI_DYNAMODB_JVM_OPTS": ""})
    try:
        print(f"  N={count:,}: stack up in {time.monotonic() - t0:.0f} s", flush=True)
        moto = _moto_endpoint(stack)
        t1 = time.monotonic()
        created = run_child(stack, moto, "create", str(count), target_url)
        expected = [tuple(pair) for pair in created["monitors"]]
        created_at = time.time()
        print(f"  N={count:,}: {len(expected):,} monitors in {created['accounts']} accounts, "
              f"{created['shards']} result shards, created in {time.monotonic() - t1:.0f} s",
              flush=True)
        first = math.ceil((created_at + WARM_UP_SECONDS) / 60)
        measured = range(first, first + minutes)
        queues = QueueWatch(moto)
        queues.until(measured.start * 60)
        cpu_before, machine_before = process_tree_cpu(stack.process.pid), machine_busy()
        queues.samples.clear()      # the measured minutes' only
        queues.until(measured.stop * 60)
        cpu_after, machine_after = process_tree_cpu(stack.process.pid), machine_busy()
        _sleep_until(measured.stop * 60 + GRACE_SECONDS)
        read = run_child(stack, moto, "read", str(measured.start), str(measured.stop - 1))
    finally:
        stop_stack(stack, tmp)
    row = {"monitors": count, "minutes": minutes, **summarize(expected, read["entries"], measured),
           "queue": queues.figures(), "log": log_counts(stack.lines)}
    spent = cpu_between(cpu_before, cpu_after)
    seconds = minutes * 60
    row["cpu_s"] = round(sum(spent.values()), 1)
    row["cpu_ms_per_check"] = round(1000 * row["cpu_s"] / row["checked"], 2) if row["checked"] else None
    row["cpu_pct_by_process"] = {command: round(100 * cpu / seconds) for command, cpu
                                 in sorted(spent.items(), key=lambda pair: -pair[1])}
    # The whole machine's busy cores beside the stack's: the rest is other work (the benches'
    # own target and sampling, and whatever else runs here).
    row["machine_busy_cores"] = round((machine_after - machine_before) / seconds, 2)
    row["stack_busy_cores"] = round(row["cpu_s"] / seconds, 2)
    print_row(row)
    return row


def _moto_endpoint(stack) -> str:
    for line in stack.lines:
        match = MOTO_LINE.search(line)
        if match:
            return match.group(1)
    raise RuntimeError("the stack did not log its moto endpoint")


class QueueWatch:
    """The region's check queue on the stack's moto, sampled every QUEUE_SAMPLE_SECONDS: visible
    = due and waiting for a worker (a backlog), in flight = taken by a worker, delayed = slots
    still to come (the scheduler sends a minute ahead)."""

    ATTRIBUTES = {"ApproximateNumberOfMessages": "visible",
                  "ApproximateNumberOfMessagesNotVisible": "in_flight",
                  "ApproximateNumberOfMessagesDelayed": "delayed"}

    def __init__(self, endpoint: str) -> None:
        import boto3

        self.sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                                aws_access_key_id="local", aws_secret_access_key="local")
        urls = self.sqs.list_queues().get("QueueUrls", [])
        self.url = next(u for u in urls if u.endswith(f"checks-{REGION.lower()}"))
        self.samples: list[dict[str, int]] = []

    def sample(self) -> None:
        answer = self.sqs.get_queue_attributes(QueueUrl=self.url,
                                               AttributeNames=list(self.ATTRIBUTES))
        self.samples.append({self.ATTRIBUTES[k]: int(v) for k, v in answer["Attributes"].items()
                             if k in self.ATTRIBUTES})

    def until(self, epoch: float) -> None:
        while time.time() < epoch:
            self.sample()
            _sleep_until(min(epoch, time.time() + QUEUE_SAMPLE_SECONDS))

    def figures(self) -> dict:
        visible = [s.get("visible", 0) for s in self.samples]
        return {"visible_max": max(visible, default=None), "visible": visible,
                "in_flight_max": max((s.get("in_flight", 0) for s in self.samples), default=None)}


def _sleep_until(epoch: float) -> None:
    while time.time() < epoch:
        time.sleep(min(5.0, epoch - time.time()))


def log_counts(lines: list[str]) -> dict:
    """What the stack logged that tells of trouble (warnings and errors, by logger), and the
    checks each scheduler tick sent, when (a tick sends the coming minute, and the minutes it
    missed if it is late)."""
    counts: dict[str, int] = {}
    ticks = []
    for line in lines:
        # "<time> LEVEL logger: ...": the stack's root handler writes the time alone, the
        # app's logger ("enori.*") the date and time.
        match = re.search(r"\d (WARNING|ERROR)\s+([\w.]+): ", line)
        if match:
            key = f"{match.group(1)} {match.group(2)}"
            counts[key] = counts.get(key, 0) + 1
        tick = re.search(r"(\d\d:\d\d:\d\d)\S* .*scheduler tick: .*?'minutes': (\d+), "
                         r"'jobs': (\d+)", line)
        if tick:
            ticks.append(f"{tick.group(1)} {tick.group(3)} jobs in {tick.group(2)} min")
    return {"problems": counts, "ticks": ticks}


def print_row(row: dict) -> None:
    q = row["queue"]
    print(f"  N={row['monitors']:,}: {row['checks_per_minute']:,} checks/min over "
          f"{row['minutes']} min, lag p50 {row['p50_lag_s']} s p99 {row['p99_lag_s']} s max "
          f"{row['max_lag_s']} s, missed {row['missed']:,} of {row['due']:,} "
          f"({row['missed_pct']} %); stack CPU {row['cpu_s']} s "
          f"({row['cpu_ms_per_check']} ms/check, {row['stack_busy_cores']} cores of the "
          f"machine's {row['machine_busy_cores']} busy): {row['cpu_pct_by_process']} % of a core; "
          f"{REGION} queue visible (waiting) max {q['visible_max']} in flight max "
          f"{q['in_flight_max']}, every {QUEUE_SAMPLE_SECONDS} s: {q['visible']}; "
          f"{row['log']}", flush=True)


def run_child(stack, moto: str, *args: str) -> dict:
    """This file in a child process on the stack's data dir (settings are read at import, and
    each size has its own stack); its answer is the last line it prints."""
    env = {**stack.env(), "ENORI_CAPACITY_MOTO": moto}
    done = subprocess.run([sys.executable, __file__, CHILD, str(stack.data_dir), *args],
                          env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the child: creates and reads on the stack's DynamoDB Local --------------------------------

def child_main(data_dir: str, mode: str, *args: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from local.stack import CHECK_REGIONS, DYNAMODB_ENDPOINT_FILE, export_storage_settings

    data = Path(data_dir)
    export_storage_settings((data / DYNAMODB_ENDPOINT_FILE).read_text().strip(), data)
    # As the stack exports them for itself (local/stack.py `_export_settings`).
    os.environ.update({"ENORI_AWS_ENDPOINT": os.environ["ENORI_CAPACITY_MOTO"],
                       "ENORI_ALLOW_PRIVATE_TARGETS": "1",
                       "ENORI_CHECK_REGIONS": CHECK_REGIONS})
    if mode == "create":
        answer = create_fleet(int(args[0]), args[1])
    elif mode == "jobs":
        answer = create_job_account(int(args[0]))
    else:
        answer = read_results(int(args[0]), int(args[1]))
    print(json.dumps(answer, separators=(",", ":")), flush=True)


def job_account(stack, count: int) -> str:
    """A full-access key of a new account holding `count` Job monitors, created on the stack's
    DynamoDB Local by a child (`create_job_account`): bench/pings.py lists 500 monitors, past
    what the local account's plan and the API's create tier allow."""
    return run_child(stack, _moto_endpoint(stack), "jobs", str(count))["key"]


def create_job_account(count: int) -> dict:
    """A Business account with `count` Job monitors (hourly, not pinged: Pending) and its key."""
    from chalicelib.accounts.keys import issue_key
    from chalicelib.accounts.service import create_account
    from chalicelib.kernel.clock import SystemClock
    from chalicelib.kernel.scopes import FULL_ACCESS
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor

    now = SystemClock().now()
    account = create_account("list bench", "Business", now, extra_monitors=count)
    for i in range(count):
        monitors.create_monitor(account, parse_monitor(
            {"name": f"job {i}", "type": "Job", "periodSeconds": 3600,
             "gracePeriodSeconds": 60}), now)
    return {"key": issue_key(account.account_id, "list bench", [FULL_ACCESS], now)[1]}


def create_fleet(count: int, url: str) -> dict:
    """`count` Website monitors at 60 s on `url`, in accounts of at most ACCOUNT_SIZE; their
    (result shard, index) pairs."""
    from chalicelib.accounts.service import create_account
    from chalicelib.kernel.clock import SystemClock
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor
    from chalicelib.storage.result_batches import shard_of

    clock = SystemClock()
    sizes = [min(ACCOUNT_SIZE, count - start) for start in range(0, count, ACCOUNT_SIZE)]

    def fill(numbered: tuple[int, int]) -> list[tuple[str, int]]:
        n, size = numbered
        account = create_account(f"capacity {n}", "Business", clock.now(), extra_monitors=size)
        made = []
        for i in range(size):
            item = monitors.create_monitor(account, parse_monitor(
                {"name": f"site {n}-{i}", "type": "Website", "url": url, "intervalSeconds": 60,
                 "regions": [REGION]}), clock.now())
            made.append(shard_of(item.account_id, int(item.result_seq)))
        return made

    with ThreadPoolExecutor(min(CREATE_THREADS, len(sizes))) as pool:
        pairs = [pair for made in pool.map(fill, enumerate(sizes)) for pair in made]
    return {"monitors": pairs, "accounts": len(sizes), "shards": len({s for s, _ in pairs})}


def read_results(first_minute: int, last_minute: int) -> dict:
    """Every shard's entries of the minutes: one Query of the registry, one per shard."""
    from chalicelib.storage import result_batches

    entries = []
    for shard in result_batches.all_shards():
        for item in result_batches.minutes_between(shard.key, first_minute, last_minute,
                                                   newest_first=False, region=REGION):
            entries += [[shard.key, r.index, r.slot, r.checked_at] for r in item.results()]
    return {"entries": entries}


# --- the sizes ---------------------------------------------------------------------------------

def add_arguments(parser) -> None:
    parser.add_argument("--sizes", type=int, nargs="+", help="monitor counts to measure")
    parser.add_argument("--minutes", type=int, help="minutes measured per size (3; --quick 2)")


def main(argv=None) -> dict:
    from common.target import start_target, wait_for_port

    args = parse_args(__doc__.splitlines()[0], argv, add_arguments)
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    minutes = args.minutes or (2 if args.quick else 3)
    target, port = start_target()
    rows = []
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}/fast"
        for count in sizes:
            rows.append(try_size(count, url, minutes))
        if not args.sizes and not args.quick and holds(rows[-1]):
            rows.append(try_size(STRETCH, url, minutes))
    finally:
        target.terminate()
        target.join(10)
    held = [row["monitors"] for row in rows if holds(row)]
    largest = max(held, default=None)
    tried = ", ".join(f"{row['monitors']:,}" for row in rows)
    print(f"capacity: the largest N with p99 lag <= {MAX_P99_LAG_S} s and no missed slot: "
          f"{f'{largest:,}' if largest is not None else 'none'} (measured: {tried})", flush=True)
    result = {"rows": rows, "capacity": largest, "max_p99_lag_s": MAX_P99_LAG_S}
    finish(args, result)
    return result


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == CHILD:
        child_main(*sys.argv[2:])
    else:
        main()
