"""SQS queue URLs, looked up once per process. Knowing a queue's URL grants nothing: each
function's send rights come from the modules that send (dispatch, delivery)."""
from __future__ import annotations

from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import AWS_REGION_OF

_queue_urls: dict[str, str] = {}


def region_sqs(region: str | None):
    """The SQS client of a check region's AWS region (each region's queue lives there)."""
    return runtime.client("sqs", AWS_REGION_OF.get(region or "", None))


def queue_url(name: str, region: str | None = None, sqs=None) -> str:
    """The queue's URL, looked up once per process, through `sqs` (default: `region_sqs`), so
    a sender with a client of its own never waits on another for its first lookup."""
    if name not in _queue_urls:
        sqs = sqs or region_sqs(region)
        _queue_urls[name] = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return _queue_urls[name]


# A SendMessageBatch call's bodies together stay under SQS's 256 KB payload: a message may weigh
# up to ~240 KB (check requests carry their monitor's configuration, results their failures'
# text), so ten of them may weigh far more than that.
SEND_BATCH_BYTES = 250 * 1024


def send_calls(entries: list[dict], max_bytes: int = SEND_BATCH_BYTES) -> list[list[dict]]:
    """The entries cut into SendMessageBatch calls, in order: ten at most, and their bodies
    together at most `max_bytes` (an entry larger alone goes alone). A body's length is its
    size: every sender's bodies are ASCII (json.dumps escapes anything else, ensure_ascii)."""
    calls: list[list[dict]] = []
    size = 0
    for entry in entries:
        weight = len(entry["MessageBody"])
        if not calls or len(calls[-1]) == 10 or size + weight > max_bytes:
            calls.append([])
            size = 0
        calls[-1].append(entry)
        size += weight
    return calls
