"""Every minute: move dead-lettered alert retries (five failed receives: DynamoDB down, say)
back to their queue, a bounded number per run. Events need no dead-letter queue of their own:
the outbox republishes them. It touches those two queues only: no table, no mail, no topic."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from chalicelib.bus import dead_letters
from chalicelib.kernel import observability
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import ALERT_RETRY_QUEUE, settings

bp = Blueprint(__name__)
log = logging.getLogger("enori.dead_letters")


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def redrive_dead_letters(event):
    sqs = runtime.client("sqs")
    source = settings.queue_name(ALERT_RETRY_QUEUE)

    def url(name: str) -> str:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]

    done = dead_letters.redrive(sqs, url(source), url(dead_letters.dlq_name_of(source)))
    if done.moved or done.kept:
        log.warning("moved %s dead-lettered alert retries back; %s kept after %s redrives",
                    done.moved, done.kept, dead_letters.MAX_REDRIVES)
    observability.emit_metrics({"DeadLettersRedriven": (done.moved, "Count"),
                                "DeadLettersKept": (done.kept, "Count")})
    return {"moved": done.moved, "kept": done.kept}
