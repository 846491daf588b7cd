"""Dashboard pages for one maintenance window: edit (one-off, weekly or cron, as the API defines
them) and delete. The form ↔ body mapping here serves the create form on /maintenance too.

The form shows every schedule's inputs and every scope's at once (it works without JavaScript);
two radio buttons say which schedule and which scope are meant, and only their inputs go to the
API, whose 400s then name the fields at stake."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.maintenance import routes as maintenance_api
from chalicelib.maintenance.occurrences import CRON, ONE_OFF, WEEKDAYS, WEEKLY
from chalicelib.monitors import routes as monitors_api
from chalicelib.http.endpoint import MAX_LIMIT
from chalicelib.web import forms
from chalicelib.web.pages import Web, confirmed_delete, page

bp = Blueprint(__name__)

SCHEDULES = {ONE_OFF: ("startsAt", "endsAt"),
             WEEKLY: ("weekdays", "startTime", "durationMinutes", "timezone"),
             CRON: ("cronExpression", "durationMinutes", "timezone")}
SCOPES = ("allMonitors", "monitorIds", "tags")
SCHEDULE_INPUTS = {name for names in SCHEDULES.values() for name in names}
WINDOW_FORM = dict(texts=("name", "description", "startsAt", "endsAt", "startTime",
                          "cronExpression", "timezone"),
                   numbers=("durationMinutes",), lists=("weekdays", "monitorIds"),
                   csv=("tags",), flags=("notifySubscribers",))


def typed(web: Web) -> dict:
    """Everything the form says, whichever schedule and scope are chosen (to show it again)."""
    values = forms.body_from(web.form, **WINDOW_FORM)
    for name in ("startsAt", "endsAt"):
        if name in values:
            values[name] = forms.utc_from_input(values[name])
    return {**values, "schedule": web.field("schedule") or ONE_OFF,
            "scope": web.field("scope") or "allMonitors"}


def window_body(values: dict) -> dict:
    """The API's body: the chosen schedule's inputs and the chosen scope only. A scope chosen
    but left empty is sent empty, for the API's 400 to name it."""
    kept = SCHEDULES.get(values["schedule"], ())
    body = {k: v for k, v in values.items()
            if k not in SCOPES and k not in ("schedule", "scope")
            and (k not in SCHEDULE_INPUTS or k in kept)}
    scope = values["scope"]
    if scope == "allMonitors":
        body["allMonitors"] = True
    elif scope in SCOPES:
        body[scope] = values.get(scope, [])
    return body   # an unknown scope sends none: the API's 400 names the three


def form_values(window: dict) -> dict:
    """What the form shows for a window as the API returns it (or as `typed` read it)."""
    scope = window.get("scope") or next(
        (name for name in ("monitorIds", "tags") if window.get(name)), "allMonitors")
    return {**window, "schedule": window.get("schedule") or window.get("type") or ONE_OFF,
            "scope": scope, "tags": ", ".join(window.get("tags") or []),
            "startsAt": forms.input_from_utc(window.get("startsAt")),
            "endsAt": forms.input_from_utc(window.get("endsAt"))}


def choices(web: Web) -> dict:
    """What the form offers: the schedules, weekdays and the account's monitors."""
    monitors = web.api(monitors_api.list_monitors, query={"limit": str(MAX_LIMIT)})["items"]
    return {"schedules": list(SCHEDULES), "weekdays": WEEKDAYS, "monitors": monitors}


@page(bp, "/maintenance/{window_id}", ["GET", "POST"])
def window_page(web: Web, window_id: str):
    window = web.api(maintenance_api.get_maintenance_window, window_id=window_id)
    if web.request.method == "POST":
        values = typed(web)
        try:
            web.api(maintenance_api.replace_maintenance_window, body=window_body(values),
                    window_id=window_id)
        except forms.REFUSALS as exc:
            return _page(web, window, form_values(values), forms.errors_of(exc), exc.status)
        return web.redirect(f"/maintenance/{window_id}", notice="saved")
    return _page(web, window, form_values(window), {})


def _page(web: Web, window: dict, values: dict, errors: dict, status: int = 200):
    offered = choices(web) if web.can("maintenance:write") else {}
    return web.render("maintenance.html", status=status, section="maintenance", window=window,
                      values=values, errors=errors, **offered)


@page(bp, "/maintenance/{window_id}/delete", ["GET", "POST"], scope="maintenance:write")
def delete_window(web: Web, window_id: str):
    window = web.api(maintenance_api.get_maintenance_window, window_id=window_id)
    return confirmed_delete(
        web, lambda: web.api(maintenance_api.delete_maintenance_window, window_id=window_id),
        path=f"/maintenance/{window_id}", name=window["name"], thing="window",
        message="Its monitors alert again during the times it covered.",
        gone_to="/maintenance", section="maintenance")
