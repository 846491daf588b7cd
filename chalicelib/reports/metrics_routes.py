"""/api/metrics: the account's monitors in Prometheus' text format (`chalicelib.reports.metrics`).

Prometheus sends a credential as `Authorization: Bearer <key>` (its `authorization` scrape
config); every route takes that form beside X-API-Key (`api.http.presented_key`)."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.reports import metrics
from chalicelib.http.endpoint import Call, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/api/metrics", "GET", scope="monitors:read")
def prometheus_metrics(call: Call):
    return Response(body=metrics.exposition(call.account_id, call.clock.now()), status_code=200,
                    headers={"Content-Type": metrics.CONTENT_TYPE})
