"""Every minute: attempt alert deliveries whose retry or lease is overdue (a Query on a sparse
index). Republishing the outbox and redriving dead letters are functions of their own
(`outbox_republisher`, `dead_letter_redrive`): each Lambda is granted what its module reaches,
and neither of those sends mail."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from chalicelib.notify import delivery
from chalicelib.kernel.runtime import runtime

bp = Blueprint(__name__)
log = logging.getLogger("enori.sweeper")


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def sweep_alert_deliveries(event):
    count = delivery.sweep_due(runtime.clock.time())
    if count:
        log.warning("attempted %s overdue alert deliveries", count)
    return {"attempted": count}
