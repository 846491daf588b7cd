"""Dashboard pages for escalation policies: create, edit (its levels: a delay, then channels
and teams to page, as the API defines them) and delete. Data only through the API's handlers.

Without JavaScript a form cannot grow rows, so it shows the policy's levels and two empty ones
(up to the API's limit); an empty level (no delay, channel or team) is not sent, and one ticked
"remove" goes away."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.accounts import team_routes as teams_api
from chalicelib.channels import routes as channels_api
from chalicelib.http.endpoint import MAX_LIMIT
from chalicelib.rules import escalation_policy_routes as policies_api
from chalicelib.rules.escalation_policy_models import MAX_LEVELS, MAX_REPEAT
from chalicelib.web import forms
from chalicelib.web.pages import Web, confirmed_delete, page

bp = Blueprint(__name__)

ALL = {"limit": str(MAX_LIMIT)}
SPARE_LEVELS = 2
LEVEL_FORM = dict(numbers=("delayMinutes",), lists=("channelIds", "teamIds"), flags=("remove",))


def level_of(row: dict[str, list[str]]) -> dict | None:
    """One level's body, or None for a row left empty or ticked "remove"."""
    level = {"channelIds": [], "teamIds": [], **forms.body_from(row, **LEVEL_FORM)}
    if level.pop("remove") or not (level["channelIds"] or level["teamIds"]
                                   or "delayMinutes" in level):
        return None
    return level


def policy_body(web: Web) -> dict:
    body = forms.body_from(web.form, texts=("name",), numbers=("repeat",))
    levels = (level_of(row) for row in forms.rows_from(web.form, "levels"))
    return {**body, "levels": [level for level in levels if level is not None]}


def with_spare_levels(levels: list[dict]) -> list[dict]:
    """The form's rows: the levels, then empty ones to fill in."""
    spare = max(0, min(SPARE_LEVELS, MAX_LEVELS - len(levels)))
    return list(levels) + [{"channelIds": [], "teamIds": []} for _ in range(spare)]


@page(bp, "/alerting/policies/new", ["GET", "POST"], scope="alerts:write")
def new_policy(web: Web):
    if web.request.method != "POST":
        return _form(web, None, {"name": "", "repeat": 0, "levels": [{"delayMinutes": 0}]}, {})
    body = policy_body(web)
    try:
        created = web.api(policies_api.create_policy, body=body)
    except forms.REFUSALS as exc:
        return _refused(web, None, body, exc)
    return web.redirect(f"/alerting/policies/{created['id']}", notice="created")


@page(bp, "/alerting/policies/{policy_id}", ["GET", "POST"])
def policy_page(web: Web, policy_id: str):
    policy = web.api(policies_api.get_policy, policy_id=policy_id)
    if web.request.method != "POST":
        return _form(web, policy, policy, {})
    body = policy_body(web)
    try:
        web.api(policies_api.replace_policy, body=body, policy_id=policy_id)
    except forms.REFUSALS as exc:
        return _refused(web, policy, body, exc)
    return web.redirect(f"/alerting/policies/{policy_id}", notice="saved")


def _refused(web: Web, policy: dict | None, body: dict, exc) -> object:
    """The form again with the API's messages: the rows are the body's levels, so a detail
    naming `levels.N` lands on row N."""
    return _form(web, policy, body, forms.errors_of(exc), forms.row_errors(exc, "levels"),
                 exc.status)


def _form(web: Web, policy: dict | None, values: dict, errors: dict,
          rows: dict | None = None, status: int = 200):
    channels = web.api(channels_api.list_channels, query=ALL)["items"]
    teams = web.api(teams_api.list_teams, query=ALL)["items"] if web.can("teams:read") else []
    return web.render("policy.html", status=status, section="alerting", policy=policy,
                      values={**values, "levels": with_spare_levels(values.get("levels") or [])},
                      errors=errors, row_errors=rows or {}, channels=channels, teams=teams,
                      max_repeat=MAX_REPEAT)


@page(bp, "/alerting/policies/{policy_id}/delete", ["GET", "POST"], scope="alerts:write")
def delete_policy(web: Web, policy_id: str):
    policy = web.api(policies_api.get_policy, policy_id=policy_id)
    return confirmed_delete(web, lambda: web.api(policies_api.delete_policy, policy_id=policy_id),
                            path=f"/alerting/policies/{policy_id}", name=policy["name"],
                            thing="policy", message="This cannot be undone.",
                            gone_to="/alerting", section="alerting")
