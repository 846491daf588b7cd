"""Events: `monitor.down`, `monitor.up`, `monitor.degraded`, `monitor.ssl_expiring`,
`incident.created`, `incident.resolved` (spec "Webhooks → Event Types"), plus internal ones.

`emit` stores the event in the outbox, then publishes it to the SNS topic (its consumers need
only `event_topic`, and are granted no publishing). Ids are stable (derived
from what caused the event), so emitting twice stores and publishes once; delivery dedupes by
event id and channel.

The outbox keeps an event pending until every consumer (each `@on_sns_message` handler, wrapped
in `acknowledged`) has handled it; the sweeper publishes what is still pending after
`settings.event_republish_seconds` again, then again later and later (a consumer that keeps
failing costs a publish an hour at most, until the event expires). Publishing reaches every
consumer again: each is idempotent, so the ones that had done their part do nothing twice.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta, timezone

from chalicelib.bus.event_topic import CONSUMERS, topic_name
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.storage import events as store

log = logging.getLogger("enori.events")
RETENTION = timedelta(days=30)
MAX_REPUBLISH_DELAY_SECONDS = 3600


def event_id_for(*parts: object) -> str:
    """A stable event id from what caused it (e.g. monitor, transition, slot)."""
    return "evt_" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]


_topic_arn: str | None = None


def topic_arn() -> str:
    global _topic_arn
    if _topic_arn is None:
        _topic_arn = settings.events_topic_arn or \
            runtime.client("sns").create_topic(Name=topic_name())["TopicArn"]
    return _topic_arn


def build(event_id: str, account_id: str, type_: str, payload: dict) -> store.EventItem:
    now = runtime.clock.now()
    return store.new_event_item(event_id, account_id, type_, {"id": event_id, "event": type_,
                                                               "accountId": account_id,
                                                               **payload},
                                now.timestamp(), now + RETENTION, CONSUMERS)


def emit(event_id: str, account_id: str, type_: str, payload: dict) -> None:
    """Store and publish one event (idempotent by `event_id`)."""
    item = build(event_id, account_id, type_, payload)
    store.put_event(item)
    publish(item)


def publish(item: store.EventItem) -> bool:
    """Publish a stored event; on failure it stays pending for the sweeper."""
    try:
        runtime.client("sns").publish(
            TopicArn=topic_arn(), Message=item.payload_json,
            MessageAttributes={"event": {"DataType": "String", "StringValue": item.type}})
    except Exception:  # the outbox keeps it; the sweeper retries
        log.exception("could not publish event %s; it stays pending", item.event_id)
        return False
    return True


def republish_delay(times: int) -> float:
    """How long a still-pending event waits after its `times`-th republish for the next: twice
    as long each time, at most an hour."""
    return min(MAX_REPUBLISH_DELAY_SECONDS, settings.event_republish_seconds * 2 ** times)


def republish_pending(now: datetime | None = None) -> int:
    """Publish again the events some consumer has not acknowledged within the bound: a crash,
    an outage or a lost queue message left them behind (run every minute)."""
    now_epoch = (now or runtime.clock.now()).timestamp()
    items = store.pending_before(now_epoch - settings.event_republish_seconds)
    for item in items:
        if publish(item):
            # pending_before subtracts the bound again: the next look is `delay` from now.
            store.postpone(item.event_id, now_epoch + republish_delay(int(item.republished or 0) + 1)
                           - settings.event_republish_seconds)
    return len(items)


def monitor_ref(monitor) -> dict:
    """A monitor as every event carries it (the spec's webhook `monitor`: id, name, url, type),
    from its stored item; `url` is None for types that watch a host."""
    return {"id": monitor.monitor_id, "name": monitor.name, "url": monitor.config.get("url"),
            "type": monitor.type}


def utc_iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")
