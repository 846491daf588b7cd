"""Dashboard pages over the rest of the API: status pages (components, options, the public
page's link), maintenance windows, teams and members, monthly reports (view, download CSV or
HTML). Status pages, maintenance windows and teams are listed and created here; one of each is
edited and deleted on its own page (views_status_pages, views_maintenance, views_teams). A team's
members are picked from the account's members (with their account role); the API still takes
any address, as the spec says."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.maintenance import routes as maintenance_api
from chalicelib.monitors import routes as monitors_api
from chalicelib.reports import routes as reports_api
from chalicelib.status_pages import routes as status_pages_api
from chalicelib.accounts import members as account_members
from chalicelib.accounts import team_routes as teams_api
from chalicelib.http.endpoint import MAX_LIMIT
from chalicelib.kernel.errors import InsufficientScopeError, ValidationError
from chalicelib.web import forms, views_maintenance
from chalicelib.web.pages import Web, page

bp = Blueprint(__name__)
ALL = {"limit": str(MAX_LIMIT)}
# The HTML report is a document of its own with inline styles: it may use them, nothing else.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _listing(web: Web, kind: str, title: str, items: list, write_scope: str,
             errors: dict | None = None, status: int = 200, **extra):
    return web.render("listing.html", status=status, section=kind, title=title, kind=kind,
                      items=items, can_create=web.can(write_scope), errors=errors or {},
                      values=dict(web.form) if errors else {}, **extra)


def _create(web: Web, handler, body: dict, path: str, again):
    """POST: the API's create, then back to the list; its 400 shown on the form."""
    try:
        web.api(handler, body=body)
    except forms.REFUSALS as exc:
        return again(forms.errors_of(exc), exc.status)
    return web.redirect(path, notice="created")


@page(bp, "/status-pages", ["GET", "POST"])
def status_pages(web: Web, errors: dict | None = None, status: int = 200):
    if web.request.method == "POST" and errors is None:
        body = forms.body_from(web.form, texts=("name", "slug", "description"),
                               flags=("showUptimeBars", "showResponseTimes"))
        body["components"] = [{"monitorId": m} for m in web.fields("monitorIds")]
        return _create(web, status_pages_api.create_status_page, body, "/status-pages",
                       lambda e, s: status_pages(web, e, s))
    monitors = web.api(monitors_api.list_monitors, query=ALL)["items"] \
        if web.can("status-pages:write") else []
    return _listing(web, "status-pages", "Status pages",
                    web.api(status_pages_api.list_status_pages, query=ALL)["items"],
                    "status-pages:write", errors, status, monitors=monitors)


@page(bp, "/maintenance", ["GET", "POST"])
def maintenance(web: Web, errors: dict | None = None, status: int = 200):
    if web.request.method == "POST" and errors is None:
        body = views_maintenance.window_body(views_maintenance.typed(web))
        return _create(web, maintenance_api.create_maintenance_window, body, "/maintenance",
                       lambda e, s: maintenance(web, e, s))
    refused = errors is not None and web.request.method == "POST"
    window = views_maintenance.form_values(views_maintenance.typed(web) if refused else {})
    offered = views_maintenance.choices(web) if web.can("maintenance:write") else {}
    return _listing(web, "maintenance", "Maintenance windows",
                    web.api(maintenance_api.list_maintenance_windows, query=ALL)["items"],
                    "maintenance:write", errors, status, window=window, **offered)


def _picked_members(picked: list[str], people: list) -> list[dict]:
    """The team members the form picked, with their account roles; a 400 for anyone else."""
    by_email = {p.email: p for p in people}
    strangers = [email for email in picked if email not in by_email]
    if strangers:
        raise ValidationError.for_field("memberEmails", f"{strangers[0]} is not a member of "
                                                        "this account")
    return [{"email": email, "role": by_email[email].role} for email in dict.fromkeys(picked)]


@page(bp, "/teams", ["GET", "POST"])
def teams(web: Web, errors: dict | None = None, status: int = 200):
    assert web.session is not None
    people = account_members.list_members(web.session.account_id)
    if web.request.method == "POST" and errors is None:
        if not web.can("teams:write"):    # before the picked members are judged
            raise InsufficientScopeError("Your role cannot change this.")
        body = forms.body_from(web.form, texts=("name",))
        try:
            body["members"] = _picked_members(web.fields("memberEmails"), people)
        except ValidationError as exc:
            return teams(web, forms.errors_of(exc), 400)
        return _create(web, teams_api.create_team, body, "/teams",
                       lambda e, s: teams(web, e, s))
    return _listing(web, "teams", "Teams", web.api(teams_api.list_teams, query=ALL)["items"],
                    "teams:write", errors, status, people=people,
                    names={p.email: p.name for p in people})


@page(bp, "/reports")
def reports(web: Web):
    return _listing(web, "reports", "Monthly reports",
                    web.api(reports_api.list_reports, query=ALL)["items"], "reports:write")


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
