"""The alert lifecycle paging tools (PagerDuty, Opsgenie) keep: which of their alerts an event
is about (`alert_key`, PagerDuty's `dedup_key`, Opsgenie's `alias`) and what it does to it
(`action_of`). Pure.

An outage is one alert, keyed by its incident: `monitor.down` and `incident.created` open it,
`incident.acknowledged` acknowledges it, `monitor.up` and `incident.resolved` close it, whatever
number of those reach the channel (the provider deduplicates by key, so a redelivered trigger opens
nothing new). A degraded spell and an SSL warning are alerts of their own, keyed by the monitor.
"""
from __future__ import annotations

from chalicelib.channels.messages import CHANNEL_FAILED
from chalicelib.kernel.ids import outage_incident_id
from chalicelib.kernel.vocabulary import Event

TRIGGER, RESOLVE, ACKNOWLEDGE, NOTE = "trigger", "resolve", "acknowledge", "note"

_ACTIONS = {
    Event.MONITOR_DOWN: TRIGGER, Event.INCIDENT_CREATED: TRIGGER, Event.MONITOR_DEGRADED: TRIGGER,
    Event.MONITOR_SSL_EXPIRING: TRIGGER, "test": TRIGGER, CHANNEL_FAILED: TRIGGER,
    # Not checked by enough regions: a warning of its own (no event says "checked again", so
    # the person who looked closes it).
    Event.MONITOR_NOT_CHECKED: TRIGGER,
    Event.MONITOR_UP: RESOLVE, Event.INCIDENT_RESOLVED: RESOLVE, Event.MONITOR_PERFORMANCE_RESTORED: RESOLVE,
    Event.INCIDENT_ACKNOWLEDGED: ACKNOWLEDGE,
    Event.INCIDENT_UPDATED: NOTE,
}


def action_of(event: dict) -> str | None:
    """trigger, resolve, acknowledge or note; None for an event no paging tool acts on."""
    return _ACTIONS.get(event.get("event") or "")


def alert_key(event: dict) -> str | None:
    """The key of the provider alert `event` is about; None when it cannot be known (a
    `monitor.up` stored before up events named their incident)."""
    kind = event.get("event") or ""
    monitor_id = (event.get("monitor") or {}).get("id")
    if kind.startswith("incident."):
        return (event.get("incident") or {}).get("id")
    if kind == Event.MONITOR_DOWN:
        return event.get("incidentId") or (monitor_id and outage_incident_id(
            monitor_id, event.get("downSinceSlot") or event.get("slot") or 0))
    if kind == Event.MONITOR_UP:
        return event.get("incidentId")
    if kind in (Event.MONITOR_DEGRADED, Event.MONITOR_PERFORMANCE_RESTORED):
        return monitor_id and f"{monitor_id}:degraded"
    if kind == Event.MONITOR_SSL_EXPIRING:
        return monitor_id and f"{monitor_id}:ssl"
    if kind == Event.MONITOR_NOT_CHECKED:
        return monitor_id and f"{monitor_id}:not_checked"
    if kind == CHANNEL_FAILED:
        return f"{(event.get('channel') or {}).get('id')}:failed"
    return event.get("id")          # a test: an alert of its own


# PagerDuty's severities; an incident's own severity (Critical, Major, Minor) maps onto them.
SEVERITIES = ("critical", "error", "warning", "info")
_INCIDENT_SEVERITY = {"critical": "critical", "major": "error", "minor": "warning"}
_EVENT_SEVERITY = {Event.MONITOR_DOWN: "critical", Event.INCIDENT_CREATED: "critical",
                   Event.MONITOR_DEGRADED: "warning", Event.MONITOR_SSL_EXPIRING: "warning",
                   Event.MONITOR_NOT_CHECKED: "warning", CHANNEL_FAILED: "warning", "test": "info"}


def severity_of(event: dict) -> str:
    """The incident's severity when it has one, else the monitor's (a `severity` on the event's
    monitor), else what the event means: down is critical, degraded and SSL warnings are warnings."""
    incident = (event.get("incident") or {}).get("severity")
    if isinstance(incident, str) and incident.lower() in _INCIDENT_SEVERITY:
        return _INCIDENT_SEVERITY[incident.lower()]
    monitor = (event.get("monitor") or {}).get("severity")
    if isinstance(monitor, str) and monitor.lower() in SEVERITIES:
        return monitor.lower()
    return _EVENT_SEVERITY.get(event.get("event") or "", "error")
