"""Alert delivery handlers: new events from the topic, retries from the retry queue."""
from __future__ import annotations

import logging

from chalice import Blueprint

from chalicelib import delivery, events

bp = Blueprint(__name__)
log = logging.getLogger("enori.alerts")


@bp.on_sns_message(topic=events.topic_name())
def deliver_events(event):
    delivery.deliver_event(events.decode(event.message))


@bp.on_sqs_message(queue=delivery.retry_queue_name(), batch_size=10)
def retry_alerts(event):
    failed = []
    for record in event:
        try:
            delivery.handle_retry_message(record.body)
        except Exception:
            log.exception("retry message failed; SQS will redeliver it")
            failed.append({"itemIdentifier": record.to_dict()["messageId"]})
    return {"batchItemFailures": failed}
