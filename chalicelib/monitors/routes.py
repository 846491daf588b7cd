"""/api/monitors: list, create, read, replace, patch, upsert by name, delete, pause and resume."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from chalice import Blueprint
from pydantic.alias_generators import to_camel

from chalicelib.accounts.service import require_account
from chalicelib.bus import dispatch
from chalicelib.monitors import check_health, job_status, jobs, service as monitors
from chalicelib.monitors.now import fill_now
from chalicelib.kernel import stats
from chalicelib.kernel.collapse import Collapse
from chalicelib.kernel.write_clock import write_clock
from chalicelib.http.endpoint import (Call, encoded_response, endpoint, merge_patch, page,
                                      to_json)
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import ServiceUnavailableError, ValidationError
from chalicelib.kernel.fields import MONITOR_TYPES, canonical_monitor_type
from chalicelib.monitors.models import parse_monitor
from chalicelib.http.contract import NO_BODY, PAGING, Body, Success, query
from chalicelib.monitors.models import MonitorIn
from chalicelib.monitors.representations import (
    MONITOR_CREATE, MONITOR_LIST, PATCH_BODY, CheckQueued, MonitorDetail, MonitorList)
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.vocabulary import MonitorStatus, MonitorType
from chalicelib.storage import monitors as store

bp = Blueprint(__name__)
MONITOR_BODY = Body(MonitorIn, example=MONITOR_CREATE)


def monitor_summary(item) -> dict:
    """The list item: the spec's fields plus tags, group and regions."""
    return {**summary_fields(item), "uptimePercentage": listed_uptime(item)}


def summary_fields(item) -> dict:
    """The list item's fields but its uptime: for pages that show figures of their own,
    without the Query a Job monitor's listed uptime costs."""
    config = item.config
    return {
        "id": item.monitor_id,
        "name": item.name,
        "type": item.type,
        "url": config.get("url"),
        "status": item.status,
        "lastCheckedAt": iso(item.last_checked_at),
        "intervalSeconds": config.get("interval_seconds"),
        "tags": list(item.tags or []),
        "groupName": config.get("group_name"),
        "regions": list(item.regions or []),
    }


def listed_uptime(item, job_uptime: Callable[[Any], float | None] | None = None) -> float:
    """The 30-day uptime: as `fill_now` left it for checked monitors, time not Down for Job
    monitors (`job_uptime(item)`; default: one Query of their status changes). A number even
    before the first verdict (100, as stored): the spec's list shows a number and its Python
    client formats it with `:.2f`, which a null would crash; `/stats`, badges and status pages
    say null/unknown instead."""
    if item.type == jobs.JOB:
        uptime = (job_uptime or _job_uptime_now)(item)
        if uptime is not None:
            return uptime
    return float(item.uptime_percentage if item.uptime_percentage is not None else 100)


def uptime_window(now: datetime) -> tuple[datetime, datetime]:
    """The window of a monitor's `uptimePercentage`: the 30 days before `now`."""
    return now - timedelta(seconds=stats.UPTIME_WINDOW_SECONDS), now


def _job_uptime_now(item) -> float | None:
    return job_status.job_uptime(item, *uptime_window(runtime.clock.now()))


def monitor_detail(item) -> dict:
    """Full configuration (camelCase) and current state (its "now" from the heads)."""
    fill_now([item], runtime.clock.now())
    state = item.state
    detail = {
        **monitor_summary(item),
        **{to_camel(k): v for k, v in item.config.items()},
        "status": item.status,
        "paused": bool(item.paused),
        "regionStatus": state.get("region_status", {r: MonitorStatus.UNKNOWN for r in item.regions}),
        # Ours (additive): intervals in a row without a full quorum of results; 0 when checked.
        "notCheckedIntervals": check_health.not_checked_intervals(
            state, item.last_checked_at, item.config.get("interval_seconds"),
            runtime.clock.now(), scheduled=not item.paused and item.type != jobs.JOB),
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
    }
    if item.type == jobs.JOB:
        detail.update(jobs.detail_fields(item))
    return detail


