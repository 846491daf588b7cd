"""Dead letters go home: messages that failed their queue's receives too often are moved back
to that queue, a bounded number per run, so an outage that outlasted the retries loses nothing.

A message is moved back at most MAX_REDRIVES times (counted in a message attribute): one that
keeps failing stays in the dead-letter queue, where the DLQ-depth alarm (infra/monitoring.py)
asks a person to look. Moving is send-then-delete, so a crash between the two sends a message
twice at worst, which the consumers' idempotency absorbs.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger("enori.dead_letters")

REDRIVES_ATTRIBUTE = "EnoriRedrives"
MAX_REDRIVES = 3
MAX_PER_RUN = 100
# Longer than a run: within one run a message is seen once, and one left in the DLQ is visible
# again (to the alarm and the next run) minutes later.
RECEIVE_VISIBILITY_SECONDS = 300


def dlq_name_of(queue_name: str) -> str:
    """The dead-letter queue of `queue_name` (infra/queues.py and the local stack name it so)."""
    return f"{queue_name}-dlq"


@dataclass
class Redrive:
    moved: int = 0
    kept: int = 0


def redrive(sqs, source_url: str, dlq_url: str, budget: int = MAX_PER_RUN) -> Redrive:
    """Move up to `budget` messages of `dlq_url` back to `source_url`."""
    done = Redrive()
    while done.moved + done.kept < budget:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=min(10, budget - done.moved - done.kept),
            VisibilityTimeout=RECEIVE_VISIBILITY_SECONDS, MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            attributes = message.get("MessageAttributes") or {}
            redrives = int((attributes.get(REDRIVES_ATTRIBUTE) or {}).get("StringValue") or 0)
            if redrives >= MAX_REDRIVES:
                done.kept += 1
                continue
            attributes = {**attributes, REDRIVES_ATTRIBUTE: {
                "DataType": "Number", "StringValue": str(redrives + 1)}}
            sqs.send_message(QueueUrl=source_url, MessageBody=message["Body"],
                             MessageAttributes=attributes)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            done.moved += 1
    return done
