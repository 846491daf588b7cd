import pytest

from apitools import Api, make_account

ALICE = {"email": "alice@example.com", "role": "owner"}
BOB = {"email": "bob@example.com", "role": "MEMBER"}


def on_plan(api, plan, scopes=("*",)):
    return Api(api.client, make_account(plan, scopes)[1])


def members(n):
    return [{"email": f"m{i}@example.com", "role": "Member"} for i in range(n)]


def test_it_creates_a_team_with_members_in_canonical_case(api):
    response = api.post("/api/teams", {"name": "Ops", "members": [ALICE, BOB]})
    assert response.status_code == 201
    body = response.json
    assert body["id"].startswith("team_")
    assert [(m["email"], m["role"]) for m in body["members"]] == \
        [("alice@example.com", "Owner"), ("bob@example.com", "Member")]
    assert all(m["id"].startswith("mbr_") for m in body["members"])
    assert body["memberCount"] == 2
    assert api.get(f"/api/teams/{body['id']}").json == body
    assert [t["id"] for t in api.get("/api/teams").json["items"]] == [body["id"]]


def test_a_member_role_defaults_to_member(api):
    body = api.post("/api/teams", {"name": "Ops", "members": [{"email": "X@Example.com"}]}).json
    assert [(m["email"], m["role"]) for m in body["members"]] == [("x@example.com", "Member")]


def test_team_names_are_unique_in_an_account(api):
    assert api.post("/api/teams", {"name": "Ops"}).status_code == 201
    response = api.post("/api/teams", {"name": "Ops"})
    assert (response.status_code, response.json["code"]) == (409, "CONFLICT")


def test_the_same_name_is_fine_in_another_account(api):
    assert api.post("/api/teams", {"name": "Ops"}).status_code == 201
    assert on_plan(api, "Pro").post("/api/teams", {"name": "Ops"}).status_code == 201


def test_put_replaces_and_keeps_the_ids_of_members_who_stay(api):
    team = api.post("/api/teams", {"name": "Ops", "members": [ALICE, BOB]}).json
    alice_id = team["members"][0]["id"]
    response = api.put(f"/api/teams/{team['id']}",
                       {"name": "SRE", "members": [{"email": "alice@example.com",
                                                    "role": "admin"}]})
    assert response.status_code == 200
    assert response.json["name"] == "SRE"
    assert [(m["id"], m["role"]) for m in response.json["members"]] == [(alice_id, "Admin")]
    assert api.get(f"/api/teams/{team['id']}").json == response.json


def test_renaming_frees_the_old_name_and_refuses_a_taken_one(api):
    ops = api.post("/api/teams", {"name": "Ops"}).json
    api.post("/api/teams", {"name": "Dev"})
    assert api.put(f"/api/teams/{ops['id']}", {"name": "Dev"}).status_code == 409
    assert api.put(f"/api/teams/{ops['id']}", {"name": "SRE"}).status_code == 200
    assert api.post("/api/teams", {"name": "Ops"}).status_code == 201


def test_delete_frees_the_name_and_is_404_after(api):
    team = api.post("/api/teams", {"name": "Ops"}).json
    assert api.delete(f"/api/teams/{team['id']}").status_code == 204
    assert api.get(f"/api/teams/{team['id']}").status_code == 404
    assert api.delete(f"/api/teams/{team['id']}").status_code == 404
    assert api.post("/api/teams", {"name": "Ops"}).status_code == 201


@pytest.mark.parametrize("body, field", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "Ops", "members": [{"email": "not-an-email"}]}, "members.0.email"),
    ({"name": "Ops", "members": [{"email": "a@example.com", "role": "Boss"}]},
     "members.0.role"),
    ({"name": "Ops", "members": [{"role": "Admin"}]}, "members.0.email"),
    ({"name": "Ops", "members": [ALICE, {"email": "ALICE@example.com"}]}, "members.1.email"),
    ({"name": "Ops", "members": members(26)}, "members"),
    ({"name": "Ops", "colour": "red"}, "colour"),
])
def test_it_refuses_a_bad_team_naming_the_field(api, body, field):
    response = api.post("/api/teams", body)
    assert (response.status_code, response.json["code"]) == (400, "VALIDATION_ERROR")
    assert response.json["details"][0]["field"] == field


def test_it_adds_and_removes_a_member(api):
    team = api.post("/api/teams", {"name": "Ops", "members": [ALICE]}).json
    added = api.post(f"/api/teams/{team['id']}/members", {"email": "Bob@Example.com",
                                                          "role": "viewer"})
    assert added.status_code == 201
    assert added.json["id"].startswith("mbr_")
    assert (added.json["email"], added.json["role"]) == ("bob@example.com", "Viewer")
    assert [m["email"] for m in api.get(f"/api/teams/{team['id']}").json["members"]] == \
        ["alice@example.com", "bob@example.com"]
    removed = api.delete(f"/api/teams/{team['id']}/members/{added.json['id']}")
    assert removed.status_code == 204
    assert api.get(f"/api/teams/{team['id']}").json["memberCount"] == 1
    again = api.delete(f"/api/teams/{team['id']}/members/{added.json['id']}")
    assert again.status_code == 404


def test_adding_an_email_already_in_the_team_is_a_conflict(api):
    team = api.post("/api/teams", {"name": "Ops", "members": [ALICE]}).json
    response = api.post(f"/api/teams/{team['id']}/members", {"email": "ALICE@example.com"})
    assert (response.status_code, response.json["code"]) == (409, "CONFLICT")


