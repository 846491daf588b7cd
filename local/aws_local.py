"""moto server for SQS, SNS and SES, and the queues and topics the app's decorators ask for.

Queues live only in memory: every start recreates them from `app.event_sources`, so a handler
added with `@app.on_sqs_message` or `@app.on_sns_message` gets its queue with no second list.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from chalice.app import SNSEventConfig, SQSEventConfig
from moto.server import ThreadedMotoServer

log = logging.getLogger("local.aws")

# Lambda retries an asynchronous (SNS) invocation twice, so three attempts before the DLQ.
SNS_MAX_ATTEMPTS = 3


def start_moto_server() -> tuple[ThreadedMotoServer, str]:
    """Start moto on 127.0.0.1 on a free port; return the server and its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def queue_name_of(source: SQSEventConfig) -> str:
    # Chalice takes either a queue name or a queue ARN; the name is the ARN's last part.
    return source.queue or source.queue_arn.rsplit(":", 1)[-1]


def dlq_name_of(name: str) -> str:
    if name.endswith(".fifo"):
        return f"{name[:-len('.fifo')]}-dlq.fifo"
    return f"{name}-dlq"


def sns_pump_queue_name(source: SNSEventConfig) -> str:
    """One queue per subscribed handler: on AWS every subscription gets every message, so two
    handlers on one topic must not share a queue (each would see only some of the messages)."""
    return f"{source.topic}-to-{source.name.replace('_', '-')}"


def create_event_resources(app: Any, sqs: Any, sns: Any, max_receives: int = 5) -> None:
    """Create (idempotently) every queue with its DLQ and every topic with its pump queue."""
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig):
            create_queue_with_dlq(sqs, queue_name_of(source), max_receives)
        elif isinstance(source, SNSEventConfig):
            subscribe_pump_queue(sqs, sns, source)


def create_queue_with_dlq(sqs: Any, name: str, max_receives: int, dlq_name: str | None = None) -> str:
    """Create `name` whose messages move to `<name>-dlq` after `max_receives` receives."""
    dlq_url = _create_queue(sqs, dlq_name or dlq_name_of(name), {})
    dlq_arn = queue_arn(sqs, dlq_url)
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)})
    url = _create_queue(sqs, name, {})
    # Set after creation so a queue left from an earlier start gets the current policy too.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": redrive})
    log.info("queue %s ready (DLQ after %d receives)", name, max_receives)
    return url


def _create_queue(sqs: Any, name: str, attributes: dict[str, str]) -> str:
    if name.endswith(".fifo"):
        attributes = {**attributes, "FifoQueue": "true", "ContentBasedDeduplication": "true"}
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


def subscribe_pump_queue(sqs: Any, sns: Any, source: SNSEventConfig) -> str:
    """Create the topic and the queue the pump reads it from for one handler (what an
    SNS-to-Lambda subscription does on AWS).

    Returns the subscription ARN. Subscribing twice would deliver twice, so reuse an existing one.
    """
    topic = source.topic
    topic_arn = sns.create_topic(Name=topic)["TopicArn"]
    queue = sns_pump_queue_name(source)
    pump_url = create_queue_with_dlq(sqs, queue, SNS_MAX_ATTEMPTS, dlq_name=dlq_name_of(queue))
    pump_arn = queue_arn(sqs, pump_url)
    for subscription in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]:
        if subscription["Endpoint"] == pump_arn:
            return subscription["SubscriptionArn"]
    response = sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=pump_arn,
        Attributes={"RawMessageDelivery": "false"}, ReturnSubscriptionArn=True,
    )
    log.info("topic %s ready, delivered to %s", topic, queue)
    return response["SubscriptionArn"]