def _parse(call: Call, override_name: str | None = None):
    data = call.json()
    if override_name is not None and isinstance(data, dict):
        data = {**data, "name": override_name}
    return call.body_of(data, parse_monitor)


@endpoint(bp, "/api/monitors", "GET", scope="monitors:read", query=[
    query("tag", {"type": "array", "items": {"type": "string"}},
          "Filter by tag (repeat for AND logic: ?tag=prod&tag=api)", explode=True),
    query("type", {"type": "string", "enum": list(MONITOR_TYPES)}, "Filter by type (any case)"),
    *PAGING], returns=Success(MonitorList, example=MONITOR_LIST))
def list_monitors(call: Call):
    """The page's monitors as they are now (`listed_now`), one read shared by the identical
    lists of this process that wait together (`kernel.collapse`: each from a read that began
    after every write answered before the list arrived, so an edit answered before a list is in
    it; while nothing is written, a list takes the read running when it arrives). Twenty clients
    polling one account's list cost a read per round of those waiting together, not one each.
    The answer is shared encoded (JSON encoded once per read, not once per caller: an immutable
    string, nothing to copy); each caller gets its own response and rate-limit headers."""
    shared = _shared_lists.run(call.shared_key(), lambda: to_json(listed_now(call)))
    return encoded_response(shared)


# The lists being read in this process, encoded, by account and query (see `list_monitors`).
_shared_lists: Collapse[str] = Collapse(unchanged=write_clock.now)


def listed_now(call: Call) -> dict:
    """The page's monitors as they are now: one Query of the account's monitors (what the list
    shows only), one BatchGetItem of its Jobs' run-time and evaluator states, one of its checked
    monitors' heads (`fill_now`); a Job's status changes are read only when they moved."""
    listed = listed_page(call, store.list_monitors_listed)
    items, evaluated = jobs.with_job_and_evaluator_states(call.account_id, listed["items"])
    fill_now(items, call.clock.now())
    uptimes = job_status.listed_job_uptimes([m for m in items if m.type == jobs.JOB], evaluated,
                                            *uptime_window(call.clock.now()))
    return {**listed, "items": [
        {**summary_fields(m), "uptimePercentage": listed_uptime(m, _known(uptimes))}
        for m in items]}


def _known(uptimes: dict[str, float | None]) -> Callable[[Any], float | None]:
    return lambda item: uptimes[item.monitor_id]


def listed_monitors(call: Call) -> dict:
    """The page `list_monitors` lists, as stored items (`{items, totalCount}`) with their "now"
    (`fill_now`): one Query of the account's monitors, filtered by type and tags, and one
    BatchGetItem of the page's heads."""
    listed = listed_page(call, store.list_monitors)
    listed["items"] = jobs.with_job_states(listed["items"])
    fill_now(listed["items"], call.clock.now())
    return listed


def listed_page(call: Call, read: Callable[[str], list]) -> dict:
    """The page of the account's monitors the query asks for (`{items, totalCount}`), as
    `read(account_id)` gives them: filtered by type and tags, oldest first."""
    limit, offset = call.paging()
    wanted_tags = call.query_all("tag")
    wanted_type = call.query("type")
    if wanted_type is not None:
        canonical = canonical_monitor_type(wanted_type)
        if canonical is None:
            raise ValidationError.for_field("type", "must be one of " + ", ".join(MONITOR_TYPES))
        wanted_type = canonical
    items = [m for m in read(call.account_id)
             if (wanted_type is None or m.type == wanted_type)
             and all(tag in (m.tags or []) for tag in wanted_tags)]
    items.sort(key=lambda m: (m.created_at, m.monitor_id))
    return page(items, limit, offset)


@endpoint(bp, "/api/monitors", "POST", scope="monitors:write", rate="create_monitor", status=201,
          body=MONITOR_BODY, representation=MonitorDetail)
def create_monitor(call: Call):
    account = require_account(call.account_id)
    item = monitors.create_monitor(account, _parse(call), call.clock.now())
    return monitor_detail(item)


