"""/api/reports: monthly uptime and incident reports — list, generate on demand (counted in the
plan's reports per month), read as JSON, CSV or HTML."""
from __future__ import annotations

from typing import Annotated

from chalice import Blueprint, Response
from pydantic import StringConstraints

from chalicelib.accounts.service import require_account
from chalicelib.reports import service as reports
from chalicelib.http.contract import CSV, HTML, JSON, PAGING, Body, Success, query
from chalicelib.http.endpoint import Call, endpoint, page
from chalicelib.kernel.errors import ValidationError
from chalicelib.kernel.models import ApiModel
from chalicelib.reports.rendering import to_csv, to_html
from chalicelib.reports.representations import Report, ReportList

bp = Blueprint(__name__)
FORMATS = ("json", "csv", "html")


class ReportCreate(ApiModel):
    month: Annotated[str, StringConstraints(max_length=7)] | None = None
    email: bool = False


@endpoint(bp, "/api/reports", "GET", scope="reports:read", query=PAGING, returns=ReportList)
def list_reports(call: Call):
    limit, offset = call.paging()
    return page([reports.report_summary(r) for r in reports.list_reports(call.account_id)],
                limit, offset)


@endpoint(bp, "/api/reports", "POST", scope="reports:write", status=201,
          body=Body(ReportCreate, required=False), returns=Report)
def create_report(call: Call):
    account = require_account(call.account_id)
    # An empty body asks for last month's report, not emailed.
    data = call.json() if (call.request.raw_body or b"").strip() else {}
    body = call.body_of(data, ReportCreate.model_validate)
    now = call.clock.now()
    item = reports.create_report(account, reports.parse_month(body.month, now), body.email, now)
    return reports.report_json(item)


@endpoint(bp, "/api/reports/{report_id}", "GET", scope="reports:read", query=[
    query("format", {"type": "string", "enum": list(FORMATS), "default": "json"},
          "Response format")],
          returns=Success(Report, media=(JSON, CSV, HTML),
                          description="The report: JSON, CSV or HTML as `format` asks"))
def get_report(call: Call, report_id: str):
    form = (call.query("format") or "json").strip().lower()
    if form not in FORMATS:
        raise ValidationError.for_field("format", "must be one of " + ", ".join(FORMATS))
    report = reports.report_json(reports.require_report(call.account_id, report_id))
    if form == "json":
        return report
    name = f"enori-report-{report['month']}.{form}"
    if form == "csv":
        return Response(body=to_csv(report), status_code=200,
                        headers={"Content-Type": "text/csv; charset=utf-8",
                                 "Content-Disposition": f'attachment; filename="{name}"'})
    return Response(body=to_html(report), status_code=200,
                    headers={"Content-Type": "text/html; charset=utf-8"})
