"""Which channels an event reaches. Pure: plain dicts in, channel ids out, no I/O.

Two sources add up, each channel once, in a stable order (the monitor's own channels first, then
rules in the order given — oldest first from storage):

1. The monitor's own `alert_channel_ids` (its stored snake_case config): `monitor.down` only if
   `alert_on_down`, `monitor.up` only if `alert_on_recovered`, `monitor.degraded` and
   `monitor.ssl_expiring` always. `incident.*` events never use them: incidents follow the
   monitor's down/up alerts already, so the monitor's channels would hear twice.
2. Every enabled rule whose `events` include the event type and whose target matches the
   monitor: its id is in `monitor_ids`; or the monitor carries ALL of `tags` (AND, like the
   `?tag=` filter of GET /api/monitors); or `all_monitors`.

The monitor of an event is `event["monitor"]["id"]`, else the incident's `monitorId`. A manual
incident about no monitor matches only `all_monitors` rules. Channels that no longer exist are
dropped later, when delivery loads them (`storage.channels.get_channels`).

A rule is `{"enabled", "monitor_ids" | None, "tags" | None, "all_monitors", "channel_ids",
"events"}` (`AlertRuleItem.as_routing_dict()`).
"""
from __future__ import annotations

from chalicelib.kernel.vocabulary import Event
# Event type -> the monitor flag that must be on for the monitor's own channels (None: always).
MONITOR_CHANNEL_EVENTS: dict[str, str | None] = {
    Event.MONITOR_DOWN: "alert_on_down",
    Event.MONITOR_UP: "alert_on_recovered",
    Event.MONITOR_DEGRADED: None,
    Event.MONITOR_SSL_EXPIRING: None,
    Event.MONITOR_NOT_CHECKED: None,
}


def channels_for_event(event: dict, monitor_config: dict | None, rules: list[dict]) -> list[str]:
    """The de-duplicated channel ids `event` must reach, in a stable order."""
    kind = event.get("event")
    monitor_id = monitor_id_of(event)
    found: list[str] = []
    if monitor_config is not None and kind in MONITOR_CHANNEL_EVENTS:
        flag = MONITOR_CHANNEL_EVENTS[kind]
        if flag is None or monitor_config.get(flag, True):
            found += monitor_config.get("alert_channel_ids") or []
    tags = set((monitor_config or {}).get("tags") or [])
    for rule in rules:
        if rule.get("enabled", True) and kind in (rule.get("events") or []) \
                and is_rule_target(rule, monitor_id, tags):
            found += rule.get("channel_ids") or []
    return list(dict.fromkeys(found))


def monitor_id_of(event: dict) -> str | None:
    monitor = event.get("monitor") or {}
    incident = event.get("incident") or {}
    return monitor.get("id") or incident.get("monitorId")


def is_rule_target(rule: dict, monitor_id: str | None, monitor_tags: set[str]) -> bool:
    """Whether `rule` targets the monitor (`monitor_id` None: an event about no monitor)."""
    if rule.get("all_monitors"):
        return True
    if monitor_id is None:
        return False
    if rule.get("monitor_ids") is not None:
        return monitor_id in rule["monitor_ids"]
    wanted = rule.get("tags")
    return bool(wanted) and set(wanted) <= monitor_tags


# The events that open an incident's alert on a channel: what an acknowledgement follows.
OPENING_EVENTS = (Event.MONITOR_DOWN, Event.INCIDENT_CREATED)


def acknowledgement_channels(event: dict, monitor_config: dict | None,
                             rules: list[dict]) -> list[str]:
    """The channels an `incident.acknowledged` reaches: those its incident's opening reached (the
    monitor's down alert, or a rule's `monitor.down` or `incident.created`), so a paging tool that
    opened an alert for it is the one told it is acknowledged. Delivery keeps the types that act
    on it (`alerting.ACKNOWLEDGING_TYPES`)."""
    found: list[str] = []
    for kind in OPENING_EVENTS:
        found += channels_for_event({**event, "event": kind}, monitor_config, rules)
    return list(dict.fromkeys(found))
