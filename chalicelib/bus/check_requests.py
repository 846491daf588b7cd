"""The check request: what the scheduler sends to a region's queue and its worker reads.

A request names a monitor, a slot (the second it is scheduled for) and a region: that triple is
the idempotency key of the result it produces. Reading requests needs this module only; sending
them is `dispatch`'s, so a worker that only reads is granted no send (infra/access.py).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from chalicelib.kernel.settings import settings


@dataclass(frozen=True)
class CheckRequest:
    account_id: str
    monitor_id: str
    slot: int        # epoch second the check is scheduled for
    region: str
    manual: bool = False


def queue_name(region: str) -> str:
    return settings.queue_name(f"checks-{region.lower()}")


def encode(jobs: list[CheckRequest]) -> str:
    return json.dumps({"jobs": [asdict(j) for j in jobs]}, separators=(",", ":"))


def decode(body: str) -> list[CheckRequest]:
    return [CheckRequest(**job) for job in json.loads(body)["jobs"]]
