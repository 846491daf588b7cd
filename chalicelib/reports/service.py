"""Monthly reports: per monitor and in total, the uptime, downtime, incidents, MTTA, MTTR, P95
response time and check counts of one calendar month (UTC).

Decisions, so that readers need not guess:
- Figures come from the hourly rollups (checks, failures, p95) and the incidents overlapping the
  month (count, MTTA, MTTR, downtime clipped to the month), with the same functions as
  `GET /api/monitors/{id}/stats` and `GET /api/incidents/stats`. Uptime leaves out hours wholly
  inside the monitor's maintenance windows (`results.checks_outside`). A report of the current
  month runs to now. Monitors created after the month are left out; deleted monitors are gone
  with their data.
- On-demand reports (POST) count against the plan's reports per month, by the month they are
  generated in (UTC), atomically with their write. The scheduled report of each account
  (02:00 UTC on the 1st, for the month before) does not count, and is written once per
  (account, month) whatever the re-runs.
- Email goes to the owners of the account's teams (role Owner); with none, the report says so in
  `email.note` and nothing is sent. Scheduled reports are emailed the same way.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from chalicelib.incidents import stats as incident_stats
from chalicelib.maintenance import occurrences as maintenance
from chalicelib.kernel import plans
from chalicelib.checks import results
from chalicelib.kernel import stats
from chalicelib.channels.kinds.base import DeliveryError, SendContext
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import NotFoundError, PlanLimitError, ValidationError
from chalicelib.kernel.ids import new_id
from chalicelib.incidents.stats import Span
from chalicelib.kernel.netguard import OutboundGuard
from chalicelib.reports.rendering import email_message
from chalicelib.kernel.runtime import runtime
from chalicelib.storage import incidents as incident_store
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import reports as store
from chalicelib.storage import results as rollup_store
from chalicelib.storage.accounts import AccountItem, get_account
from chalicelib.storage.reports import ReportItem

log = logging.getLogger("enori.reports")
ON_DEMAND, SCHEDULED = "OnDemand", "Scheduled"
_MONTH = re.compile(r"(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])")
_TICK = timedelta(microseconds=1)


# --- months --------------------------------------------------------------------------------------

def month_of(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a "YYYY-MM" month in UTC."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=timezone.utc)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=timezone.utc)
    return start, end


def previous_month(now: datetime) -> str:
    start, _ = month_bounds(month_of(now))
    return month_of(start - _TICK)


def parse_month(raw: str | None, now: datetime) -> str:
    """The month a POST asks for: "YYYY-MM", not after the current one; the previous month if
    none. 400 naming `month` otherwise."""
    if raw is None:
        return previous_month(now)
    if not isinstance(raw, str) or _MONTH.fullmatch(raw.strip()) is None:
        raise ValidationError.for_field("month", "must be a month YYYY-MM, e.g. 2026-10")
    month = raw.strip()
    if month_bounds(month)[0] > now:
        raise ValidationError.for_field("month", "must not be in the future")
    return month


# --- figures -------------------------------------------------------------------------------------

def monitor_row(monitor_id: str, name: str, rollups: list, spans: list[Span],
                maintenance_spans: list, start: datetime, end: datetime, now: datetime) -> dict:
    """One monitor's figures over [start, end) (pure: rollups, incident spans and merged
    maintenance spans in)."""
    checks = stats.summarise(rollups)
    counted = results.checks_outside(rollups, maintenance_spans)
    figures = _incident_figures(spans, start, end, now)
    return {
        "monitorId": monitor_id, "name": name,
        "uptimePercentage": stats.uptime_percentage(*counted),
        "downtimeSeconds": figures["downtimeSeconds"], "incidents": figures["count"],
        "mttaSeconds": figures["mttaSeconds"], "mttrSeconds": figures["mttrSeconds"],
        "p95ResponseTimeMs": checks["p95ResponseTimeMs"],
        "checks": checks["totalChecks"], "failedChecks": checks["failedChecks"],
        "maintenanceSeconds": maintenance.covered_seconds(maintenance_spans),
        "_counted": counted,
    }


def _incident_figures(spans: list[Span], start: datetime, end: datetime, now: datetime) -> dict:
    # incident_stats ranges include their end; an incident starting at `end` is next month's.
    return incident_stats.summarise([s for s in spans if s.started_at < end], start, end, now)


def totals_of(rows: list[dict], all_rollups: list, spans: list[Span], start: datetime,
              end: datetime, now: datetime) -> dict:
    figures = _incident_figures(spans, start, end, now)
    return {
        "monitors": len(rows),
        "uptimePercentage": stats.uptime_percentage(sum(r["_counted"][0] for r in rows),
                                                    sum(r["_counted"][1] for r in rows)),
        "downtimeSeconds": sum(r["downtimeSeconds"] for r in rows),
        "incidents": figures["count"],
        "mttaSeconds": figures["mttaSeconds"], "mttrSeconds": figures["mttrSeconds"],
        "p95ResponseTimeMs": stats.percentile_from_histogram(
            stats.merge_histograms(all_rollups), 0.95),
        "checks": sum(r["checks"] for r in rows),
        "failedChecks": sum(r["failedChecks"] for r in rows),
        "maintenanceSeconds": sum(r["maintenanceSeconds"] for r in rows),
    }


def build_report(account_id: str, month: str, now: datetime) -> dict:
    """The figures of every monitor of the account for `month` (to `now` if it is current)."""
    start, end = month_bounds(month)
    end = min(end, now)
    spans_by_monitor: dict[str, list[Span]] = defaultdict(list)
    for i in incident_store.list_incidents(account_id, end=end - _TICK):
        if i.monitor_id is not None:
            spans_by_monitor[i.monitor_id].append(
                Span(i.started_at, i.acknowledged_at, i.resolved_at, i.monitor_id))
    rows, all_rollups, all_spans = [], [], []
    monitors = sorted(monitor_store.list_monitors(account_id), key=lambda m: (m.name, m.monitor_id))
    rolled = rollup_store.cursor()    # once for the report, not once per monitor
    for monitor in monitors:
        if monitor.created_at >= end:
            continue
        rollups = rollup_store.monitor_rollups(monitor, int(start.timestamp()),
                                               stats.hour_of((end - _TICK).timestamp()), rolled)
        spans = spans_by_monitor.get(monitor.monitor_id, [])
        rows.append(monitor_row(monitor.monitor_id, monitor.name, rollups, spans,
                                results.maintenance_spans(monitor, start, end), start, end, now))
        all_rollups += rollups
        all_spans += spans
    totals = totals_of(rows, all_rollups, all_spans, start, end, now)
    for row in rows:
        del row["_counted"]
    return {"month": month, "from": iso(start), "to": iso(end), "monitors": rows,
            "totals": totals}


# --- lifecycle -----------------------------------------------------------------------------------

def _new_item(account_id: str, report_id: str, month: str, trigger: str, now: datetime,
              figures: dict, email: bool) -> tuple[ReportItem, dict]:
    body = {"id": report_id, "month": month, "trigger": trigger, "generatedAt": iso(now),
            **figures, "email": {"requested": email, "sent": False, "recipients": [],
                                 "note": None}}
    item = ReportItem(account_id, report_id, month=month, trigger=trigger, generated_at=now,
                      body_json=json.dumps(body, sort_keys=True))
    return item, body


def create_report(account: AccountItem, month: str, email: bool, now: datetime) -> ReportItem:
    """Generate a report on demand, counted in the plan's reports per month (403 when full)."""
    figures = build_report(account.account_id, month, now)
    item, body = _new_item(account.account_id, new_id("rep"), month, ON_DEMAND, now, figures,
                           email)
    limit = plans.get_plan(account.plan).reports_per_month
    _, month_end = month_bounds(month_of(now))
    try:
        store.insert_counted(item, store.quota_key(account.account_id, month_of(now)), limit,
                             month_end + timedelta(days=62))
    except store.QuotaExceededError:
        raise PlanLimitError(plans.limit_message(account.plan, "reports_per_month", limit or 0),
                             title=plans.limit_title("reports_per_month"))
    if email:
        email_report(item, body)
    return item


