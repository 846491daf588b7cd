"""Every minute: publish again events some consumer has not acknowledged (the outbox), attempt
alert deliveries whose retry or lease is overdue (both Queries on sparse indexes), and move
dead-lettered alert retries back to their queue (a bounded number per run)."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from chalicelib import dead_letters, delivery, events, observability
from chalicelib.dispatch import queue_url
from chalicelib.runtime import runtime

bp = Blueprint(__name__)
log = logging.getLogger("enori.sweeper")


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def republish_events(event):
    count = events.republish_pending(runtime.clock.now())
    if count:
        log.warning("republished %s pending events", count)
    return {"republished": count}


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def sweep_alert_deliveries(event):
    count = delivery.sweep_due(runtime.clock.time())
    if count:
        log.warning("attempted %s overdue alert deliveries", count)
    return {"attempted": count}


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def redrive_dead_letters(event):
    """Alert retries that failed five receives (DynamoDB down, say) go back to their queue.
    Events need no dead-letter queue of their own: the outbox republishes them."""
    source = delivery.retry_queue_name()
    done = dead_letters.redrive(runtime.client("sqs"), queue_url(source),
                                queue_url(dead_letters.dlq_name_of(source)))
    if done.moved or done.kept:
        log.warning("moved %s dead-lettered alert retries back; %s kept after %s redrives",
                    done.moved, done.kept, dead_letters.MAX_REDRIVES)
    observability.emit_metrics({"DeadLettersRedriven": (done.moved, "Count"),
                                "DeadLettersKept": (done.kept, "Count")})
    return {"moved": done.moved, "kept": done.kept}
