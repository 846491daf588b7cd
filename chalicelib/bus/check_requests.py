"""The check request: what the scheduler sends to a region's queue and its worker reads.

A request names a monitor, a slot (the second it is scheduled for) and a region: that triple is
the idempotency key of the result it produces. Reading requests needs this module only; sending
them is `dispatch`'s, so a worker that only reads is granted no send (infra/access.py).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from chalicelib.kernel.settings import settings


@dataclass(frozen=True)
class CheckJob:
    account_id: str
    monitor_id: str
    slot: int        # epoch second the check is scheduled for
    region: str
    manual: bool = False
    # The verdict the monitor showed when the request was made (`expectations.expected_of`);
    # a result agreeing with it is not evaluated. None: evaluate whatever comes.
    expect: dict[str, Any] | None = None


def queue_name(region: str) -> str:
    return settings.queue_name(f"checks-{region.lower()}")


def encode(jobs: list[CheckJob]) -> str:
    return json.dumps({"jobs": [asdict(j) for j in jobs]}, separators=(",", ":"))


def decode(body: str) -> list[CheckJob]:
    return [CheckJob(**job) for job in json.loads(body)["jobs"]]
