"""Setting up and emptying the in-process moto backend (shared by every test process)."""


def create_queues_and_topics():
    """What the deployment (or the local stack) wires up: every queue and topic the app uses,
    each check region's queue in that region's AWS region, as on AWS."""
    from chalice.app import SNSEventConfig, SQSEventConfig

    from app import app
    from chalicelib.bus import dispatch
    from chalicelib.kernel.runtime import runtime
    from chalicelib.kernel.settings import settings

    dispatch._queue_urls.clear()
    from chalicelib.bus.check_requests import slow_queue_name

    region_of = {name(r): r for r in settings.check_regions
                 for name in (dispatch.queue_name, slow_queue_name)}
    for source in app.event_sources:
        if isinstance(source, SQSEventConfig):
            dispatch.region_sqs(region_of.get(source.queue)).create_queue(QueueName=source.queue)
        elif isinstance(source, SNSEventConfig):
            runtime.client("sns").create_topic(Name=source.topic)


def empty_everything():
    """Delete every item of every table and forget SES identities and sent mail. Queues keep
    their messages: no test reads the in-process queues (they stub the sender or read the
    outbox table instead).

    The items are cleared in moto's memory, not through the API: a Scan and a DeleteItem per
    item of ~30 tables cost ~40 ms of CPU before every one of ~3,000 tests (a third of the
    in-process suites' CPU). moto keeps no index apart from its items (a GSI is computed from
    them when queried), so an emptied table is exactly a new one."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.ses.models import ses_backends

    for account_backends in ses_backends.values():   # (BackendDict.reset would reset all)
        account_backends.reset()
    for account_backends in dynamodb_backends.values():
        for backend in account_backends.values():
            for table in backend.tables.values():
                table.items.clear()


def queued_checks(region: str, monitor_id: str) -> list:
    """The checks of `monitor_id` waiting in `region`'s queue, read to the end: queues keep
    their messages between tests (`empty_everything`), so other tests' checks may be there."""
    from chalicelib.bus.check_requests import decode, queue_name
    from chalicelib.bus.queues import queue_url, region_sqs

    url, jobs = queue_url(queue_name(region), region), []
    while messages := region_sqs(region).receive_message(
            QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        jobs += [job for m in messages for job in decode(m["Body"])]
    return [job for job in jobs if job.monitor_id == monitor_id]
