"""Every minute: publish events a crash or an outage left unpublished (the outbox), and attempt
alert deliveries whose retry or lease is overdue. Both are Queries on sparse indexes."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from chalicelib import wiring  # noqa: F401  (hooks; see chalicelib/wiring.py)
from chalicelib import delivery, events
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
