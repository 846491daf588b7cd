"""Incidents follow monitor events: opened on `monitor.down`, resolved on `monitor.up`, with
region changes on the open incident's timeline. Subscribed to the events topic, so an event
published twice (SNS is at-least-once, the sweeper republishes) still opens one incident: the
incident id is derived from the outage (monitor + the slot it started in).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from chalice import Blueprint

from chalicelib.incidents import dependency_notes, service as incidents
from chalicelib.bus import event_topic
from chalicelib.kernel.ids import outage_incident_id
from chalicelib.kernel.runtime import runtime
from chalicelib.storage import incidents as incident_store
from chalicelib.kernel.vocabulary import Event

bp = Blueprint(__name__)
log = logging.getLogger("enori.incident_events")


def slot_time(slot: int | None) -> datetime:
    return datetime.fromtimestamp(slot, timezone.utc) if slot else runtime.clock.now()


def handle_event(event: dict) -> None:
    kind, monitor = event.get("event"), event.get("monitor") or {}
    account_id = event.get("accountId")
    if not account_id or not monitor.get("id"):
        return
    if kind == Event.MONITOR_DOWN:
        incidents.open_for_monitor(
            account_id, monitor["id"], monitor.get("name", monitor["id"]),
            # Events stored before they named their incident derive the same id here.
            event.get("incidentId") or outage_incident_id(
                monitor["id"], event.get("downSinceSlot") or event.get("slot") or 0),
            event["alert"]["message"], slot_time(event.get("downSinceSlot")))
    elif kind == Event.MONITOR_UP:
        incidents.resolve_for_monitor(account_id, monitor["id"], slot_time(event.get("slot")),
                                      "Monitor is up again: check passing.")
    elif kind in (event_topic.JOINED, event_topic.LEFT):
        dependency_notes.record_note(event)
    elif kind in (Event.REGION_DOWN, Event.REGION_UP):
        for open_incident in incident_store.query_open_automatic(account_id, monitor["id"]):
            # A region change in the outage's first slot belongs after the "started" entry.
            at = max(slot_time(event.get("slot")),
                     open_incident.started_at + timedelta(milliseconds=1))
            incidents.add_timeline(account_id, open_incident.incident_id, "region",
                                   event["alert"]["message"], at, entry_id=event["id"])


@bp.on_sns_message(topic=event_topic.topic_name())
@event_topic.acknowledged
def on_event_for_incidents(event):
    handle_event(event_topic.decode(event.message))
