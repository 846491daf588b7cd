"""Status page subscribers hear of incidents on the page's components: opened
(`incident.created`), updated (`incident.updated`, internal) and resolved (`incident.resolved`).
Subscribed to the events topic; each confirmed subscriber of each page that shows the incident's
monitor gets one email per event (`subscriptions.notify_once`), with the public wording of the
page (`status_page_view.public_incident`: no causes, ids or key names).
"""
from __future__ import annotations

import logging

from chalice import Blueprint

from chalicelib.bus import event_topic
from chalicelib.status_pages import view as status_page_view, subscriptions
from chalicelib.kernel.runtime import runtime
from chalicelib.storage import incidents as incident_store
from chalicelib.storage import status_pages as store
from chalicelib.kernel.vocabulary import Event

bp = Blueprint(__name__)
log = logging.getLogger("enori.status_notifications")

NOTIFIED_EVENTS = (Event.INCIDENT_CREATED, Event.INCIDENT_UPDATED, Event.INCIDENT_RESOLVED)


def handle_event(event: dict) -> int:
    """Mail the subscribers an incident event concerns; the number of emails sent."""
    incident_id = (event.get("incident") or {}).get("id")
    account_id = event.get("accountId")
    if event.get("event") not in NOTIFIED_EVENTS or not incident_id or not account_id:
        return 0
    if event["event"] == Event.INCIDENT_UPDATED and not (event.get("update") or {}).get("public", True):
        return 0  # an internal note: never mailed to the public
    item = incident_store.get_incident(account_id, incident_id)
    if item is None or not item.monitor_id:
        return 0  # deleted meanwhile, or a manual incident about no monitor: on no page
    pages = [(p, c) for p in store.list_pages(account_id) for c in p.components
             if c["monitor_id"] == item.monitor_id]
    if not pages:
        return 0
    timeline = incident_store.timeline(incident_id)
    now, sent = runtime.clock.now(), 0
    for page, component in pages:
        name = component.get("display_name") or item.monitor_name or "A service"
        public = status_page_view.public_incident(item, timeline, name)
        update = _update_for(event, public)
        for subscriber in store.confirmed_subscribers(page.page_id):
            message = subscriptions.notification_email(page, subscriber, public, update)
            sent += subscriptions.notify_once(subscriber, event["id"], message, now)
    return sent


def _update_for(event: dict, public: dict) -> dict | None:
    """The public update this event is about (updates are newest first)."""
    updates = public["updates"]
    if event["event"] == Event.INCIDENT_UPDATED:
        entry = event.get("update") or {}
        return {"message": entry.get("message"), "status": entry.get("status")}
    if event["event"] == Event.INCIDENT_RESOLVED:
        return next((u for u in updates if u["status"] == "Resolved"), None)
    return updates[-1] if updates else None


@bp.on_sns_message(topic=event_topic.topic_name())
@event_topic.acknowledged
def on_event_for_status_pages(event):
    handle_event(event_topic.decode(event.message))
