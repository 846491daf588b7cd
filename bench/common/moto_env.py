"""moto in-process with every table, queue and topic the app uses (as tests/conftest.py)."""
from __future__ import annotations


def create_queues_and_topics() -> None:
    """What the deployment wires up, read from the Chalice app's event sources."""
    from chalice.app import SNSEventConfig, SQSEventConfig

    from app import app
    from chalicelib.bus import dispatch
    from chalicelib.bus.dead_letters import dlq_name_of
    from chalicelib.kernel.runtime import runtime

    dispatch._queue_urls.clear()
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig):
            runtime.client("sqs").create_queue(QueueName=source.queue)
            # every queue has its dead-letter queue (infra/queues.py); the redrive reads one
            runtime.client("sqs").create_queue(QueueName=dlq_name_of(source.queue))
        elif isinstance(source, SNSEventConfig):
            runtime.client("sns").create_topic(Name=source.topic)


def create_everything() -> None:
    from chalicelib.kernel.runtime import runtime
    from chalicelib.storage.tables import create_tables

    runtime.reset_clients()
    create_tables()
    create_queues_and_topics()
