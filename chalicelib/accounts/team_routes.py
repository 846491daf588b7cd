"""/api/teams: list, create, read, replace, delete, and /members to add or remove one member."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.accounts import teams
from chalicelib.accounts.service import require_account
from chalicelib.http.endpoint import Call, endpoint, page
from chalicelib.accounts.team_models import MemberIn, TeamIn
from chalicelib.accounts.representations import Team, TeamList, TeamMember
from chalicelib.http.contract import PAGING

bp = Blueprint(__name__)


@endpoint(bp, "/api/teams", "GET", scope="teams:read", query=PAGING, returns=TeamList)
def list_teams(call: Call):
    limit, offset = call.paging()
    return page([teams.team_json(t) for t in teams.list_teams(call.account_id)], limit, offset)


@endpoint(bp, "/api/teams", "POST", scope="teams:write", status=201, body=TeamIn,
          representation=Team)
def create_team(call: Call):
    body = call.body(TeamIn)
    account = require_account(call.account_id)
    return teams.team_json(teams.create_team(account, body, call.clock.now()))


@endpoint(bp, "/api/teams/{team_id}", "GET", scope="teams:read", returns=Team)
def get_team(call: Call, team_id: str):
    return teams.team_json(teams.require_team(call.account_id, team_id))


@endpoint(bp, "/api/teams/{team_id}", "PUT", scope="teams:write", body=TeamIn,
          representation=Team)
def replace_team(call: Call, team_id: str):
    teams.require_team(call.account_id, team_id)  # 404 before any 400
    account = require_account(call.account_id)
    item = teams.replace_team(account, team_id, call.body(TeamIn), call.clock.now())
    return teams.team_json(item)


@endpoint(bp, "/api/teams/{team_id}", "DELETE", scope="teams:write")
def delete_team(call: Call, team_id: str):
    teams.delete_team(call.account_id, team_id)
    return None


@endpoint(bp, "/api/teams/{team_id}/members", "POST", scope="teams:write", status=201,
          body=MemberIn, returns=TeamMember)
def add_member(call: Call, team_id: str):
    teams.require_team(call.account_id, team_id)  # 404 before any 400
    account = require_account(call.account_id)
    member = teams.add_member(account, team_id, call.body(MemberIn), call.clock.now())
    return teams.member_json(member)


@endpoint(bp, "/api/teams/{team_id}/members/{member_id}", "DELETE", scope="teams:write")
def remove_member(call: Call, team_id: str, member_id: str):
    teams.remove_member(call.account_id, team_id, member_id, call.clock.now())
    return None
