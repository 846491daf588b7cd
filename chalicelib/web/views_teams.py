"""Dashboard pages for one team: rename it, add a member (the API's member: an email and a
role), remove one, delete the team. Data only through the API's handlers; the list and the create
form are /teams (views_more)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.accounts import team_routes as teams_api
from chalicelib.accounts.team_models import ROLES
from chalicelib.web import forms
from chalicelib.web.pages import Web, confirmed_delete, page

bp = Blueprint(__name__)


def renamed(team: dict, name: str) -> dict:
    """The PUT body of a rename: a PUT replaces the members too, so they are the ones just read
    (the same request), not the ones the page showed when it was opened."""
    return {"name": name, "members": [{"email": m["email"], "role": m["role"]}
                                      for m in team["members"]]}


@page(bp, "/teams/{team_id}", ["GET", "POST"])
def team_page(web: Web, team_id: str):
    team = web.api(teams_api.get_team, team_id=team_id)
    if web.request.method != "POST":
        return _page(web, team)
    try:
        web.api(teams_api.replace_team, body=renamed(team, web.field("name")), team_id=team_id)
    except forms.REFUSALS as exc:
        return _page(web, team, "rename", forms.errors_of(exc), exc.status)
    return web.redirect(f"/teams/{team_id}", notice="saved")


@page(bp, "/teams/{team_id}/members", "POST", scope="teams:write")
def add_member(web: Web, team_id: str):
    team = web.api(teams_api.get_team, team_id=team_id)
    try:
        web.api(teams_api.add_member, body=forms.body_from(web.form, texts=("email", "role")),
                team_id=team_id)
    except forms.REFUSALS as exc:
        return _page(web, team, "add", forms.errors_of(exc), exc.status)
    return web.redirect(f"/teams/{team_id}", notice="saved")


@page(bp, "/teams/{team_id}/members/{member_id}/remove", "POST", scope="teams:write")
def remove_member(web: Web, team_id: str, member_id: str):
    web.api(teams_api.remove_member, team_id=team_id, member_id=member_id)
    return web.redirect(f"/teams/{team_id}", notice="saved")


def _page(web: Web, team: dict, refused: str = "", errors: dict | None = None,
          status: int = 200):
    """The team; after a refusal, the form that was refused (`rename` or `add`) shows what was
    typed and the API's messages."""
    typed = {k: web.field(k) for k in ("name", "email", "role")} if refused else {}
    values = {"name": team["name"], "role": "Member", **{k: v for k, v in typed.items() if v}}
    return web.render("team.html", status=status, section="teams", team=team, values=values,
                      refused=refused, errors=errors or {}, roles=ROLES)


@page(bp, "/teams/{team_id}/delete", ["GET", "POST"], scope="teams:write")
def delete_team(web: Web, team_id: str):
    team = web.api(teams_api.get_team, team_id=team_id)
    return confirmed_delete(web, lambda: web.api(teams_api.delete_team, team_id=team_id),
                            path=f"/teams/{team_id}", name=team["name"], thing="team",
                            message="Its member list goes with it; this cannot be undone.",
                            gone_to="/teams", section="teams")
