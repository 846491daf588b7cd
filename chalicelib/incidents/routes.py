"""/api/incidents: list, recent, active, stats, by-monitor, one incident with its timeline, and
the manual create, acknowledge, resolve and updates. Importing this module also registers the
cascade delete of a monitor's incidents (in `chalicelib.incidents.service`).

The literal paths (`recent`, `active`, `stats`, `by-monitor`) win over `{incident_id}`: API
Gateway prefers literal segments and Chalice's local router tries them first.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from chalice import Blueprint

from chalicelib.incidents import service as incidents
from chalicelib.http.endpoint import MAX_LIMIT, Call, endpoint, page, parse_int
from chalicelib.kernel.errors import ValidationError
from chalicelib.incidents.models import IncidentCreate, IncidentResolve, IncidentUpdateCreate
from chalicelib.storage import incidents as incident_store
from chalicelib.storage.incidents import FILTER_STATUSES
from chalicelib.http.contract import (
    FROM, MONITOR_ID, NO_BODY, OBJECT, OFFSET, PAGING, TO, Body, query)
from chalicelib.incidents.representations import (
    Incident, IncidentList, IncidentsByMonitor, TimelineEntry)

bp = Blueprint(__name__)

DEFAULT_RANGE = timedelta(days=30)
RECENT_LIMIT = 10


def _status(call: Call) -> str | None:
    raw = call.query("status")
    if raw is None or raw == "":
        return None
    canonical = {s.lower(): s for s in FILTER_STATUSES}.get(raw.strip().lower())
    if canonical is None:
        raise ValidationError.for_field("status", "must be one of " + ", ".join(FILTER_STATUSES))
    return canonical


def _range(call: Call, default: timedelta | None) -> tuple[datetime | None, datetime | None]:
    """`from` and `to`; with a `default` span, missing ends become [to - default, now]."""
    start, end = call.time("from"), call.time("to")
    if default is not None:
        end = end or call.clock.now()
        start = start or end - default
    if start is not None and end is not None and start > end:
        raise ValidationError.for_field("from", "must not be after `to`")
    return start, end


def _by(call: Call) -> str:
    assert call.principal is not None
    return call.principal.key_name


@endpoint(bp, "/api/incidents", "GET", scope="incidents:read", query=[
    MONITOR_ID,
    query("status", {"type": "string", "enum": list(FILTER_STATUSES)},
          "Filter by status: the lifecycle (`status`: Open, Acknowledged, Resolved) or the "
          "public status (`publicStatus`: Investigating, Identified, Monitoring)"),
    FROM, TO, *PAGING], returns=IncidentList)
def list_incidents(call: Call):
    limit, offset = call.paging()
    start, end = _range(call, None)
    items = incident_store.list_incidents(call.account_id, call.id_query("monitorId", "mon", "monitor"),
                                     _status(call), start, end)
    now = call.clock.now()
    listed = page(items, limit, offset)
    return {**listed, "items": [incidents.incident_json(i, now=now) for i in listed["items"]]}


@endpoint(bp, "/api/incidents/recent", "GET", scope="incidents:read", query=[
    query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                    "default": RECENT_LIMIT}, "Max results"), OFFSET], returns=list[Incident])
def recent_incidents(call: Call):
    limit = parse_int(call.query("limit"), "limit", RECENT_LIMIT, 1, MAX_LIMIT)
    offset = parse_int(call.query("offset"), "offset", 0, 0, 10**9)
    now = call.clock.now()
    newest = incidents.recent(call.account_id, offset + limit)[offset:]
    return [incidents.incident_json(i, now=now) for i in newest]


@endpoint(bp, "/api/incidents/active", "GET", scope="incidents:read", query=[
    query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": MAX_LIMIT},
          "Max results"), OFFSET], returns=list[Incident])
def active_incidents(call: Call):
    # A bare array like /recent; by default every open incident (up to the largest page).
    limit = parse_int(call.query("limit"), "limit", MAX_LIMIT, 1, MAX_LIMIT)
    offset = parse_int(call.query("offset"), "offset", 0, 0, 10**9)
    now = call.clock.now()
    return [incidents.incident_json(i, now=now)
            for i in incidents.active(call.account_id)[offset:offset + limit]]


@endpoint(bp, "/api/incidents/stats", "GET", scope="incidents:read", query=[FROM, TO],
          returns=OBJECT)
def incident_stats(call: Call):
    start, end = _range(call, DEFAULT_RANGE)
    figures = incidents.stats(call.account_id, start, end, call.clock.now())
    return {"from": start, "to": end, **figures}


@endpoint(bp, "/api/incidents/by-monitor", "GET", scope="incidents:read",
          query=[FROM, TO, *PAGING], returns=IncidentsByMonitor)
def incidents_by_monitor(call: Call):
    limit, offset = call.paging()
    start, end = _range(call, DEFAULT_RANGE)
    rows = incidents.by_monitor(call.account_id, start, end, call.clock.now())
    return {"from": start, "to": end, **page(rows, limit, offset)}


@endpoint(bp, "/api/incidents/{incident_id}", "GET", scope="incidents:read", returns=Incident)
def get_incident(call: Call, incident_id: str):
    item = incidents.require_incident(call.account_id, incident_id)
    return incidents.incident_json(item, incidents.timeline_of(item), now=call.clock.now())


@endpoint(bp, "/api/incidents", "POST", scope="incidents:write", status=201,
          body=IncidentCreate, returns=Incident)
def create_incident(call: Call):
    body = call.body(IncidentCreate)
    item = incidents.create_manual(call.account_id, body, _by(call), call.clock.now())
    return incidents.incident_json(item, incidents.timeline_of(item), now=call.clock.now())


@endpoint(bp, "/api/incidents/{incident_id}/acknowledge", "POST", scope="incidents:write",
          body=NO_BODY, returns=Incident)
def acknowledge_incident(call: Call, incident_id: str):
    item = incidents.acknowledge(call.account_id, incident_id, _by(call), call.clock.now())
    return incidents.incident_json(item, incidents.timeline_of(item), now=call.clock.now())


@endpoint(bp, "/api/incidents/{incident_id}/resolve", "POST", scope="incidents:write",
          body=Body(IncidentResolve, required=False), returns=Incident)
def resolve_incident(call: Call, incident_id: str):
    # The body is optional: an empty one (or none) resolves without a message.
    raw = call.request.raw_body or b""
    body = call.body(IncidentResolve) if raw.strip() else IncidentResolve()
    item = incidents.resolve(call.account_id, incident_id, _by(call), call.clock.now(),
                             body.message, body.public)
    return incidents.incident_json(item, incidents.timeline_of(item), now=call.clock.now())


@endpoint(bp, "/api/incidents/{incident_id}/updates", "POST", scope="incidents:write",
          status=201, body=IncidentUpdateCreate, returns=TimelineEntry)
def add_update(call: Call, incident_id: str):
    body = call.body(IncidentUpdateCreate)
    return incidents.post_update(call.account_id, incident_id, body.message, call.clock.now(),
                                 _by(call), body.status, body.public)
