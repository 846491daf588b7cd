"""What the route table (`api.http.ROUTES`) does not say about a route, in one place: its request
body, its query parameters, its success body and its examples. Keys are (method, Chalice path).

A POST or PUT route missing from both BODIES and NO_BODY is listed by `document.undocumented`,
and tests/openapi/test_openapi.py fails naming it: a new write route cannot skip the document.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.status_pages import badges
from chalicelib.kernel import stats
from chalicelib.notify import routes as alerts_api
from chalicelib.http.endpoint import DEFAULT_LIMIT, MAX_LIMIT
from chalicelib.reports.routes import FORMATS, ReportCreate
from chalicelib.rules.escalation_policy_models import EscalationPolicyIn
from chalicelib.kernel.fields import MONITOR_TYPES
from chalicelib.incidents.models import IncidentCreate, IncidentResolve, IncidentUpdateCreate
from chalicelib.accounts.models import ApiKeyCreate
from chalicelib.channels.models import AlertRuleIn
from chalicelib.maintenance.models import MaintenanceWindowIn
from chalicelib.monitors.models import MonitorIn
from chalicelib.status_pages.models import StatusPageIn
from chalicelib.accounts.team_models import MemberIn, TeamIn
from chalicelib.openapi import examples, schemas
from chalicelib.kernel.settings import REGION_NAMES
from chalicelib.storage.incidents import FILTER_STATUSES as INCIDENT_STATUSES
from chalicelib.status_pages.subscriptions import SubscribeIn

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TEXT = "text/plain"
HTML = "text/html"


@dataclass(frozen=True)
class Body:
    """A request body: a type pydantic can describe, per media type."""
    schema: Any
    required: bool = True
    media: tuple[str, ...] = (JSON,)
    example: Any = None


@dataclass(frozen=True)
class Success:
    """The success response body: a type pydantic can describe (None: no body), per media."""
    schema: Any
    media: tuple[str, ...] = (JSON,)
    example: Any = None
    description: str | None = None


def query(name: str, schema: dict, description: str, explode: bool = False) -> dict:
    param = {"name": name, "in": "query", "required": False, "description": description,
             "schema": schema}
    if schema.get("type") == "array":
        param.update(style="form", explode=explode)
    return param


DATE_TIME = {"type": "string", "format": "date-time"}
LIMIT = query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                        "default": DEFAULT_LIMIT}, "Max results")
OFFSET = query("offset", {"type": "integer", "minimum": 0, "maximum": 10**9, "default": 0},
               "Pagination offset")
PAGING = [LIMIT, OFFSET]
FROM = query("from", DATE_TIME, "Start (ISO 8601; without an offset, UTC)")
TO = query("to", DATE_TIME, "End (ISO 8601; without an offset, UTC)")
MONITOR_ID = query("monitorId", {"type": "string"}, "Filter by monitor")
LABEL = query("label", {"type": "string", "maxLength": badges.MAX_LABEL_CHARS},
              "Left side label text")
STYLE = query("style", {"type": "string", "enum": list(badges.STYLES), "default": "flat"},
              "Badge style")
PERIODS = list(stats.PERIODS)
PING_MESSAGE = query("msg", {"type": "string"}, "A message stored with the ping")
PING_RUN_ID = query("rid", {"type": "string", "format": "uuid"},
                    "A run id (Healthchecks' `rid`): a finish pairs with the start of the same "
                    "run id, so concurrent runs each get their run time")
# `/{exit_status}`: 0 is a success, 1-255 a failure that keeps the code; `/log` is stored only.
PING_SUFFIXES = ("", "/fail", "/start", "/log", "/{exit_status}")

CONFIG_DELETE = query("delete", {"type": "boolean", "default": False},
                      "Also delete what a section of the document does not name")
# Monitors as code: the document's own schema is served at /openapi/config.schema.json.
CONFIG_DOCUMENT = Body({"type": "object", "description": "Monitors, channels, rules and status "
                        "pages keyed by name (JSON Schema: /openapi/config.schema.json)"},
                       media=(JSON, "application/yaml"))
CONFIG_CHANGES = Success({"type": "object", "description": "changes (plan) or applied (apply): "
                          "[{kind, name, action: create|update|delete, changes?, id?}], and "
                          "changeCount"})

QUERY: dict[tuple[str, str], list[dict]] = {
    ("GET", "/api/keys"): PAGING,
    ("DELETE", "/api/keys/{key_id}"): [
        query("force", {"type": "boolean", "default": False},
              "Let a key revoke itself (else 409). The account's last full-access key is "
              "never revoked (409)")],
    ("GET", "/api/monitors"): [
        query("tag", {"type": "array", "items": {"type": "string"}},
              "Filter by tag (repeat for AND logic: ?tag=prod&tag=api)", explode=True),
        query("type", {"type": "string", "enum": list(MONITOR_TYPES)},
              "Filter by type (any case)"),
        *PAGING],
    ("GET", "/api/monitors/{monitor_id}/results"): [
        query("region", {"type": "string", "enum": list(REGION_NAMES)}, "Only this region"),
        FROM, TO, *PAGING],
    ("GET", "/api/monitors/{monitor_id}/stats"): [
        query("period", {"type": "string", "enum": PERIODS, "default": stats.DEFAULT_PERIOD},
              "Time range")],
    ("GET", "/api/monitors/{monitor_id}/pings"): [FROM, TO, *PAGING],
    ("GET", "/api/incidents"): [
        MONITOR_ID,
        query("status", {"type": "string", "enum": list(INCIDENT_STATUSES)},
              "Filter by status: the lifecycle (`status`: Open, Acknowledged, Resolved) or "
              "the public status (`publicStatus`: Investigating, Identified, Monitoring)"),
        FROM, TO, *PAGING],
    ("GET", "/api/incidents/recent"): [
        query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 10},
              "Max results"), OFFSET],
    ("GET", "/api/incidents/active"): [
        query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                        "default": MAX_LIMIT}, "Max results"), OFFSET],
    ("GET", "/api/incidents/stats"): [FROM, TO],
    ("GET", "/api/incidents/by-monitor"): [FROM, TO, *PAGING],
    ("GET", "/api/alerts"): [
        MONITOR_ID,
        query("status", {"type": "string", "enum": list(alerts_api.STATUSES)},
              "Filter by delivery status"),
        query("type", {"type": "string"}, "Alert type (Down, Recovered, P95, ...) or event"),
        FROM, TO, *PAGING],
    ("GET", "/api/alert-channels"): PAGING,
    ("GET", "/api/alert-rules"): PAGING,
    ("GET", "/api/escalation-policies"): PAGING,
    ("GET", "/api/maintenance-windows"): PAGING,
    ("GET", "/api/reports"): PAGING,
    ("GET", "/api/reports/{report_id}"): [
        query("format", {"type": "string", "enum": list(FORMATS), "default": "json"},
              "Response format")],
    ("GET", "/api/teams"): PAGING,
    ("GET", "/api/status-pages"): PAGING,
    ("GET", "/api/badges/{monitor_id}/uptime.svg"): [
        query("period", {"type": "string", "enum": PERIODS, "default": "30d"}, "Time range"),
        LABEL, STYLE],
    ("GET", "/api/badges/{monitor_id}/status.svg"): [LABEL, STYLE],
    **{("POST", f"/api/config/{action}"): [CONFIG_DELETE] for action in ("plan", "apply")},
    **{(method, f"/ping/{{token}}{suffix}"): [PING_MESSAGE, PING_RUN_ID]
       for method in ("GET", "HEAD", "POST") for suffix in PING_SUFFIXES},
}

# JSON merge patch (RFC 7396): only the fields sent change; null resets one to its default.
MERGE_PATCH_MEDIA = "application/merge-patch+json"
MERGE_PATCH = {"type": "object", "description": "The fields to change (JSON merge patch, RFC "
               "7396): the monitor's other fields keep their values; `null` resets a field to "
               "its default. The result is validated as a full monitor (PUT)."}
# Longer bodies are accepted and cut to their first 100 KB (`heartbeats.MAX_BODY_BYTES`).
PING_BODY = Body({"type": "string"}, required=False, media=(TEXT,))

BODIES: dict[tuple[str, str], Body] = {
    ("POST", "/api/keys"): Body(ApiKeyCreate, example=examples.KEY_CREATE),
    ("POST", "/api/monitors"): Body(MonitorIn, example=examples.MONITOR_CREATE),
    ("PUT", "/api/monitors/{monitor_id}"): Body(MonitorIn, example=examples.MONITOR_CREATE),
    ("PUT", "/api/monitors/by-name/{name}"): Body(MonitorIn, example=examples.MONITOR_CREATE),
    ("PATCH", "/api/monitors/{monitor_id}"): Body(MERGE_PATCH, media=(MERGE_PATCH_MEDIA, JSON),
                                                  example={"intervalSeconds": 300}),
    ("POST", "/api/incidents"): Body(IncidentCreate),
    ("POST", "/api/incidents/{incident_id}/resolve"): Body(IncidentResolve, required=False),
    ("POST", "/api/incidents/{incident_id}/updates"): Body(IncidentUpdateCreate),
    ("POST", "/api/alert-channels"): Body(schemas.channel_body(), example=examples.CHANNEL_CREATE),
    ("PUT", "/api/alert-channels/{channel_id}"): Body(schemas.channel_body(),
                                                      example=examples.CHANNEL_CREATE),
    ("POST", "/api/alert-rules"): Body(AlertRuleIn),
    ("PUT", "/api/alert-rules/{rule_id}"): Body(AlertRuleIn),
    ("POST", "/api/escalation-policies"): Body(EscalationPolicyIn),
    ("PUT", "/api/escalation-policies/{policy_id}"): Body(EscalationPolicyIn),
    ("POST", "/api/maintenance-windows"): Body(MaintenanceWindowIn),
    ("PUT", "/api/maintenance-windows/{window_id}"): Body(MaintenanceWindowIn),
    ("POST", "/api/reports"): Body(ReportCreate, required=False),
    ("POST", "/api/teams"): Body(TeamIn),
    ("PUT", "/api/teams/{team_id}"): Body(TeamIn),
    ("POST", "/api/teams/{team_id}/members"): Body(MemberIn),
    ("POST", "/api/status-pages"): Body(StatusPageIn),
    ("PUT", "/api/status-pages/{page_id}"): Body(StatusPageIn),
    ("POST", "/api/public/status-pages/{slug}/subscribe"): Body(SubscribeIn, media=(JSON, FORM)),
    ("POST", "/api/config/plan"): CONFIG_DOCUMENT,
    ("POST", "/api/config/apply"): CONFIG_DOCUMENT,
    **{("POST", f"/ping/{{token}}{suffix}"): PING_BODY for suffix in PING_SUFFIXES},
}

# Write routes that take no body (any body sent is ignored).
NO_BODY: set[tuple[str, str]] = {
    ("POST", "/api/monitors/{monitor_id}/pause"),
    ("POST", "/api/monitors/{monitor_id}/resume"),
    ("POST", "/api/monitors/{monitor_id}/check"),
    ("POST", "/api/monitors/{monitor_id}/rotate-token"),
    ("POST", "/api/incidents/{incident_id}/acknowledge"),
    ("POST", "/api/alert-channels/{channel_id}/test"),
    ("POST", "/api/public/subscriptions/{token}/unsubscribe"),
}


def _object(collection: str, item: str, model: Any) -> dict[tuple[str, str], Any]:
    """The routes whose body is the object's representation: create and replace."""
    return {("POST", collection): model, ("PUT", item): model}


