"""The product's words that travel as strings: monitor types, statuses and event names. One name per concept
(docs/architecture.md, "Glossary"); StrEnum members are the strings themselves, so they compare,
hash, serialise and store exactly as the wire and the tables spell them."""
from __future__ import annotations

from enum import StrEnum


class MonitorType(StrEnum):
    WEBSITE = "Website"
    PING = "Ping"
    PORT = "Port"
    DNS = "Dns"
    DOMAIN = "Domain"
    JOB = "Job"        # a Job monitor: checked by its pings arriving, not by a checker


class MonitorStatus(StrEnum):
    PENDING = "Pending"      # not judged yet (new, resumed)
    UP = "Up"
    DOWN = "Down"
    PAUSED = "Paused"
    DEGRADED = "Degraded"    # Up, but slower than its threshold (shown, never stored as status)
    UNKNOWN = "Unknown"      # a region that has not reported


class Event(StrEnum):
    """What happened, as events name it (the outbox, the topic, webhooks, rules)."""
    MONITOR_DOWN = "monitor.down"
    MONITOR_UP = "monitor.up"
    MONITOR_DEGRADED = "monitor.degraded"
    MONITOR_PERFORMANCE_RESTORED = "monitor.performance_restored"
    MONITOR_SSL_EXPIRING = "monitor.ssl_expiring"
    MONITOR_NOT_CHECKED = "monitor.not_checked"
    MONITOR_JOINED = "monitor.joined"
    MONITOR_LEFT = "monitor.left"
    INCIDENT_CREATED = "incident.created"
    INCIDENT_UPDATED = "incident.updated"
    INCIDENT_ACKNOWLEDGED = "incident.acknowledged"
    INCIDENT_RESOLVED = "incident.resolved"
    CHANNEL_FAILED = "channel.failed"
    REGION_DOWN = "region.down"
    REGION_UP = "region.up"