@pytest.mark.parametrize("body, field", [
    ({}, "email"),
    ({"email": "nope"}, "email"),
    ({"email": "a@example.com", "role": "King"}, "role"),
])
def test_it_refuses_a_bad_member(api, body, field):
    team = api.post("/api/teams", {"name": "Ops"}).json
    response = api.post(f"/api/teams/{team['id']}/members", body)
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == field


# --- plan limits --------------------------------------------------------------------------------

@pytest.mark.parametrize("plan, limit, upgrade", [
    ("Base", 2, "Upgrade to Pro for up to 10."),
    ("Pro", 10, "Upgrade to Business for unlimited teams."),
])
def test_the_team_count_is_limited_by_plan(api, plan, limit, upgrade):
    client = on_plan(api, plan)
    for i in range(limit):
        assert client.post("/api/teams", {"name": f"T{i}"}).status_code == 201
    response = client.post("/api/teams", {"name": "One more"})
    assert response.status_code == 403
    assert response.json == {"error": "Team limit exceeded", "code": "PLAN_LIMIT_EXCEEDED",
                             "message": f"Your {plan} plan allows {limit} teams. {upgrade}"}
    assert client.get("/api/account").json["usage"]["teams"] == limit


def test_business_has_no_team_limit(api):
    for i in range(12):
        assert api.post("/api/teams", {"name": f"T{i}"}).status_code == 201


def test_deleting_a_team_frees_its_slot(api):
    client = on_plan(api, "Base")
    ids = [client.post("/api/teams", {"name": f"T{i}"}).json["id"] for i in range(2)]
    client.delete(f"/api/teams/{ids[0]}")
    assert client.post("/api/teams", {"name": "Again"}).status_code == 201


@pytest.mark.parametrize("plan, limit", [("Base", 3), ("Pro", 10), ("Business", 25)])
def test_members_per_team_are_limited_by_plan(api, plan, limit):
    client = on_plan(api, plan)
    team = client.post("/api/teams", {"name": "Ops", "members": members(limit)})
    assert team.status_code == 201
    response = client.post(f"/api/teams/{team.json['id']}/members", {"email": "late@example.com"})
    assert (response.status_code, response.json["code"]) == (403, "PLAN_LIMIT_EXCEEDED")
    assert response.json["message"].startswith(
        f"Your {plan} plan allows {limit} members per team.")


def test_the_member_limit_message_names_the_upgrade(api):
    client = on_plan(api, "Base")
    response = client.post("/api/teams", {"name": "Ops", "members": members(4)})
    assert response.status_code == 403
    assert response.json == {"error": "Members per team limit exceeded",
                             "code": "PLAN_LIMIT_EXCEEDED",
                             "message": "Your Base plan allows 3 members per team. "
                                        "Upgrade to Pro for up to 10."}
    team = client.post("/api/teams", {"name": "Ops", "members": members(3)}).json
    assert client.put(f"/api/teams/{team['id']}",
                      {"name": "Ops", "members": members(4)}).status_code == 403


def test_an_add_racing_another_add_never_passes_the_limit(api, clock, monkeypatch):
    """The second add read the team before the first one landed: its compare-and-set fails, it
    reads again, and the limit refuses it."""
    from chalicelib.accounts import teams
    from chalicelib.kernel.errors import PlanLimitError
    from chalicelib.accounts.team_models import MemberIn
    from chalicelib.storage import teams as team_store
    from chalicelib.storage.accounts import get_account

    account_id, key = make_account("Base")
    client = Api(api.client, key)
    team_id = client.post("/api/teams", {"name": "Ops", "members": members(2)}).json["id"]
    stale = team_store.get_team(account_id, team_id)
    client.post(f"/api/teams/{team_id}/members", {"email": "first@example.com"})
    reads = [stale]
    real = teams.require_team
    monkeypatch.setattr(teams, "require_team",
                        lambda a, t: reads.pop() if reads else real(a, t))
    with pytest.raises(PlanLimitError):
        teams.add_member(get_account(account_id), team_id,
                         MemberIn(email="second@example.com"), clock.now())
    assert team_store.get_team(account_id, team_id).member_count == 3


# --- tenancy and scopes -------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/teams/{id}", None),
    ("PUT", "/api/teams/{id}", {"name": "Mine now"}),
    ("DELETE", "/api/teams/{id}", None),
    ("POST", "/api/teams/{id}/members", {"email": "eve@example.com"}),
    ("DELETE", "/api/teams/{id}/members/{member}", None),
])
def test_another_accounts_team_is_not_found(api, method, path, body):
    team = api.post("/api/teams", {"name": "Ops", "members": [ALICE]}).json
    other = on_plan(api, "Business")
    url = path.format(id=team["id"], member=team["members"][0]["id"])
    response = other.request(method, url, body)
    assert (response.status_code, response.json["code"]) == (404, "NOT_FOUND")
    assert api.get(f"/api/teams/{team['id']}").json == team
    assert other.get("/api/teams").json == {"items": [], "totalCount": 0}


def test_teams_need_the_teams_scopes(api):
    reader = on_plan(api, "Business", scopes=("teams:read",))
    assert reader.get("/api/teams").status_code == 200
    response = reader.post("/api/teams", {"name": "Ops"})
    assert (response.status_code, response.json["code"]) == (403, "INSUFFICIENT_SCOPE")
    monitors_only = on_plan(api, "Business", scopes=("monitors:read",))
    assert monitors_only.get("/api/teams").status_code == 403