# Every object a client can read and send back, by the routes that take it: a name of the
# representation that the body does not take is read-only, accepted and ignored, and an `id`
# must be the path's (`api.http.Call.body_of`). The GET of the item answers the same shape.
REPRESENTATIONS: dict[tuple[str, str], Any] = {
    **_object("/api/monitors", "/api/monitors/{monitor_id}", schemas.MonitorDetail),
    ("PUT", "/api/monitors/by-name/{name}"): schemas.MonitorDetail,
    ("PATCH", "/api/monitors/{monitor_id}"): schemas.MonitorDetail,
    **_object("/api/alert-channels", "/api/alert-channels/{channel_id}", schemas.AlertChannel),
    **_object("/api/alert-rules", "/api/alert-rules/{rule_id}", schemas.AlertRule),
    **_object("/api/escalation-policies", "/api/escalation-policies/{policy_id}",
              schemas.EscalationPolicy),
    **_object("/api/maintenance-windows", "/api/maintenance-windows/{window_id}",
              schemas.MaintenanceWindow),
    **_object("/api/status-pages", "/api/status-pages/{page_id}", schemas.StatusPage),
    **_object("/api/teams", "/api/teams/{team_id}", schemas.Team),
}


def representation_for(method: str, path: str) -> Any:
    """The representation a write route's body may carry back, or None."""
    return REPRESENTATIONS.get((method, path))


