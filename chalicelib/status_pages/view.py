"""The public view of a status page: the dict behind both `GET /api/public/status-pages/{slug}`
and the HTML of `GET /status/{slug}` (`status_page_render`).

What is public, and what never is: component names (the display name, else the monitor's name),
statuses, daily uptime, incident titles and their human-written updates. Never monitor ids,
account ids, incident ids, alert causes (they can name hosts and addresses: automatic incidents
get a generic title and generic started/resolved texts), acknowledging keys' names, or
subscribers. URLs and response times only when the page opts in.

Cost: the 90 daily bars of a component are sums of its hourly rollups (`monitor_rollups`: one
Query of up to 2,160 small items, and one of the minute items of the hours not rolled up yet),
plus one Query of its incidents and one per incident timeline.
A built view is cached in memory per Lambda container for `CACHE_SECONDS`, so a popular page
costs those reads at most once a minute per container; the page's own writes (PUT, DELETE) drop
the entry in the container that made them, other containers may serve it up to a minute stale.
Not done (yet): a stored daily rollup, which would cut the Query to 90 items per component.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable

from chalicelib.maintenance import cover as maintenance_cover
from chalicelib.monitors import job_status, jobs
from chalicelib.kernel import stats
from chalicelib.incidents import dependencies as dependency_incidents
from chalicelib.kernel.clock import iso
from chalicelib.kernel.vocabulary import MonitorStatus
from chalicelib.storage import incidents as incident_store
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import results as result_store
from chalicelib.storage import status_pages as store
from chalicelib.storage.incidents import IncidentItem, IncidentUpdateItem, public_status
from chalicelib.storage.status_pages import StatusPageItem

DAYS = 90
CACHE_SECONDS = 60
MAX_INCIDENTS = 50
OVERALL_STATUSES = ("operational", "degraded", "partial_outage", "major_outage",
                    "under_maintenance")

# Maintenance shows as `maintenance_cover.active_and_upcoming` gives it, each dict
# `{"name" (or "title"), "description"?, "startsAt", "endsAt", "active": bool (or "status":
# "scheduled"|"in_progress"|"completed"), "monitorIds"?}`. Only title, description, status,
# startsAt and endsAt are shown (ids never; monitorIds become component names); the components
# of a window in progress show "Maintenance", and the page says "under_maintenance" unless
# something else is down (`overall_status`).
_MAINTENANCE_KEYS = ("description", "startsAt", "endsAt")

_cache: dict[str, tuple[float, dict]] = {}


def public_view(slug: str, now: datetime) -> dict | None:
    """The public dict of the page holding `slug` (None if none does), cached for a minute."""
    hit = _cache.get(slug)
    if hit is not None and 0 <= now.timestamp() - hit[0] < CACHE_SECONDS:
        return hit[1]
    page = store.find_by_slug(slug)
    if page is None:
        _cache.pop(slug, None)
        return None
    view = build_view(page, now)
    _cache[slug] = (now.timestamp(), view)
    return view


def forget(slug: str) -> None:
    _cache.pop(slug, None)


# --- building (reads) ------------------------------------------------------------------------

def build_view(page: StatusPageItem, now: datetime) -> dict:
    monitors = []
    for component in page.components:
        monitor = monitor_store.get_monitor(page.account_id, component["monitor_id"])
        if monitor is not None:  # a monitor deleted since the page was saved is left out
            monitors.append((component, monitor))
    names = {m.monitor_id: c.get("display_name") or m.name for c, m in monitors}
    windows = _windows(page.account_id, list(names), now)
    under_maintenance = {m for w in windows if _window_status(w) == "in_progress"
                         for m in w.get("monitorIds") or []}
    components = [_component(page, c, m, now, m.monitor_id in under_maintenance)
                  for c, m in monitors]
    incidents = _incidents(page.account_id, list(names), names, now)
    maintenance = [_public_window(w, names) for w in windows]
    return {
        "name": page.name,
        "slug": page.slug,
        "description": page.description,
        "status": overall_status([c["status"] for c in components],
                                 any(m["status"] == "in_progress" for m in maintenance)),
        "showUptimeBars": bool(page.show_uptime_bars),
        "components": components,
        "activeIncidents": [i for i in incidents if i["status"] != "Resolved"],
        "incidents": incidents,
        "maintenance": maintenance,
        "updatedAt": iso(now),
    }


def _component(page: StatusPageItem, component: dict, monitor: Any, now: datetime,
               in_maintenance: bool = False) -> dict:
    first_day = now.astimezone(timezone.utc).date() - timedelta(days=DAYS - 1)
    first_hour = int(datetime.combine(first_day, time(), timezone.utc).timestamp())
    rollups = result_store.monitor_rollups(monitor, first_hour, stats.hour_of(now.timestamp()))
    body = {
        "name": component.get("display_name") or monitor.name,
        "group": component.get("group"),
        "status": component_status(monitor, in_maintenance),
        "uptime": day_bars(rollups, first_day),
        "uptime90d": uptime_of(rollups),
    }
    if monitor.type == jobs.JOB:   # time not Down, from its status changes
        spans = job_status.job_status_spans(monitor, first_hour, int(now.timestamp()))
        body["uptime"] = span_day_bars(spans, first_day)
        body["uptime90d"] = stats.time_uptime(*stats.known_and_down_seconds(
            spans, first_hour, int(now.timestamp())))
    if page.show_response_times:
        body["responseTimeMs"] = average_response_ms(
            r for r in rollups if r.hour_epoch > now.timestamp() - 24 * stats.SECONDS_PER_HOUR)
    if page.show_monitor_urls:
        config = monitor.config
        body["url"] = config.get("url") or config.get("host")
    return body


def _incidents(account_id: str, monitor_ids: list[str], names: dict[str, str],
               now: datetime) -> list[dict]:
    found: dict[str, IncidentItem] = {}
    for monitor_id in monitor_ids:
        for item in incident_store.query_monitor(monitor_id, start=now - timedelta(days=DAYS)):
            if item.account_id == account_id:
                found[item.incident_id] = item
    newest = sorted(found.values(), key=lambda i: i.started_at, reverse=True)[:MAX_INCIDENTS]
    shown = [public_incident(i, incident_store.timeline(i.incident_id),
                             names.get(i.monitor_id or "", "A service")) for i in newest]
    for body, item in zip(shown, newest):   # the page's dependents that joined the outage
        body["components"] += dependency_incidents.affected_names(item, names)
    return shown


def _windows(account_id: str, monitor_ids: list[str], now: datetime) -> list[dict]:
    return maintenance_cover.active_and_upcoming(account_id, monitor_ids, now)


def _window_status(window: dict) -> str:
    return "in_progress" if window.get("active") \
        else str(window.get("status", "scheduled")).lower()


def _public_window(window: dict, names: dict[str, str]) -> dict:
    public = {"title": window.get("title") or window.get("name") or "Maintenance",
              **{k: window[k] for k in _MAINTENANCE_KEYS if k in window}}
    public["status"] = _window_status(window)
    public["components"] = [names[m] for m in window.get("monitorIds") or [] if m in names]
    return public


# --- pure rules ------------------------------------------------------------------------------

def component_status(monitor: Any, in_maintenance: bool = False) -> str:
    """Up, Down, Degraded, Paused, Pending (degraded is a flag on an Up monitor), or Maintenance
    inside a window in progress: a planned outage is not shown as Down."""
    if monitor.paused:
        return MonitorStatus.PAUSED
    if in_maintenance:
        return "Maintenance"
    if monitor.status == MonitorStatus.UP and monitor.state.get("degraded"):
        return MonitorStatus.DEGRADED
    return monitor.status if monitor.status in (MonitorStatus.UP, MonitorStatus.DOWN, MonitorStatus.PENDING) else MonitorStatus.PENDING


def overall_status(statuses: list[str], maintenance_in_progress: bool = False) -> str:
    """The headline never hides an outage: major_outage if every watched (not paused)
    component is down, partial_outage if some are, then under_maintenance (a window in
    progress), then degraded, else operational. A component under maintenance shows
    "Maintenance", so a planned outage alone never reads as an unplanned one."""
    watched = [s for s in statuses if s != MonitorStatus.PAUSED]
    down = watched.count(MonitorStatus.DOWN)
    if down:
        return "major_outage" if down == len(watched) else "partial_outage"
    if maintenance_in_progress or "Maintenance" in watched:
        return "under_maintenance"
    if MonitorStatus.DEGRADED in watched:
        return "degraded"
    return "operational"


def day_bars(rollups: Iterable[Any], first_day: date, days: int = DAYS) -> list[dict]:
    """One `{date, uptimePercentage}` per UTC day from `first_day`, oldest first; null for a
    day without checks."""
    sums: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for rollup in rollups:
        day = datetime.fromtimestamp(rollup.hour_epoch, timezone.utc).date()
        sums[day][0] += int(rollup.checks)
        sums[day][1] += int(rollup.failures)
    bars = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        checks, failures = sums.get(day, (0, 0))
        bars.append({"date": day.isoformat(),
                     "uptimePercentage": stats.uptime_or_none(checks, failures)})
    return bars


def span_day_bars(spans: list[tuple[int, int, str]], first_day: date, days: int = DAYS
                  ) -> list[dict]:
    """`day_bars` from status spans (Job monitors): each day's time not Down; null for a day
    without a known status."""
    bars = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        start = int(datetime.combine(day, time(), timezone.utc).timestamp())
        known, down = stats.known_and_down_seconds(spans, start, start + 24 * stats.SECONDS_PER_HOUR)
        bars.append({"date": day.isoformat(), "uptimePercentage": stats.time_uptime(known, down)})
    return bars


def uptime_of(rollups: Iterable[Any]) -> float | None:
    rollups = list(rollups)
    checks = sum(int(r.checks) for r in rollups)
    failures = sum(int(r.failures) for r in rollups)
    return stats.uptime_or_none(checks, failures)


def average_response_ms(rollups: Iterable[Any]) -> int | None:
    rollups = list(rollups)
    count = sum(int(r.rt_count) for r in rollups)
    return round(sum(int(r.rt_sum_ms) for r in rollups) / count) if count else None


def public_incident(item: IncidentItem, timeline: list[IncidentUpdateItem], name: str) -> dict:
    """An incident without ids, causes or key names: its public updates only, newest first,
    and the status the API calls `publicStatus`."""
    updates = [u for u in (_public_update(item, e, name) for e in timeline) if u is not None]
    updates.reverse()
    return {
        "title": f"{name} is down" if item.automatic else item.title,
        "status": public_status(item, timeline),
        "startedAt": iso(item.started_at),
        "resolvedAt": iso(item.resolved_at),
        "components": [name] if item.monitor_id else [],
        "updates": updates,
    }


def _public_update(item: IncidentItem, entry: IncidentUpdateItem, name: str) -> dict | None:
    """A public entry as written; the start and end of an incident in the page's own words when
    their entry is internal (an automatic cause, a default text naming the key); None for any
    other internal entry (private updates, region changes, acknowledgements)."""
    if entry.kind == "started":
        status = entry.status or "Investigating"
        generic = f"We are investigating an outage of {name}." if item.automatic \
            else "We are investigating this incident."
    elif entry.kind == "resolved":
        status = "Resolved"
        generic = f"{name} is operating normally again." if item.automatic \
            else "This incident has been resolved."
    elif entry.is_public:
        status, generic = entry.status, None
    else:
        return None
    message = entry.message if entry.is_public else generic
    return {"message": message, "status": status, "at": iso(entry.at)}
