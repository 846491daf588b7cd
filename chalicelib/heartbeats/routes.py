"""Job pings: the public `/ping/{token}[/fail|/start|/log|/{exit_status}]` (GET, HEAD, POST),
with Healthchecks' `?rid=` run ids, a monitor's ping history and the rotation of its token."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.heartbeats import service as heartbeats, job_runs
from chalicelib.monitors import service as monitors
from chalicelib.http.endpoint import BODY_TYPES, Call, endpoint
from chalicelib.monitors.routes import monitor_detail
from chalicelib.http.contract import (
    FROM, NO_BODY, PAGING, TEXT, TO, Body, ObjectList, Success, query)
from chalicelib.monitors.representations import MonitorDetail
from chalicelib.kernel.errors import EnoriError, ValidationError

bp = Blueprint(__name__)
PING_METHODS = ["GET", "HEAD", "POST"]
# `curl -d` labels bodies x-www-form-urlencoded, others send anything: a ping takes any body.
PING_BODY_TYPES = [*BODY_TYPES, "*/*"]
# What every ping route takes and answers (its POST's body: the message, like `msg`).
PING_CONTRACT = dict(
    # Longer bodies are accepted and cut to their first 100 KB (`heartbeats.MAX_BODY_BYTES`).
    body=Body({"type": "string"}, required=False, media=(TEXT,)),
    query=[query("msg", {"type": "string"}, "A message stored with the ping"),
           query("rid", {"type": "string", "format": "uuid"},
                 "A run id (Healthchecks' `rid`): a finish pairs with the start of the same "
                 "run id, so concurrent runs each get their run time")],
    returns=Success({"type": "string"}, media=(TEXT,), description="OK"), errors=(429,))


def source_of(request) -> str | None:
    """The caller's address: the first X-Forwarded-For entry, else the connection's."""
    forwarded = (request.headers.get("x-forwarded-for") or "").split(",")[0].strip()
    identity = (request.context or {}).get("identity") or {}
    return forwarded or identity.get("sourceIp")


def receive(call: Call, token: str, kind: str | None, exit_status: str | None = None) -> Response:
    """Store and judge one ping; `kind` None: from the exit status (0 success, else fail)."""
    request = call.request
    head = request.method == "HEAD"
    try:
        status = None if exit_status is None else job_runs.parse_exit_status(exit_status)
        ping = heartbeats.PingIn(
            kind=kind or (heartbeats.SUCCESS if status == 0 else heartbeats.FAIL),
            method=request.method,
            message=heartbeats.message_of(request.raw_body if request.method == "POST" else None,
                                          call.query("msg")),
            source=source_of(request), user_agent=request.headers.get("user-agent"),
            exit_status=status, run_id=job_runs.parse_run_id(call.query("rid")))
        heartbeats.receive_ping(token, ping, call.clock.now())
    except EnoriError as error:
        if not head:
            raise
        return Response(body="", status_code=error.status, headers=error.headers)
    # HEAD: the status and headers of GET, no body (Chalice would send whatever we return).
    return Response(body="" if head else "OK", status_code=200,
                    headers={"Content-Type": "text/plain"})


@endpoint(bp, "/ping/{token}", PING_METHODS, public=True, content_types=PING_BODY_TYPES,
          **PING_CONTRACT)
def ping_success(call: Call, token: str):
    return receive(call, token, heartbeats.SUCCESS)


@endpoint(bp, "/ping/{token}/fail", PING_METHODS, public=True, content_types=PING_BODY_TYPES,
          **PING_CONTRACT)
def ping_fail(call: Call, token: str):
    return receive(call, token, heartbeats.FAIL)


@endpoint(bp, "/ping/{token}/start", PING_METHODS, public=True, content_types=PING_BODY_TYPES,
          **PING_CONTRACT)
def ping_start(call: Call, token: str):
    return receive(call, token, heartbeats.START)


@endpoint(bp, "/ping/{token}/log", PING_METHODS, public=True, content_types=PING_BODY_TYPES,
          **PING_CONTRACT)
def ping_log(call: Call, token: str):
    return receive(call, token, heartbeats.LOG)


@endpoint(bp, "/ping/{token}/{exit_status}", PING_METHODS, public=True,
          content_types=PING_BODY_TYPES, **PING_CONTRACT)
def ping_exit_status(call: Call, token: str, exit_status: str):
    return receive(call, token, None, exit_status)


@endpoint(bp, "/api/monitors/{monitor_id}/pings", "GET", scope="monitors:read",
          query=[FROM, TO, *PAGING], returns=ObjectList)
def list_pings(call: Call, monitor_id: str):
    """Newest first, `limit`/`offset`, optionally within `from`/`to`. Empty for checked types."""
    _, job = monitors.require_monitor_and_job(call.account_id, monitor_id)
    limit, offset = call.paging()
    start, end = call.time("from"), call.time("to")
    if start is not None and end is not None and start > end:
        raise ValidationError.for_field("from", "must not be after `to`")
    return heartbeats.ping_history(monitor_id, job, limit, offset, start, end)


@endpoint(bp, "/api/monitors/{monitor_id}/rotate-token", "POST", scope="monitors:write",
          body=NO_BODY, returns=MonitorDetail)
def rotate_token(call: Call, monitor_id: str):
    return monitor_detail(monitors.rotate_token(call.account_id, monitor_id, call.clock.now()))
