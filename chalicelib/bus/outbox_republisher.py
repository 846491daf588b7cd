"""Every minute: publish again the events some consumer has not acknowledged (the outbox; a
Query per shard of a sparse index). It publishes and reads the outbox, nothing else."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from chalicelib.bus import events
from chalicelib.kernel.runtime import runtime

bp = Blueprint(__name__)
log = logging.getLogger("enori.outbox")


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def republish_events(event):
    count = events.republish_pending(runtime.clock.now())
    if count:
        log.warning("republished %s pending events", count)
    return {"republished": count}
