"""SQS queue URLs, looked up once per process. Knowing a queue's URL grants nothing: each
function's send rights come from the modules that send (dispatch, delivery)."""
from __future__ import annotations

from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import AWS_REGION_OF

_queue_urls: dict[str, str] = {}


def region_sqs(region: str | None):
    """The SQS client of a check region's AWS region (each region's queue lives there)."""
    return runtime.client("sqs", AWS_REGION_OF.get(region or "", None))


def queue_url(name: str, region: str | None = None) -> str:
    if name not in _queue_urls:
        _queue_urls[name] = region_sqs(region).get_queue_url(QueueName=name)["QueueUrl"]
    return _queue_urls[name]
