"""A monthly report as CSV (one row per monitor), as a self-contained HTML page, and as an email.
Pure: the report's JSON body in, text out."""
from __future__ import annotations

import csv
import html
import io
from email.message import EmailMessage

from chalicelib.channels.kinds.email import new_message

CSV_COLUMNS = ("monitorId", "name", "uptimePercentage", "downtimeSeconds", "incidents",
               "mttaSeconds", "mttrSeconds", "p95ResponseTimeMs", "checks", "failedChecks",
               "maintenanceSeconds")
_HTML_COLUMNS = (("name", "Monitor"), ("uptimePercentage", "Uptime %"),
                 ("downtimeSeconds", "Downtime"), ("incidents", "Incidents"),
                 ("mttaSeconds", "MTTA"), ("mttrSeconds", "MTTR"),
                 ("p95ResponseTimeMs", "P95 ms"), ("checks", "Checks"),
                 ("failedChecks", "Failed"), ("maintenanceSeconds", "Maintenance"))
_DURATIONS = {"downtimeSeconds", "mttaSeconds", "mttrSeconds", "maintenanceSeconds"}
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def to_csv(report: dict) -> str:
    """A header and one row per monitor; empty cells for figures that do not exist."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.get("monitors", []):
        writer.writerow([_safe_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()


def duration_words(seconds: int | None) -> str:
    """`3725` -> "1h 2m 5s"; "–" when there is no figure."""
    if seconds is None:
        return "–"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes or hours else []
    return " ".join(parts + [f"{secs}s"])


def _cell(column: str, value) -> str:
    if column in _DURATIONS:
        return duration_words(value)
    return "–" if value is None else str(value)


def to_html(report: dict) -> str:
    """A readable page with inline styles only (no external CSS, fonts or scripts)."""
    e = html.escape
    head = "".join(f"<th>{e(label)}</th>" for _, label in _HTML_COLUMNS)
    rows = "".join("<tr>" + "".join(f"<td>{e(_cell(c, row.get(c)))}</td>" for c, _ in _HTML_COLUMNS)
                   + "</tr>" for row in report.get("monitors", []))
    totals = report.get("totals", {})
    total_row = "<tr class=\"total\">" + "".join(
        f"<td>{e('All monitors' if c == 'name' else _cell(c, totals.get(c)))}</td>"
        for c, _ in _HTML_COLUMNS) + "</tr>"
    note = (report.get("email") or {}).get("note")
    title = f"Enori monthly report {report.get('month', '')}"
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(title)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2939}"
        "table{border-collapse:collapse;width:100%}th,td{padding:6px 10px;text-align:right;"
        "border-bottom:1px solid #eaecf0}th:first-child,td:first-child{text-align:left}"
        "tr.total td{font-weight:600;border-top:2px solid #98a2b3}.meta{color:#667085}"
        "</style></head><body>"
        f"<h1>{e(title)}</h1>"
        f"<p class=\"meta\">From {e(str(report.get('from')))} to {e(str(report.get('to')))}, "
        f"generated {e(str(report.get('generatedAt')))}. Uptime leaves out whole hours of "
        "maintenance.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}{total_row}</tbody></table>"
        + (f"<p class=\"meta\">{e(note)}</p>" if note else "")
        + "</body></html>")


def email_message(report: dict) -> EmailMessage:
    """Subject, a plain-text summary and the HTML page; From/To are added when sending."""
    totals = report.get("totals", {})
    message = new_message(f"[Enori] Monthly report {report.get('month', '')}")
    lines = [f"Enori monthly report {report.get('month', '')}", "",
             f"Monitors: {totals.get('monitors', 0)}",
             f"Uptime: {totals.get('uptimePercentage')} %",
             f"Downtime: {duration_words(totals.get('downtimeSeconds'))}",
             f"Incidents: {totals.get('incidents', 0)}", ""]
    lines += [f"- {row['name']}: {row['uptimePercentage']} % up, {row['incidents']} incident(s)"
              for row in report.get("monitors", [])]
    message.set_content("\n".join(lines + ["", "-- ", "Sent by Enori"]) + "\n")
    message.add_alternative(to_html(report), subtype="html")
    return message