@endpoint(bp, "/api/monitors/{monitor_id}", "GET", scope="monitors:read", returns=MonitorDetail)
def get_monitor(call: Call, monitor_id: str):
    return monitor_detail(monitors.require_monitor(call.account_id, monitor_id))


@endpoint(bp, "/api/monitors/{monitor_id}", "PUT", scope="monitors:write", body=MONITOR_BODY,
          representation=MonitorDetail)
def replace_monitor(call: Call, monitor_id: str):
    item = monitors.require_monitor(call.account_id, monitor_id)
    body = _parse(call)
    account = require_account(call.account_id)
    return monitor_detail(monitors.replace_monitor(account, item, body, call.clock.now()))


@endpoint(bp, "/api/monitors/{monitor_id}", "PATCH", scope="monitors:write", body=PATCH_BODY,
          representation=MonitorDetail)
def patch_monitor(call: Call, monitor_id: str):
    """For clients that cannot send the full configuration: a JSON merge patch onto what GET
    shows, validated and saved as a full replace (PUT stays a full replace, as the spec says)."""
    item = monitors.require_monitor(call.account_id, monitor_id)
    patch = call.json()
    if not isinstance(patch, dict):
        raise ValidationError.for_field("body", "must be a JSON object (a JSON merge patch)")
    body = call.body_of(merge_patch(monitor_detail(item), patch), parse_monitor)
    account = require_account(call.account_id)
    return monitor_detail(monitors.replace_monitor(account, item, body, call.clock.now()))


@endpoint(bp, "/api/monitors/by-name/{name}", "PUT", scope="monitors:write", body=MONITOR_BODY,
          representation=MonitorDetail)
def upsert_monitor(call: Call, name: str):
    from urllib.parse import unquote

    name = unquote(name)
    body = _parse(call, override_name=name)
    item = monitors.upsert_by_name(require_account(call.account_id), name, body,
                                   call.clock.now(), charge_create=lambda: call.charge("create_monitor"))
    return monitor_detail(item)


@endpoint(bp, "/api/monitors/{monitor_id}", "DELETE", scope="monitors:write")
def delete_monitor(call: Call, monitor_id: str):
    monitors.delete_monitor(call.account_id, monitor_id)
    return None


@endpoint(bp, "/api/monitors/{monitor_id}/pause", "POST", scope="monitors:write", body=NO_BODY,
          returns=MonitorDetail)
def pause_monitor(call: Call, monitor_id: str):
    return monitor_detail(monitors.set_paused(call.account_id, monitor_id, True, call.clock.now()))


@endpoint(bp, "/api/monitors/{monitor_id}/resume", "POST", scope="monitors:write", body=NO_BODY,
          returns=MonitorDetail)
def resume_monitor(call: Call, monitor_id: str):
    item = monitors.set_paused(call.account_id, monitor_id, False, call.clock.now())
    if item.type != MonitorType.JOB:
        dispatch.enqueue_now(item.account_id, item.monitor_id, item.regions, call.clock.time(),
                             item.config_json, item.result_seq)
    return monitor_detail(item)


@endpoint(bp, "/api/monitors/{monitor_id}/check", "POST", scope="monitors:write",
          rate="check_now", status=202, body=NO_BODY, returns=CheckQueued, errors=(503,))
def check_now(call: Call, monitor_id: str):
    """202 with the regions queued: a region that cannot be reached is left out. None at all
    is a 503, not a 202 that queued nothing."""
    item = monitors.require_monitor(call.account_id, monitor_id)
    if item.type == MonitorType.JOB:
        raise ValidationError("Job monitors are not checked: they receive pings.",
                              details=[{"field": "type", "message": "Job monitors receive pings"}])
    queued = dispatch.enqueue_now(item.account_id, item.monitor_id, item.regions, call.clock.time(),
                                  item.config_json, item.result_seq)
    if not queued:
        raise ServiceUnavailableError(
            f"None of the monitor's regions ({', '.join(item.regions or [])}) could be reached to "
            "check it now; its scheduled checks go on when one is back.")
    return {"monitorId": item.monitor_id, "status": "Queued", "regions": queued}
