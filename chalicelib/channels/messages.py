"""The human wording every channel shares: one `Summary` per event (title, status, colour, facts,
link), so Slack, Discord, Teams and email say the same thing in their own markup. Pure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.kernel.settings import settings
from chalicelib.kernel.vocabulary import Event

TEST_NOTICE = "[TEST] This is a test alert from Enori"
COLOURS = {"bad": "#D92D20", "good": "#12B76A", "warning": "#F79009", "info": "#667085"}
MISSING = "—"


@dataclass(frozen=True)
class Summary:
    event: str
    emoji: str
    headline: str                  # "Production API is down": email subjects use it bare
    tone: str                      # a key of COLOURS
    status: str
    monitor_name: str | None
    cause: str | None
    timestamp: str | None          # ISO 8601 from the event
    link: str | None
    link_label: str
    test: bool = False

    @property
    def title(self) -> str:
        title = f"{self.emoji} {self.headline}"
        return f"[TEST] {title}" if self.test else title

    @property
    def colour(self) -> str:
        return COLOURS[self.tone]

    @property
    def colour_int(self) -> int:
        return int(self.colour[1:], 16)

    @property
    def description(self) -> str:
        """The cause, under the test notice when this is a test."""
        if not self.test:
            return self.cause or ""
        if self.cause and self.cause not in TEST_NOTICE:
            return f"{TEST_NOTICE}\n{self.cause}"
        return TEST_NOTICE

    def facts(self) -> list[tuple[str, str]]:
        """Status, Monitor, Cause, Time: the same four lines on every channel."""
        return [("Status", self.status), ("Monitor", self.monitor_name or MISSING),
                ("Cause", self.cause or MISSING), ("Time", human_time(self.timestamp))]


def human_time(timestamp: str | None) -> str:
    if not timestamp:
        return MISSING
    try:
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


# "View monitor" / "View incident" open the dashboard's pages (chalicelib/web), which a browser
# can show; the API's JSON routes answer a browser with a 401.
def monitor_link(monitor_id: str | None) -> str | None:
    return f"{settings.public_base_url}/monitors/{monitor_id}" if monitor_id else None


def incident_link(incident_id: str | None) -> str | None:
    return f"{settings.public_base_url}/incidents/{incident_id}" if incident_id else None


# event -> (emoji, headline, tone, status); {name} is the monitor's name, {title} the incident's.
_MONITOR_WORDS = {
    Event.MONITOR_DOWN: ("🔴", "{name} is down", "bad", "Down"),
    Event.MONITOR_UP: ("✅", "{name} is up again", "good", "Up"),
    Event.MONITOR_DEGRADED: ("⚠️", "{name} is degraded", "warning", "Degraded"),
    Event.MONITOR_PERFORMANCE_RESTORED: ("✅", "{name} performance is back to normal", "good", "Up"),
    Event.MONITOR_SSL_EXPIRING: ("🔒", "SSL certificate expiring for {name}", "warning",
                             "SSL expiring"),
    Event.MONITOR_NOT_CHECKED: ("❔", "{name} is not checked by enough regions", "warning",
                            "Not checked"),
    "test": ("🧪", "Test alert for {name}", "info", "Test"),
}
_INCIDENT_WORDS = {
    Event.INCIDENT_CREATED: ("🚨", "Incident opened: {title}", "bad", "startedAt"),
    Event.INCIDENT_UPDATED: ("📝", "Incident updated: {title}", "info", "startedAt"),
    Event.INCIDENT_ACKNOWLEDGED: ("👀", "Incident acknowledged: {title}", "info", "acknowledgedAt"),
    Event.INCIDENT_RESOLVED: ("✅", "Incident resolved: {title}", "good", "resolvedAt"),
}
CHANNEL_FAILED = Event.CHANNEL_FAILED      # chalicelib.channels.failures: a channel failed for good


def summarize(event: dict, test: bool = False) -> Summary:
    """The wording of `event` (a stored event: `event`, `monitor`, `alert`, maybe `incident`)."""
    kind = event.get("event") or "event"
    if kind == CHANNEL_FAILED:
        return _channel_summary(event, test)
    if kind in _INCIDENT_WORDS or (event.get("incident") and kind not in _MONITOR_WORDS):
        return _incident_summary(kind, event, test)
    monitor = event.get("monitor") or {}
    alert = event.get("alert") or {}
    name = monitor.get("name") or "A monitor"
    emoji, headline, tone, status = _MONITOR_WORDS.get(kind, ("ℹ️", f"{{name}}: {kind}", "info",
                                                              alert.get("type") or kind))
    return Summary(event=kind, emoji=emoji, headline=headline.format(name=name), tone=tone,
                   status=status, monitor_name=monitor.get("name"), cause=alert.get("message"),
                   timestamp=alert.get("timestamp"), link=monitor_link(monitor.get("id")),
                   link_label="View monitor", test=test)


def _incident_summary(kind: str, event: dict, test: bool) -> Summary:
    incident = event.get("incident") or {}
    monitor = event.get("monitor") or {}
    emoji, headline, tone, time_key = _INCIDENT_WORDS.get(
        kind, ("ℹ️", f"Incident {kind}: {{title}}", "info", "startedAt"))
    # An update's event names its incident by id only.
    title = incident.get("title") or incident.get("id") or "untitled"
    update = event.get("update") or {}      # incident.updated: the update is the news
    return Summary(event=kind, emoji=emoji, headline=headline.format(title=title), tone=tone,
                   status=incident.get("status") or update.get("status") or MISSING,
                   monitor_name=incident.get("monitorName") or monitor.get("name"),
                   cause=update.get("message") or incident.get("cause"),
                   timestamp=update.get("at") or incident.get(time_key)
                   or incident.get("startedAt"),
                   link=incident_link(incident.get("id")), link_label="View incident", test=test)


def _channel_summary(event: dict, test: bool) -> Summary:
    """A channel that failed for good, told to the account's other channels."""
    channel, alert = event.get("channel") or {}, event.get("alert") or {}
    name = channel.get("name") or channel.get("id") or "An alert channel"
    link = f"{settings.public_base_url}/api/alert-channels/{channel['id']}" \
        if channel.get("id") else None
    return Summary(event=CHANNEL_FAILED, emoji="⚠️",
                   headline=f"Alert channel {name} ({channel.get('type') or '?'}) stopped working",
                   tone="warning", status="Failing", monitor_name=None,
                   cause=alert.get("message"), timestamp=alert.get("timestamp"), link=link,
                   link_label="View channel", test=test)
