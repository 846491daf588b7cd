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
    """Delete every item of every table (test-only Scans) and forget SES identities and sent
    mail. Queues keep their messages: no test reads the in-process queues (they stub the sender
    or read the outbox table instead)."""
    from moto.ses.models import ses_backends

    for account_backends in ses_backends.values():   # (BackendDict.reset would reset all)
        account_backends.reset()
    from chalicelib.storage.tables import ALL_ITEMS

    client = ALL_ITEMS[0]._get_connection().connection.client
    for item_class in ALL_ITEMS:
        name = item_class.Meta.table_name
        keys = [item_class._hash_keyname] + ([item_class._range_keyname]
                                             if item_class._range_keyname else [])
        names = {f"#k{i}": key for i, key in enumerate(keys)}
        pages = client.get_paginator("scan").paginate(
            TableName=name, ProjectionExpression=", ".join(names), ExpressionAttributeNames=names)
        for page in pages:
            for item in page["Items"]:
                client.delete_item(TableName=name, Key=item)
