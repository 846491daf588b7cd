"""What a job state's writes cost DynamoDB Local's CPU, by kind of call (E20): the figures that
decide how pings are written on the local stack, where DynamoDB Local's JVM shares the machine
with the API processes.

On one DynamoDB Local (the bench's JVM options: C2, as `make run`), a table shaped like the
job states (~600 B items: the fields, a buffer of four entries), 8 threads each writing its own
items (no two threads race, so no call is refused unless meant to be), after a JIT warm-up of
every kind: a TransactWriteItems of n conditional Puts (n = 1, 5, 10: the fixed cost of a
transaction and the cost of an item), one of 5 cancelled by its last Put's condition, one of 5
steady-ping appends (UpdateItem: list_append, counters, three SETs, five conditions), and
PutItem, a refused PutItem and the append's UpdateItem alone. Figures: calls/s, JVM CPU ms per
call and per item, by thread kind (`common.jvm`: JIT, SQLite's writer queue, HTTP threads).
The machine's other load moves the figures: compare kinds within one run, and alternate runs.
Usage: python bench/dynamodb_costs.py [--quick] [--json out.json]
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO_ROOT, finish, parse_args  # noqa: E402
from common.jvm import jvm_cpu, ms_per  # noqa: E402

TABLE = "bench-job-states"
THREADS = 8
ITEMS_PER_THREAD = 10
ENTRY = '{"k":"001764551234567#abcd1234","t":"Success","m":"GET","s":"127.0.0.1"}'
KINDS = [("tx_put", 1), ("tx_put", 5), ("tx_put", 10), ("tx_cancelled", 5), ("tx_append", 5),
         ("put", 1), ("put_refused", 1), ("append", 1)]


def _key(thread: int, j: int) -> dict:
    return {"s": {"S": f"job#{(thread * ITEMS_PER_THREAD + j) % 32}"},
            "m": {"S": f"mon_{thread}_{j}"}}


def _item(thread: int, j: int, version: int) -> dict:
    at = {"S": "2026-12-01T01:00:00.000000+0000"}
    return {**_key(thread, j), "a": {"S": "acc_1"}, "v": {"N": str(version)}, "lp": at,
            "lc": at, "d": {"N": "1764554400"}, "w": {"N": "100"}, "h": {"N": "1"},
            "c": {"N": "3"}, "bb": {"N": str(4 * (len(ENTRY) + 1))},
            "b": {"L": [{"S": ENTRY}] * 4}}


class Writer:
    """One thread's items and the versions it wrote, and each kind of call on them."""

    def __init__(self, client, thread: int) -> None:
        self.client, self.thread = client, thread
        self.versions = [1] * ITEMS_PER_THREAD
        self.appended = 0
        for j in range(ITEMS_PER_THREAD):
            client.put_item(TableName=TABLE, Item=_item(thread, j, 1))

    def _put(self, j: int, current: bool = True) -> dict:
        read = self.versions[j] if current else self.versions[j] + 1000
        return {"TableName": TABLE, "Item": _item(self.thread, j, self.versions[j] + 1),
                "ConditionExpression": "#v = :read", "ExpressionAttributeNames": {"#v": "v"},
                "ExpressionAttributeValues": {":read": {"N": str(read)}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}

    def _append(self, j: int) -> dict:
        at = {"S": "2026-12-01T01:00:01.000000+0000"}
        return {"TableName": TABLE, "Key": _key(self.thread, j),
                "UpdateExpression": "SET #v = #v + :one, #h = #h + :one, #b = list_append(#b, :e),"
                                    " #bb = #bb + :n, #lp = :lp, #lc = :lc, #d = :d",
                "ConditionExpression": "#w = :w AND #h < :limit AND #bb <= :room AND "
                                       "attribute_not_exists(#ls) AND #c = :c",
                "ExpressionAttributeNames": {"#v": "v", "#h": "h", "#b": "b", "#bb": "bb",
                                             "#lp": "lp", "#lc": "lc", "#d": "d", "#w": "w",
                                             "#ls": "ls", "#c": "c"},
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"}, ":e": {"L": [{"S": ENTRY}]},
                    ":n": {"N": str(len(ENTRY) + 1)}, ":room": {"N": "1000000000"}, ":lp": at,
                    ":lc": at, ":d": {"N": "1764554401"}, ":w": {"N": "100"},
                    ":limit": {"N": "1000000000"}, ":c": {"N": "3"}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}

    def call(self, kind: str, n: int) -> None:
        client = self.client
        if kind == "tx_put":
            client.transact_write_items(TransactItems=[{"Put": self._put(j)} for j in range(n)])
            self._wrote(range(n))
        elif kind == "tx_cancelled":
            try:
                client.transact_write_items(TransactItems=[
                    {"Put": self._put(j, current=j < n - 1)} for j in range(n)])
            except client.exceptions.TransactionCanceledException:
                pass
            else:
                raise AssertionError("a stale Put did not cancel its transaction")
        elif kind == "tx_append":
            client.transact_write_items(TransactItems=[{"Update": self._append(j)}
                                                       for j in range(n)])
            self._appended(range(n))
        elif kind == "put":
            client.put_item(**self._put(0))
            self._wrote([0])
        elif kind == "put_refused":
            try:
                client.put_item(**self._put(0, current=False))
            except client.exceptions.ConditionalCheckFailedException:
                pass
        elif kind == "append":
            client.update_item(**self._append(0))
            self._appended([0])

    def _wrote(self, items) -> None:
        for j in items:
            self.versions[j] += 1

    def _appended(self, items) -> None:
        """Each append bumps the version; the buffers are put back to four entries now and
        then (an untimed reset would cost a pause: ~1 Put every 10 appends, counted)."""
        self._wrote(items)
        self.appended += 1
        if self.appended % 10 == 0:
            for j in items:
                self.client.put_item(**self._put(j))
                self._wrote([j])


def phase(writers: list[Writer], pid: int, kind: str, n: int, seconds: float) -> dict:
    calls = [0] * len(writers)
    until = time.monotonic() + seconds

    def run(i: int) -> None:
        while time.monotonic() < until:
            writers[i].call(kind, n)
            calls[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(writers))]
    before, started = jvm_cpu(pid), time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall, after, total = time.monotonic() - started, jvm_cpu(pid), sum(calls)
    per_call = ms_per(before, after, total)
    return {"kind": kind, "items": n, "calls_per_s": round(total / wall, 1),
            "ms_per_call": per_call, "ms_per_item": round(per_call["all"] / n, 2)}


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv)
    seconds, rounds = (3, 1) if args.quick else (5, 2)
    os.environ["ENORI_DYNAMODB_JVM_OPTS"] = ""           # C2, as the ping bench and `make run`
    sys.path.insert(0, str(REPO_ROOT))
    import boto3
    from botocore.config import Config

    from local.dynamodb_local import DynamoDBLocal

    tmp = tempfile.TemporaryDirectory(prefix="enori-dynamodb-costs-")
    db = DynamoDBLocal(Path(tmp.name) / "db")
    db.start()
    rows = []
    try:
        client = boto3.client("dynamodb", endpoint_url=db.endpoint, region_name="us-east-1",
                              aws_access_key_id="local", aws_secret_access_key="local",
                              config=Config(max_pool_connections=THREADS * 2))
        client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "s", "AttributeType": "S"},
                                                  {"AttributeName": "m", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "s", "KeyType": "HASH"},
                                       {"AttributeName": "m", "KeyType": "RANGE"}])
        writers = [Writer(client, t) for t in range(THREADS)]
        for kind, n in KINDS:                                   # JIT warm-up, untimed
            phase(writers, db.process.pid, kind, n, seconds)
        for round_ in range(rounds):
            for kind, n in KINDS:
                row = {"round": round_, **phase(writers, db.process.pid, kind, n, seconds)}
                rows.append(row)
                cost = row["ms_per_call"]
                print(f"  {kind:12s} x{n:<2d} {row['calls_per_s']:7.1f} calls/s  JVM "
                      f"{cost['all']:5.2f} ms a call, {row['ms_per_item']:5.2f} an item "
                      f"(sqlite {cost.get('sqlite', 0):.2f}, http {cost.get('http', 0):.2f}, "
                      f"jit {cost.get('jit', 0):.2f}, other {cost.get('other', 0):.2f})",
                      flush=True)
    finally:
        db.stop()
        tmp.cleanup()
    result = {"rows": rows, "seconds_per_phase": seconds, "threads": THREADS}
    finish(args, result)
    return result


if __name__ == "__main__":
    main()
