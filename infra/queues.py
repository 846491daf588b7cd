"""SQS queues with their dead-letter queues, sized for the function that consumes them."""
from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

# Lambda's guidance: a visibility timeout of at least six times the function's timeout, so a
# message is not handed to a second worker while the first may still be retrying it.
VISIBILITY_FACTOR = 6
DLQ_RETENTION = Duration.days(14)


def visibility_timeout_for(function_timeout_seconds: int) -> int:
    return max(30, VISIBILITY_FACTOR * function_timeout_seconds)


def add_queue(scope: Construct, id: str, name: str, *, function_timeout_seconds: int,
              max_receive_count: int, retention: Duration) -> tuple[sqs.Queue, sqs.Queue]:
    """A queue and its DLQ (`<name>-dlq`): after `max_receive_count` failed receives a message
    stops looping and waits in the DLQ (an alarm watches its depth)."""
    dlq = sqs.Queue(scope, f"{id}Dlq", queue_name=f"{name}-dlq", retention_period=DLQ_RETENTION,
                    encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True)
    queue = sqs.Queue(
        scope, id, queue_name=name, retention_period=retention,
        visibility_timeout=Duration.seconds(visibility_timeout_for(function_timeout_seconds)),
        encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=max_receive_count))
    return queue, dlq


def add_sqs_mapping(scope: Construct, id: str, function_name: str, queue: sqs.Queue,
                    batch_size: int, batching_window_seconds: int = 0
                    ) -> lambda_.CfnEventSourceMapping:
    """The queue -> function wiring, with partial batch responses: a handler returns
    `batchItemFailures` and only those records come back (Chalice cannot set this)."""
    return lambda_.CfnEventSourceMapping(
        scope, id, function_name=function_name, event_source_arn=queue.queue_arn,
        batch_size=batch_size, maximum_batching_window_in_seconds=batching_window_seconds or None,
        function_response_types=["ReportBatchItemFailures"])
