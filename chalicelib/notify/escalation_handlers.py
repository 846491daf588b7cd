"""Escalations follow incident events: started on `incident.created`, stopped on
`incident.acknowledged` and `incident.resolved` (subscribed to the events topic; duplicates start
nothing twice); and every minute the steps that came due are fired (a Query on a sparse index).
"""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from chalicelib.notify import escalations
from chalicelib.bus import event_topic
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.vocabulary import Event

bp = Blueprint(__name__)
log = logging.getLogger("enori.escalations")
STOPPING_EVENTS = {Event.INCIDENT_ACKNOWLEDGED: "acknowledged", Event.INCIDENT_RESOLVED: "resolved"}


def handle_event(event: dict) -> None:
    kind, incident = event.get("event"), event.get("incident") or {}
    account_id = event.get("accountId")
    if not account_id or not incident.get("id"):
        return
    if kind == Event.INCIDENT_CREATED:
        escalations.start(event, runtime.clock.time())
    elif kind in STOPPING_EVENTS:
        escalations.stop_for_incident(account_id, incident["id"], STOPPING_EVENTS[kind])


@bp.on_sns_message(topic=event_topic.topic_name())
@event_topic.acknowledged
def on_event_for_escalations(event):
    handle_event(event_topic.decode(event.message))


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def run_escalations(event):
    fired = escalations.run_due_escalations(runtime.clock.time())
    if fired:
        log.info("notified %s escalation levels", fired)
    return {"notified": fired}
