"""The events topic as its consumers see it: its name, the event types, the consumers an event
waits for, and how a consumer reads and acknowledges a message. Publishing is `events`': a
consumer that only reads imports this module, so it is granted no `sns:Publish`
(infra/access.py grants it to whatever reaches `events`).
"""
from __future__ import annotations

import functools
import json

from chalicelib.kernel.settings import settings
from chalicelib.storage import events as store
from chalicelib.kernel.vocabulary import Event

PUBLIC_EVENTS = (Event.MONITOR_DOWN, Event.MONITOR_UP, Event.MONITOR_DEGRADED, Event.MONITOR_SSL_EXPIRING,
                 Event.INCIDENT_CREATED, Event.INCIDENT_RESOLVED,
                 # Ours, in the spec's style: fewer regions than the quorum reported for
                 # several slots (a region dark): the verdict rests on the others.
                 Event.MONITOR_NOT_CHECKED)
# Internal: a dependent monitor's Down joined (or its recovery left) its parent's outage
# (`chalicelib.status.dependencies`); the incident consumer notes them on the parent's incident.
JOINED, LEFT = Event.MONITOR_JOINED, Event.MONITOR_LEFT
# The handlers subscribed to the events topic: an event is pending until each has acknowledged
# it. A test holds this list equal to the app's SNS subscriptions.
CONSUMERS = ("on_event_for_incidents", "deliver_events", "on_event_for_escalations",
             "on_event_for_status_pages")


def topic_name() -> str:
    return settings.queue_name("events")


def decode(message: str) -> dict:
    return json.loads(message)


def acknowledged(handler):
    """Wrap an events-topic handler: once it has returned, its part of the event is done and
    the outbox stops waiting for it (a handler that raises leaves the event pending)."""
    @functools.wraps(handler)
    def handle(event):
        result = handler(event)
        event_id = decode(event.message).get("id")
        if event_id:        # a message with no id names no stored event
            store.acknowledge(event_id, handler.__name__)
        return result
    return handle