MONITOR = Success(schemas.MonitorDetail)
INCIDENT = Success(schemas.Incident)
RESOURCE = Success(schemas.Resource)
RESOURCES = Success(schemas.ResourceList)
PING = Success({"type": "string"}, media=(TEXT,), description="OK")
SVG = Success({"type": "string"}, media=("image/svg+xml",),
              description="The badge (gray 'unknown' for an unknown or paused monitor)")
MESSAGE = Success(schemas.Message, media=(JSON, HTML),
                  description="JSON, or a small HTML page when Accept prefers text/html")

SUCCESS: dict[tuple[str, str], Success] = {
    **{(method, path): Success(model) for (method, path), model in REPRESENTATIONS.items()},
    **{("GET", path): Success(model) for (method, path), model in REPRESENTATIONS.items()
       if method == "PUT" and path.endswith("_id}")},
    ("POST", "/api/keys"): Success(schemas.ApiKeyCreated),
    ("GET", "/api/keys"): Success(schemas.ApiKeyList),
    ("GET", "/api/account"): Success({"type": "object"}),
    ("GET", "/api/monitors"): Success(schemas.MonitorList, example=examples.MONITOR_LIST),
    ("POST", "/api/monitors"): MONITOR,
    ("GET", "/api/monitors/{monitor_id}"): MONITOR,
    ("PUT", "/api/monitors/{monitor_id}"): MONITOR,
    ("PUT", "/api/monitors/by-name/{name}"): MONITOR,
    ("POST", "/api/monitors/{monitor_id}/pause"): MONITOR,
    ("POST", "/api/monitors/{monitor_id}/resume"): MONITOR,
    ("POST", "/api/monitors/{monitor_id}/rotate-token"): MONITOR,
    ("POST", "/api/monitors/{monitor_id}/check"): Success(schemas.CheckQueued),
    ("GET", "/api/monitors/{monitor_id}/results"): Success(schemas.CheckResultList),
    ("GET", "/api/monitors/{monitor_id}/stats"): Success({"type": "object"}),
    ("GET", "/api/monitors/{monitor_id}/pings"): Success(schemas.ObjectList),
    ("GET", "/api/incidents"): Success(schemas.IncidentList),
    ("GET", "/api/incidents/recent"): Success(list[schemas.Incident]),
    ("GET", "/api/incidents/active"): Success(list[schemas.Incident]),
    ("GET", "/api/incidents/stats"): Success({"type": "object"}),
    ("GET", "/api/incidents/by-monitor"): Success(schemas.ObjectList),
    ("GET", "/api/incidents/{incident_id}"): INCIDENT,
    ("POST", "/api/incidents"): INCIDENT,
    ("POST", "/api/incidents/{incident_id}/acknowledge"): INCIDENT,
    ("POST", "/api/incidents/{incident_id}/resolve"): INCIDENT,
    ("POST", "/api/incidents/{incident_id}/updates"): Success(schemas.TimelineEntry),
    ("GET", "/api/alerts"): Success(schemas.AlertRecordList),
    ("POST", "/api/alert-channels/{channel_id}/test"): Success(schemas.AlertRecord),
    ("GET", "/api/reports/{report_id}"): Success(
        {"type": "object"}, media=(JSON, "text/csv", HTML),
        description="The report: JSON, CSV or HTML as `format` asks"),
    ("GET", "/api/badges/{monitor_id}/uptime.svg"): SVG,
    ("GET", "/api/badges/{monitor_id}/status.svg"): SVG,
    ("GET", "/api/public/status-pages/{slug}"): Success({"type": "object"}),
    ("GET", "/status/{slug}"): Success({"type": "string"}, media=(HTML,),
                                       description="The public status page"),
    ("POST", "/api/public/status-pages/{slug}/subscribe"): MESSAGE,
    ("GET", "/api/public/subscriptions/{token}/confirm"): MESSAGE,
    ("GET", "/api/public/subscriptions/{token}/unsubscribe"): MESSAGE,
    ("POST", "/api/public/subscriptions/{token}/unsubscribe"): MESSAGE,
    ("GET", "/openapi/v1.json"): Success({"type": "object"},
                                         description="This document, in OpenAPI 3.0.3"),
    ("GET", "/openapi/v3.1.json"): Success({"type": "object"},
                                           description="This document, in OpenAPI 3.1"),
    ("POST", "/api/config/plan"): CONFIG_CHANGES,
    ("POST", "/api/config/apply"): CONFIG_CHANGES,
    ("GET", "/api/config/export"): Success({"type": "object"}, description="The account as a "
                                           "monitors-as-code document"),
    ("GET", "/openapi/config.schema.json"): Success(
        {"type": "object"}, description="The JSON Schema of the monitors-as-code document"),
    ("GET", "/api/metrics"): Success(
        {"type": "string"}, media=("text/plain",),
        description="Prometheus text exposition format 0.0.4: per monitor enori_monitor_up, "
                    "enori_monitor_status{state}, enori_monitor_response_time_seconds{stat}, "
                    "enori_monitor_uptime_ratio{period}, enori_monitor_certificate_expiry_days, "
                    "enori_job_last_ping_timestamp_seconds and enori_incidents_open, labelled "
                    "id, name, type and tags. The key may be sent as `Authorization: Bearer`."),
    ("GET", "/docs"): Success({"type": "string"}, media=(HTML,),
                              description="The interactive API explorer (Scalar)"),
    ("GET", "/docs/scalar.js"): Success({"type": "string"}, media=("application/javascript",),
                                        description="The explorer's script, served offline"),
    **{(method, f"/ping/{{token}}{suffix}"): PING
       for method in ("GET", "POST") for suffix in PING_SUFFIXES},
}

# Error statuses a route answers beyond what `document.error_statuses` derives.
EXTRA_ERRORS: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "/api/account"): (404,),
    ("GET", "/docs/scalar.js"): (404,),
    ("POST", "/api/public/status-pages/{slug}/subscribe"): (429,),
}
for _suffix in PING_SUFFIXES:
    for _method in ("GET", "HEAD", "POST"):
        EXTRA_ERRORS[(_method, f"/ping/{{token}}{_suffix}")] = (429,)


def success_for(method: str, path: str) -> Success:
    """The listed success, else: a list envelope for collection GETs, the object otherwise."""
    if (method, path) in SUCCESS:
        return SUCCESS[(method, path)]
    if method in ("DELETE", "HEAD"):
        return Success(None)
    if method == "GET" and not path.endswith("}"):
        return RESOURCES
    return RESOURCE
