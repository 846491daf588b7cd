"""/api/metrics: the account's monitors in Prometheus' text format (`chalicelib.reports.metrics`).

Prometheus sends a credential as `Authorization: Bearer <key>` (its `authorization` scrape
config); every route takes that form beside X-API-Key (`api.http.presented_key`)."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.reports import metrics
from chalicelib.http.contract import TEXT, Success
from chalicelib.http.endpoint import Call, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/api/metrics", "GET", scope="monitors:read", returns=Success(
    {"type": "string"}, media=(TEXT,),
    description="Prometheus text exposition format 0.0.4: per monitor enori_monitor_up, "
                "enori_monitor_status{state}, enori_monitor_response_time_seconds{stat}, "
                "enori_monitor_uptime_ratio{period}, enori_monitor_certificate_expiry_days, "
                "enori_job_last_ping_timestamp_seconds and enori_incidents_open, labelled "
                "id, name, type and tags. The key may be sent as `Authorization: Bearer`."))
def prometheus_metrics(call: Call):
    return Response(body=metrics.exposition(call.account_id, call.clock.now()), status_code=200,
                    headers={"Content-Type": metrics.CONTENT_TYPE})
