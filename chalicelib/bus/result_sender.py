"""Sending a remote region's results home (`check_results` says what they hold): packed into as
few messages as SQS takes, ten messages a `SendMessageBatch`, so a worker batch is normally one
call. Only a function that imports this module is granted the send (infra/access.py).
"""
from __future__ import annotations

import json
import logging

from chalicelib.bus.check_results import queue_name
from chalicelib.bus.queues import queue_url, region_sqs, send_calls

# Below SQS's 256 KB message (262,144 bytes), with room for the envelope.
MAX_MESSAGE_BYTES = 250_000
_ENVELOPE = '{"groups":[]}'
log = logging.getLogger("enori.worker")


def pack(groups: list[tuple[str, dict]]) -> tuple[list[tuple[str, set[str]]], set[str]]:
    """(origin message id, encoded group) pairs as message bodies of at most MAX_MESSAGE_BYTES,
    each with the origin messages it holds (a group is never split), and the origins whose
    group alone exceeds a message (their messages fail: nothing is dropped unsaid)."""
    bodies: list[tuple[list[str], set[str], int]] = []
    too_large: set[str] = set()
    for origin, group in groups:
        text = json.dumps(group, separators=(",", ":"), default=str)
        size = len(text.encode()) + 1    # and its comma
        if size + len(_ENVELOPE) > MAX_MESSAGE_BYTES:
            too_large.add(origin)
            continue
        if not bodies or bodies[-1][2] + size > MAX_MESSAGE_BYTES:
            bodies.append(([], set(), len(_ENVELOPE)))
        texts, origins, used = bodies[-1]
        texts.append(text)
        origins.add(origin)
        bodies[-1] = (texts, origins, used + size)
    return [(_ENVELOPE.replace("[]", "[" + ",".join(texts) + "]"), origins)
            for texts, origins, _ in bodies], too_large


def send(groups: list[tuple[str, dict]]) -> set[str]:
    """Send encoded groups to the home region's results queue, ten messages a call; returns the
    origin messages whose results SQS did not take (the caller fails them, SQS redelivers them
    and the home side's idempotent recording absorbs what arrives twice). Raises if the queue
    cannot be found (the caller fails them all)."""
    messages, failed = pack(groups)
    if failed:
        log.error("results of %d messages exceed an SQS message: they fail", len(failed))
    url = queue_url(queue_name())
    sqs = region_sqs(None)    # the home region's
    entries = [{"Id": str(i), "MessageBody": body} for i, (body, _) in enumerate(messages)]
    for call in send_calls(entries):     # ten at most, and within SQS's payload
        origins_of = {entry["Id"]: messages[int(entry["Id"])][1] for entry in call}
        try:
            response = sqs.send_message_batch(QueueUrl=url, Entries=call)
        except Exception:
            log.exception("could not send %d results messages home", len(call))
            failed.update(o for origins in origins_of.values() for o in origins)
            continue
        for refused in response.get("Failed") or []:
            failed.update(origins_of[refused["Id"]])
    return failed
