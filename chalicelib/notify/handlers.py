"""Alert delivery handlers: new events from the topic, retries from the retry queue."""
from __future__ import annotations

import logging
from collections import Counter

from chalice import Blueprint

from chalicelib.notify import delivery
from chalicelib.bus import event_topic
from chalicelib.kernel import observability

bp = Blueprint(__name__)
log = logging.getLogger("enori.alerts")


@bp.on_sns_message(topic=event_topic.topic_name())
@event_topic.acknowledged
def deliver_events(event):
    fresh = delivery.deliver_event(event_topic.decode(event.message))
    emit_delivery_metrics(Counter(r.status for r in fresh))


def emit_delivery_metrics(by_status: Counter) -> None:
    """First delivery attempts by their outcome (Delivered, Retrying, Failed, ...)."""
    for status, count in by_status.items():
        observability.emit_metric("AlertDeliveries", count, "Count", {"Status": str(status)})


@bp.on_sqs_message(queue=delivery.retry_queue_name(), batch_size=10)
def retry_alerts(event):
    failed = []
    for record in event:
        try:
            delivery.handle_retry_message(record.body)
        except Exception:
            log.exception("retry message failed; SQS will redeliver it")
            failed.append({"itemIdentifier": record.to_dict()["messageId"]})
    handled = len(event.to_dict()["Records"]) - len(failed)
    observability.emit_metrics({"AlertRetriesHandled": (handled, "Count"),
                                "AlertRetriesFailed": (len(failed), "Count")})
    return {"batchItemFailures": failed}
