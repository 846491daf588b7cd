"""Count every AWS request a process makes, by service and operation, and estimate the
DynamoDB capacity units they consume.

botocore's `BaseClient._make_api_call` is the one place every boto3 and PynamoDB call goes
through (tests/checks/test_scheduler.py patches it the same way). Capacity is estimated from
item sizes in the wire format, with DynamoDB's published rounding (on-demand bills the same
units): a write is 1 WCU per started KB of the item (PutItem: the item; UpdateItem: the item
after the update, which PynamoDB asks for with ReturnValues=ALL_NEW; a transaction counts
twice); a read is 1 RCU per started 4 KB when strongly consistent, half when eventually
consistent, per item for GetItem/BatchGetItem and per page (summed sizes) for Query/Scan.
moto reports no real ConsumedCapacity, hence the estimate.
"""
from __future__ import annotations

import math
from collections import Counter
from contextlib import contextmanager

from botocore.client import BaseClient


def value_size(value: dict) -> int:
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return len(str(v).lstrip("-").replace(".", "")) // 2 + 2
    if kind == "B":
        return len(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: x}) for x in v)
    if kind == "L":
        return 3 + sum(1 + value_size(x) for x in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(x) for k, x in v.items())
    return 0


def item_size(item: dict | None) -> int:
    return sum(len(k.encode()) + value_size(v) for k, v in (item or {}).items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return units if consistent else units / 2


def _update_size(params: dict, response: dict | None) -> int:
    if response and response.get("Attributes"):
        return item_size(response["Attributes"])
    return item_size(params.get("Key")) + sum(
        value_size(v) for v in (params.get("ExpressionAttributeValues") or {}).values())


def capacity(operation: str, params: dict, response: dict | None) -> tuple[float, float]:
    """(read units, write units) of one DynamoDB call (response None: it failed)."""
    consistent = bool(params.get("ConsistentRead"))
    if operation == "PutItem":
        return 0, write_units(item_size(params.get("Item")))
    if operation == "UpdateItem":
        return 0, write_units(_update_size(params, response))
    if operation == "DeleteItem":
        return 0, write_units(item_size(params.get("Key")))
    if operation == "GetItem":
        return read_units(item_size((response or {}).get("Item")), consistent), 0
    if operation in ("Query", "Scan"):
        size = sum(item_size(i) for i in (response or {}).get("Items", []))
        return read_units(size, consistent), 0
    if operation == "BatchGetItem":
        rcu = 0.0
        for table, items in ((response or {}).get("Responses") or {}).items():
            table_consistent = bool(params["RequestItems"].get(table, {}).get("ConsistentRead"))
            rcu += sum(read_units(item_size(i), table_consistent) for i in items)
        return rcu, 0
    if operation == "BatchWriteItem":
        wcu = 0
        for requests in params.get("RequestItems", {}).values():
            for request in requests:
                put = request.get("PutRequest")
                wcu += write_units(item_size(put["Item"]) if put else 0)
        return 0, wcu
    if operation == "TransactWriteItems":
        wcu = 0
        for entry in params.get("TransactItems", []):
            (kind, body), = entry.items()
            size = item_size(body.get("Item")) if kind == "Put" else _update_size(body, None)
            wcu += 2 * write_units(size)
        return 0, wcu
    if operation == "TransactGetItems":
        return 2 * len(params.get("TransactItems", [])), 0
    return 0, 0


class AwsCounter:
    """Requests by (service, operation), plus DynamoDB RCU/WCU and SQS/SNS payload chunks."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self.rcu = 0.0
        self.wcu = 0.0
        self.sqs_billed = 0       # SQS bills each 64 KB chunk of a request's payload as a request
        self.sns_billed = 0       # SNS likewise bills each 64 KB chunk of a publish
        self.errors: Counter = Counter()

    def count(self, client: BaseClient, operation: str, params: dict, response: dict | None) -> None:
        service = client.meta.service_model.service_name
        self.calls[(service, operation)] += 1
        if service == "dynamodb":
            rcu, wcu = capacity(operation, params, response)
            self.rcu += rcu
            self.wcu += wcu
        elif service == "sqs":
            payload = sum(len(e.get("MessageBody", "").encode()) for e in params.get("Entries", [])) \
                or len(params.get("MessageBody", "").encode())
            self.sqs_billed += max(1, math.ceil(payload / 65536))
        elif service == "sns" and operation == "Publish":
            self.sns_billed += max(1, math.ceil(len(params.get("Message", "").encode()) / 65536))

    def total(self, service: str | None = None, operation: str | None = None) -> int:
        return sum(n for (s, o), n in self.calls.items()
                   if (service is None or s == service) and (operation is None or o == operation))

    def snapshot(self) -> dict:
        return {"calls": {f"{s}:{o}": n for (s, o), n in sorted(self.calls.items())},
                "dynamodb_rcu": self.rcu, "dynamodb_wcu": self.wcu,
                "sqs_billed_requests": self.sqs_billed, "sns_billed_publishes": self.sns_billed}

    def reset(self) -> None:
        self.__init__()

    @contextmanager
    def installed(self):
        original = BaseClient._make_api_call
        counter = self

        def spy(client, operation_name, api_params):
            response = None
            try:
                response = original(client, operation_name, api_params)
                return response
            except Exception:
                counter.errors[operation_name] += 1
                raise
            finally:
                counter.count(client, operation_name, api_params, response)

        BaseClient._make_api_call = spy
        try:
            yield self
        finally:
            BaseClient._make_api_call = original
