"""Dashboard pages for incidents: open and recent, one incident's timeline, acknowledge, post an
update (public or internal), resolve."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.incidents import routes as incidents_api
from chalicelib.kernel.errors import ValidationError
from chalicelib.web import forms
from chalicelib.web.pages import Web, page

bp = Blueprint(__name__)


@page(bp, "/incidents")
def incidents(web: Web):
    return web.render("incidents.html", section="incidents",
                      active=web.api(incidents_api.active_incidents),
                      recent=web.api(incidents_api.recent_incidents, query={"limit": "25"}))


@page(bp, "/incidents/{incident_id}", ["GET"])
def incident(web: Web, incident_id: str, errors: dict | None = None, status: int = 200):
    item = web.api(incidents_api.get_incident, incident_id=incident_id)
    return web.render("incident.html", status=status, section="incidents", incident=item,
                      errors=errors or {})


@page(bp, "/incidents/{incident_id}/acknowledge", "POST", scope="incidents:write")
def acknowledge(web: Web, incident_id: str):
    web.api(incidents_api.acknowledge_incident, incident_id=incident_id)
    return web.redirect(f"/incidents/{incident_id}", notice="acknowledged")


@page(bp, "/incidents/{incident_id}/updates", "POST", scope="incidents:write")
def post_update(web: Web, incident_id: str):
    body = {"message": web.field("message"), "public": web.field("visibility") == "public"}
    try:
        web.api(incidents_api.add_update, body=body, incident_id=incident_id)
    except ValidationError as exc:
        return incident(web, incident_id, forms.errors_of(exc), 400)
    return web.redirect(f"/incidents/{incident_id}", notice="updated")


@page(bp, "/incidents/{incident_id}/resolve", "POST", scope="incidents:write")
def resolve(web: Web, incident_id: str):
    message = web.field("message")
    body = {"message": message, "public": web.field("visibility") == "public"} if message else None
    try:
        web.api(incidents_api.resolve_incident, body=body, incident_id=incident_id)
    except ValidationError as exc:
        return incident(web, incident_id, forms.errors_of(exc), 400)
    return web.redirect(f"/incidents/{incident_id}", notice="resolved")
