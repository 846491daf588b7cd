"""Dashboard pages for monitors: the overview (`/`), one monitor with its chart, the create and
edit forms, pause, resume, check now and delete. Data only through the API's handlers."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from chalice import Blueprint

from chalicelib.incidents import routes as incidents_api
from chalicelib.monitors import routes as monitors_api
from chalicelib.heartbeats import routes as pings_api
from chalicelib.checks import figures, routes as results_api
from chalicelib.http.endpoint import MAX_LIMIT
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import ValidationError
from chalicelib.kernel.fields import MONITOR_TYPES
from chalicelib.kernel.settings import REGION_NAMES, settings
from chalicelib.kernel.stats import PERIODS
from chalicelib.web import charts, forms
from chalicelib.web.pages import Web, page
from chalicelib.kernel.vocabulary import MonitorType

bp = Blueprint(__name__)
_side_reads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="page-read")

STATUSES = ("Up", "Down", "Degraded", "Paused", "Pending")
# The chart's windows: the API's stats periods, and the last hour (the chart only; its figures
# then show the 24 h period).
CHART_PERIODS = {"1h": 3600, **PERIODS}
MONITOR_FORM = dict(
    texts=("name", "type", "url", "httpMethod", "expectedKeyword", "recordType", "nameserver",
           "cronExpression", "timezone", "groupName", "description"),
    numbers=("intervalSeconds", "timeoutSeconds", "expectedStatusCode", "failureThreshold",
             "port", "periodSeconds", "gracePeriodSeconds", "maxRuntimeSeconds",
             "responseTimeThresholdMs"),
    lists=("regions", "dependsOn"), csv=("tags", "expectedValues"),
    flags=("alertOnDown", "alertOnRecovered"))
# Inputs that only some types take: a Website's form must not send a Job's `periodSeconds`.
TYPE_FIELDS = {
    MonitorType.WEBSITE: {"url", "httpMethod", "expectedStatusCode", "expectedKeyword",
                "responseTimeThresholdMs"},
    MonitorType.PING: {"url"}, MonitorType.PORT: {"url", "port"},
    MonitorType.DNS: {"url", "recordType", "expectedValues", "nameserver"},
    MonitorType.DOMAIN: {"url"},
    MonitorType.JOB: {"periodSeconds", "cronExpression", "timezone", "gracePeriodSeconds",
            "maxRuntimeSeconds"},
}
ALL_TYPE_FIELDS = set().union(*TYPE_FIELDS.values())


def monitor_body(web: Web) -> dict:
    body = forms.body_from(web.form, **MONITOR_FORM)
    kind = body.get("type", "")
    keep = TYPE_FIELDS.get(kind, ALL_TYPE_FIELDS)
    body = {k: v for k, v in body.items() if k not in ALL_TYPE_FIELDS or k in keep}
    if kind == MonitorType.JOB:
        body.pop("intervalSeconds", None)
    return body


def filtered(items: list[dict], status: str, search: str) -> list[dict]:
    """The overview's status and text filters (type and tag are the API's own)."""
    needle = search.lower()
    return [m for m in items
            if (not status or m["status"] == status)
            and (not needle or needle in m["name"].lower() or needle in (m["url"] or "").lower())]


@page(bp, "/")
def overview(web: Web):
    query = {"limit": str(MAX_LIMIT), "type": web.query("type"), "tag": web.query("tag")}
    # The open incidents do not depend on the monitors: read them meanwhile.
    active = _side_reads.submit(web.api, incidents_api.active_incidents,
                                query={"limit": "50"}) if web.can("incidents:read") else None
    error = None
    try:
        items = web.api(monitors_api.list_monitors, query=query,
                        run=monitors_api.listed_monitors)["items"]
    except ValidationError as exc:
        items, error = [], exc.message
    listed = [monitors_api.summary_fields(item) for item in items]
    shown = filtered(listed, web.query("status"), web.query("q"))
    shown_ids = {m["id"] for m in shown}
    found = figures.figures_for([i for i in items if i.monitor_id in shown_ids], web.now)
    for monitor in shown:
        monitor["figures"] = found[monitor["id"]]
        monitor["spark"] = charts.sparkline(found[monitor["id"]].spark)
    active = active.result() if active is not None else []
    counts = {s: sum(1 for m in listed if m["status"] == s) for s in STATUSES}
    return web.render("overview.html", monitors=shown, total=len(listed), counts=counts,
                      active=active, types=MONITOR_TYPES, statuses=STATUSES, error=error,
                      filters={k: web.query(k) for k in ("type", "tag", "status", "q")})


@page(bp, "/monitors/new", ["GET", "POST"], scope="monitors:write")
def new_monitor(web: Web):
    values = {"type": web.query("type") or MonitorType.WEBSITE, "intervalSeconds": 60,
              "alertOnDown": True, "alertOnRecovered": True, "regions": ["UsEast"]}
    if web.request.method == "POST":
        body = monitor_body(web)
        try:
            created = web.api(monitors_api.create_monitor, body=body)
        except ValidationError as exc:
            return _form(web, "new", body, forms.errors_of(exc), status=400)
        return web.redirect(f"/monitors/{created['id']}", notice="created")
    return _form(web, "new", values, {})


@page(bp, "/monitors/{monitor_id}/edit", ["GET", "POST"], scope="monitors:write")
def edit_monitor(web: Web, monitor_id: str):
    current = web.api(monitors_api.get_monitor, monitor_id=monitor_id)
    if web.request.method == "POST":
        body = monitor_body(web)
        try:
            web.api(monitors_api.replace_monitor, body=body, monitor_id=monitor_id)
        except ValidationError as exc:
            return _form(web, "edit", {**body, "id": monitor_id}, forms.errors_of(exc), 400)
        return web.redirect(f"/monitors/{monitor_id}", notice="saved")
    return _form(web, "edit", current, {})


def _form(web: Web, mode: str, values: dict, errors: dict, status: int = 200):
    # The parents `dependsOn` may name: the account's other monitors.
    others = [m for m in web.api(monitors_api.list_monitors, query={"limit": str(MAX_LIMIT)})
              ["items"] if m["id"] != values.get("id")]
    return web.render("monitor_form.html", status=status, mode=mode, values=values,
                      errors=errors, types=MONITOR_TYPES, regions=REGION_NAMES, others=others)


@page(bp, "/monitors/{monitor_id}")
def monitor_page(web: Web, monitor_id: str):
    monitor = web.api(monitors_api.get_monitor, monitor_id=monitor_id)
    period = web.query("period") or "24h"
    if period not in CHART_PERIODS:
        period = "24h"
    now = web.now
    uptime = {p: web.api(results_api.monitor_stats, query={"period": p},
                         monitor_id=monitor_id) for p in ("24h", "7d", "30d")}
    figures_period = period if period in PERIODS else "24h"
    chosen = uptime.get(figures_period) or web.api(
        results_api.monitor_stats, query={"period": figures_period}, monitor_id=monitor_id)
    since = iso(now - timedelta(seconds=CHART_PERIODS[period]))
    recent = web.api(results_api.list_results, query={"limit": str(MAX_LIMIT), "from": since},
                     monitor_id=monitor_id)["items"]
    incidents = web.api(incidents_api.list_incidents,
                        query={"monitorId": monitor_id, "limit": "10"})["items"] if web.can("incidents:read") else []
    pings = web.api(pings_api.list_pings, query={"limit": "20"}, monitor_id=monitor_id)["items"] \
        if monitor["type"] == MonitorType.JOB else []
    return web.render("monitor.html", monitor=monitor, period=period, periods=list(CHART_PERIODS),
                      uptime=uptime, chosen=chosen, figures_period=figures_period, results=recent[:20],
                      chart=charts.response_times(recent), incidents=incidents, pings=pings,
                      base_url=settings.public_base_url)


@page(bp, "/monitors/{monitor_id}/pause", "POST", scope="monitors:write")
def pause(web: Web, monitor_id: str):
    web.api(monitors_api.pause_monitor, monitor_id=monitor_id)
    return web.redirect(f"/monitors/{monitor_id}", notice="paused")


@page(bp, "/monitors/{monitor_id}/resume", "POST", scope="monitors:write")
def resume(web: Web, monitor_id: str):
    web.api(monitors_api.resume_monitor, monitor_id=monitor_id)
    return web.redirect(f"/monitors/{monitor_id}", notice="resumed")


@page(bp, "/monitors/{monitor_id}/check", "POST", scope="monitors:write")
def check_now(web: Web, monitor_id: str):
    web.api(monitors_api.check_now, monitor_id=monitor_id)
    return web.redirect(f"/monitors/{monitor_id}", notice="queued")


@page(bp, "/monitors/{monitor_id}/delete", ["GET", "POST"], scope="monitors:write")
def delete(web: Web, monitor_id: str):
    monitor = web.api(monitors_api.get_monitor, monitor_id=monitor_id)
    if web.request.method == "POST":
        web.api(monitors_api.delete_monitor, monitor_id=monitor_id)
        return web.redirect("/", notice="deleted")
    return web.render("confirm.html", title=f"Delete {monitor['name']}?",
                      message="Its results, incidents and ping history go with it.",
                      action=f"/monitors/{monitor_id}/delete", button="Delete monitor",
                      back=f"/monitors/{monitor_id}")
