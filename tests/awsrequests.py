"""Count the AWS requests a block of code makes, through botocore's own event hooks.

Every boto3 client and every PynamoDB connection is a botocore client; each emits
`before-call.<service>.<operation>` before a request and `after-call...` after its answer. The
hooks are registered on every client created inside the block, and the clients already cached
(PynamoDB's per model, the transactions' one, the runtime's boto3 ones) are forgotten first, so
that every request of the block is seen, including those made on other threads.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class AwsRequests:
    calls: list[tuple[str, str]] = field(default_factory=list)    # (operation, table or "")
    answered: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    @property
    def writes(self) -> list[tuple[str, str]]:
        return [call for call in self.calls if call[0] in WRITES]

    def on(self, table: str) -> list[str]:
        return [operation for operation, name in self.calls if name.endswith(table)]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self.answered = 0


def _table_of(params: dict) -> str:
    if "TableName" in params:
        return params["TableName"]
    tables = [item[kind]["TableName"] for item in params.get("TransactItems", [])
              for kind in item]
    return ",".join(sorted(set(tables))) or ",".join(sorted(params.get("RequestItems", {})))


def _forget_clients() -> None:
    from pynamodb.models import Model

    from chalicelib.kernel.runtime import runtime
    from chalicelib.storage import transactions

    pending = list(Model.__subclasses__())
    while pending:
        model = pending.pop()
        pending += model.__subclasses__()
        model._connection = None
    transactions._connection = None
    runtime.reset_clients()


@contextmanager
def counted_aws_requests():
    """Yields an `AwsRequests` that records every AWS request made inside the block."""
    from botocore.session import Session

    seen = AwsRequests()

    def before_call(model, params, **kwargs):
        # `params` is the request about to be sent; DynamoDB's body is the JSON of the call.
        body = params.get("body") or b"{}"
        try:
            table = _table_of(json.loads(body)) if model.service_model.protocol == "json" else ""
        except ValueError:
            table = ""
        with seen._lock:
            seen.calls.append((model.name, table))

    def after_call(**kwargs):
        with seen._lock:
            seen.answered += 1

    original = Session.create_client

    def create_client(self, *args, **kwargs):
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-call", before_call)
        client.meta.events.register("after-call", after_call)
        return client

    _forget_clients()
    Session.create_client = create_client
    try:
        yield seen
    finally:
        Session.create_client = original
        _forget_clients()
