"""Dashboard pages over the rest of the API: status pages (components, options, the public
page's link), maintenance windows, teams and members, monthly reports (view, download CSV or
HTML). Read views first: creating these objects stays with the API for now."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api import maintenance as maintenance_api
from chalicelib.api import reports as reports_api
from chalicelib.api import status_pages as status_pages_api
from chalicelib.api import teams as teams_api
from chalicelib.api.http import MAX_LIMIT
from chalicelib.errors import ValidationError
from chalicelib.web.pages import Web, page

bp = Blueprint(__name__)
ALL = {"limit": str(MAX_LIMIT)}
# The HTML report is a document of its own with inline styles: it may use them, nothing else.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@page(bp, "/status-pages")
def status_pages(web: Web):
    return web.render("listing.html", section="status-pages", title="Status pages",
                      kind="status-pages",
                      items=web.api(status_pages_api.list_status_pages, query=ALL)["items"])


@page(bp, "/maintenance")
def maintenance(web: Web):
    return web.render("listing.html", section="maintenance", title="Maintenance windows",
                      kind="maintenance",
                      items=web.api(maintenance_api.list_maintenance_windows, query=ALL)["items"])


@page(bp, "/teams")
def teams(web: Web):
    return web.render("listing.html", section="teams", title="Teams", kind="teams",
                      items=web.api(teams_api.list_teams, query=ALL)["items"])


@page(bp, "/reports")
def reports(web: Web):
    return web.render("listing.html", section="reports", title="Monthly reports",
                      kind="reports", items=web.api(reports_api.list_reports, query=ALL)["items"])


@page(bp, "/reports/{report_id}")
def report(web: Web, report_id: str):
    wanted = web.query("format") or "html"
    if wanted not in ("csv", "html"):
        raise ValidationError.for_field("format", "must be csv or html")
    answer = web.api(reports_api.get_report, query={"format": wanted}, report_id=report_id)
    assert isinstance(answer, Response)
    if wanted == "html":
        answer.headers["Content-Security-Policy"] = REPORT_CSP
    return answer