def scheduled_report_id(account_id: str, month: str) -> str:
    return "rep_" + hashlib.sha256(f"{account_id}|{month}|scheduled".encode()).hexdigest()[:16]


def generate_monthly(now: datetime) -> dict:
    """The 1st-of-the-month run: last month's report for every subscribed account, once each.
    One account failing does not stop the others (a re-run retries it)."""
    month = previous_month(now)
    done = {"month": month, "generated": 0, "skipped": 0, "failed": 0}
    for account_id in store.subscribed_accounts():
        try:
            outcome = generate_scheduled(account_id, month, now)
        except Exception:  # noqa: BLE001 - logged; the next account still gets its report
            log.exception("monthly report of %s for %s failed", account_id, month)
            outcome = "failed"
        done[outcome] += 1
    return done


def generate_scheduled(account_id: str, month: str, now: datetime) -> str:
    """"generated", or "skipped" when the account is gone or already has the report."""
    report_id = scheduled_report_id(account_id, month)
    if get_account(account_id) is None or store.get_report(account_id, report_id) is not None:
        return "skipped"
    figures = build_report(account_id, month, now)
    item, body = _new_item(account_id, report_id, month, SCHEDULED, now, figures, True)
    if not store.insert_once(item):
        return "skipped"
    email_report(item, body)
    return "generated"


def team_owner_emails(account_id: str) -> list[str]:
    from chalicelib.storage import teams as team_store  # teams are optional to reports

    return sorted({m.email for team in team_store.list_teams(account_id)
                   for m in team.members or [] if m.role == "Owner"})


def email_report(item: ReportItem, body: dict) -> None:
    """Mail the report to the account's team owners, and record the outcome in the report."""
    recipients = team_owner_emails(item.account_id)
    status = {"requested": True, "sent": False, "recipients": recipients, "note": None}
    if not recipients:
        status["note"] = "Not emailed: the account has no team owners to send it to."
    else:
        from chalicelib.channels.kinds import email as email_channel

        ctx = SendContext(http_client=None, guard=OutboundGuard(), clock=runtime.clock,
                          attempt=1, delivery_id=item.report_id)
        try:
            asyncio.run(email_channel.send_message(email_message(body), recipients, ctx))
            status["sent"] = True
        except DeliveryError as exc:
            status["note"] = f"Email failed: {exc}"
    body["email"] = status
    store.update_body(item, body)


# --- reads ---------------------------------------------------------------------------------------

def require_report(account_id: str, report_id: str) -> ReportItem:
    item = store.get_report(account_id, report_id)
    if item is None:
        raise NotFoundError(f"Report {report_id} not found.")
    return item


def list_reports(account_id: str) -> list[ReportItem]:
    return store.list_reports(account_id)


def report_json(item: ReportItem) -> dict:
    return item.body


def report_summary(item: ReportItem) -> dict:
    """A list entry: the report without its per-monitor rows."""
    body = item.body
    return {key: body.get(key) for key in ("id", "month", "trigger", "generatedAt", "from", "to",
                                           "totals", "email")}
