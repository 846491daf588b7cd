"""The product's words that travel as strings: monitor types and statuses. One name per concept
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
