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

TRIGGER, RESOLVE, ACKNOWLEDGE, NOTE = "trigger", "resolve", "acknowledge", "note"

_ACTIONS = {
    "monitor.down": TRIGGER, "incident.created": TRIGGER, "monitor.degraded": TRIGGER,
    "monitor.ssl_expiring": TRIGGER, "test": TRIGGER, CHANNEL_FAILED: TRIGGER,
    # Not checked by enough regions: a warning of its own (no event says "checked again", so
    # the person who looked closes it).
    "monitor.not_checked": TRIGGER,
    "monitor.up": RESOLVE, "incident.resolved": RESOLVE, "monitor.performance_restored": RESOLVE,
    "incident.acknowledged": ACKNOWLEDGE,
    "incident.updated": NOTE,
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
    if kind == "monitor.down":
        return event.get("incidentId") or (monitor_id and outage_incident_id(
            monitor_id, event.get("downSinceSlot") or event.get("slot") or 0))
    if kind == "monitor.up":
        return event.get("incidentId")
    if kind in ("monitor.degraded", "monitor.performance_restored"):
        return monitor_id and f"{monitor_id}:degraded"
    if kind == "monitor.ssl_expiring":
        return monitor_id and f"{monitor_id}:ssl"
    if kind == "monitor.not_checked":
        return monitor_id and f"{monitor_id}:not_checked"
    if kind == CHANNEL_FAILED:
        return f"{(event.get('channel') or {}).get('id')}:failed"
    return event.get("id")          # a test: an alert of its own


# PagerDuty's severities; an incident's own severity (Critical, Major, Minor) maps onto them.
SEVERITIES = ("critical", "error", "warning", "info")
_INCIDENT_SEVERITY = {"critical": "critical", "major": "error", "minor": "warning"}
_EVENT_SEVERITY = {"monitor.down": "critical", "incident.created": "critical",
                   "monitor.degraded": "warning", "monitor.ssl_expiring": "warning",
                   "monitor.not_checked": "warning", CHANNEL_FAILED: "warning", "test": "info"}


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
