"""Public badges: `/api/badges/{monitorId}/uptime.svg` and `/status.svg` (spec "Uptime Badges").

A badge is an image embedded in READMEs, so a monitor that is unknown, paused or has no checks in
the period is a gray "unknown" badge with 200 (a broken image helps no one), while bad
parameters are the usual 400 JSON envelope. Uptime over a period is the sum of its hourly
rollups, as `/stats` computes it. Cached 5 minutes by browsers and CDNs (spec).
"""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.status_pages import badges
from chalicelib.monitors import job_status, jobs
from chalicelib.kernel import stats
from chalicelib.http.contract import SVG, Success, query
from chalicelib.http.endpoint import Call, endpoint
from chalicelib.kernel.errors import ValidationError
from chalicelib.status_pages.view import component_status, uptime_of
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import results as result_store

bp = Blueprint(__name__)

PERIODS = ("24h", "7d", "30d", "90d")
DEFAULT_PERIOD = "30d"
HEADERS = {"Content-Type": SVG, "Cache-Control": "public, max-age=300"}
LABEL = query("label", {"type": "string", "maxLength": badges.MAX_LABEL_CHARS},
              "Left side label text")
STYLE = query("style", {"type": "string", "enum": list(badges.STYLES), "default": "flat"},
              "Badge style")
BADGE = Success({"type": "string"}, media=(SVG,),
                description="The badge (gray 'unknown' for an unknown or paused monitor)")


def _label(call: Call, default: str) -> str:
    label = call.query("label")
    if label is None or label == "":
        return default
    if len(label) > badges.MAX_LABEL_CHARS:
        raise ValidationError.for_field("label",
                                        f"must be at most {badges.MAX_LABEL_CHARS} characters")
    return label


def _style(call: Call) -> str:
    style = (call.query("style") or badges.DEFAULT_STYLE).lower()
    if style not in badges.STYLES:
        raise ValidationError.for_field("style", "must be one of " + ", ".join(badges.STYLES))
    return style


def _svg(badge: badges.Badge) -> Response:
    return Response(body=badges.render(badge), status_code=200, headers=dict(HEADERS))


def _live_monitor(monitor_id: str):
    """The monitor, or None when it is unknown or paused (both show 'unknown')."""
    monitor = monitor_store.find_by_id(monitor_id)
    return None if monitor is None or monitor.paused else monitor


@endpoint(bp, "/api/badges/{monitor_id}/uptime.svg", "GET", public=True, query=[
    query("period", {"type": "string", "enum": list(PERIODS), "default": DEFAULT_PERIOD},
          "Time range"), LABEL, STYLE], returns=BADGE)
def uptime_badge(call: Call, monitor_id: str):
    period = call.query("period") or DEFAULT_PERIOD
    if period not in PERIODS:
        raise ValidationError.for_field("period", "must be one of " + ", ".join(PERIODS))
    label, style = _label(call, "uptime"), _style(call)
    monitor = _live_monitor(monitor_id)
    uptime = None
    if monitor is not None and monitor.type == jobs.JOB:   # time not Down, as /stats says
        uptime = job_status.job_uptime(monitor, *stats.period_window(period, call.clock.now()))
    elif monitor is not None:
        start, end = stats.period_window(period, call.clock.now())
        first_hour, last_hour = stats.hours_between(start, end)
        uptime = uptime_of(result_store.monitor_rollups(monitor, first_hour, last_hour))
    return _svg(badges.uptime_badge(uptime, label, style))


@endpoint(bp, "/api/badges/{monitor_id}/status.svg", "GET", public=True, query=[LABEL, STYLE],
          returns=BADGE)
def status_badge(call: Call, monitor_id: str):
    label, style = _label(call, "status"), _style(call)
    monitor = _live_monitor(monitor_id)
    status = component_status(monitor) if monitor is not None else None
    return _svg(badges.status_badge(status, label, style))
