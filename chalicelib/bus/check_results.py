"""The results queue (E16 point 5): how a remote check region's results reach the home region.

A remote region's worker never calls DynamoDB (a cross-region call per check was its cost and its
latency); it sends what it ran to this queue, in the home region, and the home worker records and
evaluates it there exactly as its own (`chalicelib.checks.worker.record_remote_results`).

A message holds one or more *groups*; a group is one check message as the remote worker received
it: all of its requests (the recording's idempotency key is the hash of every request of the
message, `result_batches.group_of`, so a redelivery writes nothing twice), the result of each
request that ran, and when they were checked. A request travels without its configuration, but
for the few fields whether a result agrees with its expectation depends on
(`expectations.agreement_config`): the home side loads the monitors of the surprising results
anyway. A result is compact: a passing one is ~20 bytes beyond its request, a failure keeps its
error text and details. Many groups share a message, up to SQS's 256 KB, and up to ten messages
one `SendMessageBatch`: a worker batch is normally one call.

Reading and writing this shape needs this module only; sending is `result_sender`'s, so only
the functions that send (remote workers) are granted it (infra/access.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Callable

from chalicelib.bus.check_requests import CheckRequest
from chalicelib.kernel.settings import settings

# A result's fields, in the order a row keeps them (`result_row`); trailing empties are dropped.
RESULT_FIELDS = ("ok", "response_time_ms", "status_code", "error_code", "ssl_days_left",
                 "error", "details")
# A passing result keeps only these details: the evaluator reads them (a certificate's expiry).
PASSING_DETAILS = ("sslNotAfter",)


def queue_name() -> str:
    return settings.queue_name("checks-results")


@dataclass
class Group:
    """One received check message's requests, the results of those that ran (by position in
    `jobs`; a request cut off or not run has none), and the epoch second they were checked."""
    jobs: list[CheckRequest]
    results: dict[int, dict[str, Any]]
    checked_at: int


def result_row(result: Any) -> list:
    """A check result (anything with RESULT_FIELDS as attributes) as a compact row."""
    details = dict(getattr(result, "details", None) or {})
    if result.ok:
        details = {k: v for k, v in details.items() if k in PASSING_DETAILS}
    row = [int(bool(result.ok))] + [getattr(result, f, None) for f in RESULT_FIELDS[1:-1]] \
        + [details or None]
    while row and row[-1] is None:   # trailing nulls cost bytes on every result
        row.pop()
    return row


def result_fields(row: list) -> dict[str, Any]:
    """A row's result as keyword arguments of a CheckResult."""
    fields = dict(zip(RESULT_FIELDS, row))
    fields["ok"] = bool(fields["ok"])
    fields["details"] = fields.get("details") or {}
    return fields


def _request(job: CheckRequest, config: dict[str, Any] | None) -> dict[str, Any]:
    fields = vars(replace(job, config=config))
    return {k: v for k, v in fields.items() if v is not None and v is not False}


def encode_group(jobs: list[CheckRequest], results: dict[int, Any], checked_at: int,
                 trim: Callable[[dict | None], dict | None]) -> dict:
    """One group as it travels; `trim` keeps of a request's configuration what the home side
    needs (`expectations.agreement_config`)."""
    return {"at": int(checked_at),
            "jobs": [_request(j, trim(j.config)) for j in jobs],
            "results": {str(i): result_row(r) for i, r in results.items()}}


def decode(body: str) -> list[Group]:
    return [Group(jobs=[CheckRequest(**j) for j in group["jobs"]],
                  results={int(i): result_fields(row) for i, row in group["results"].items()},
                  checked_at=int(group["at"]))
            for group in json.loads(body)["groups"]]
