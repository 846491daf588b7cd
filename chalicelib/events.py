"""Events: `monitor.down`, `monitor.up`, `monitor.degraded`, `monitor.ssl_expiring`,
`incident.created`, `incident.resolved` (spec "Webhooks → Event Types"), plus internal ones.

`emit` stores the event in the outbox, then publishes it to the SNS topic. Ids are stable (derived
from what caused the event), so emitting twice stores and publishes once; delivery dedupes by
event id and channel.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta, timezone

from chalicelib.runtime import runtime
from chalicelib.settings import settings
from chalicelib.storage import events as store

log = logging.getLogger("enori.events")
PUBLIC_EVENTS = ("monitor.down", "monitor.up", "monitor.degraded", "monitor.ssl_expiring",
                 "incident.created", "incident.resolved")
RETENTION = timedelta(days=30)
REPUBLISH_AFTER_SECONDS = 60


def event_id_for(*parts: object) -> str:
    """A stable event id from what caused it (e.g. monitor, transition, slot)."""
    return "evt_" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]


def topic_name() -> str:
    return settings.queue_name("events")


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
                                now.timestamp(), now + RETENTION)


def emit(event_id: str, account_id: str, type_: str, payload: dict) -> None:
    """Store and publish one event (idempotent by `event_id`)."""
    item = build(event_id, account_id, type_, payload)
    store.put_event(item)
    publish(item)


def publish(item: store.EventItem) -> None:
    """Publish a stored event; on failure it stays pending for the sweeper."""
    try:
        runtime.client("sns").publish(
            TopicArn=topic_arn(), Message=item.payload_json,
            MessageAttributes={"event": {"DataType": "String", "StringValue": item.type}})
    except Exception:  # the outbox keeps it; the sweeper retries
        log.exception("could not publish event %s; it stays pending", item.event_id)
        return
    store.mark_published(item.event_id)


def republish_pending(now: datetime | None = None) -> int:
    """Publish events a crash or an outage left behind (run every minute)."""
    now = now or runtime.clock.now()
    cutoff = now.timestamp() - REPUBLISH_AFTER_SECONDS
    items = store.pending_before(cutoff)
    for item in items:
        publish(item)
    return len(items)


def monitor_ref(monitor) -> dict:
    """A monitor as every event carries it (the spec's webhook `monitor`: id, name, url, type),
    from its stored item; `url` is None for types that watch a host."""
    return {"id": monitor.monitor_id, "name": monitor.name, "url": monitor.config.get("url"),
            "type": monitor.type}


def decode(message: str) -> dict:
    return json.loads(message)


def utc_iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")
