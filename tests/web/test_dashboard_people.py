"""People in the dashboard (moto): passwords, sign-in by password with its lockout, the Members
page and teams picked from members."""
import re
from datetime import timedelta

import pytest

from webtools import Person, sign_in as member

PASSWORD = "correct horse battery"


def with_password(world, role="Owner", email=None, password=PASSWORD):
    person = member(world, role, email)
    response = person.post("/settings/profile/password", {"password": password,
                                                         "confirm": password})
    assert response.status_code == 303, response.text
    return person


def password_sign_in(world, email, password):
    """A POST of the sign-in form from a fresh browser."""
    person = Person(world["client"])
    response = person.post("/signin", {"email": email, "password": password}, csrf=False)
    return person, response


def member_rows(page: str) -> list[str]:
    return re.findall(r"<tr>\s*<td>.*?</tr>", page, re.S)


# --- passwords -----------------------------------------------------------------------------------

def test_the_sign_in_page_offers_a_password_and_a_link(world):
    page = Person(world["client"]).get("/signin")
    assert page.status_code == 200
    assert 'type="email" name="email"' in page.text
    assert 'type="password" name="password"' in page.text
    assert "make login" in page.text


def test_a_person_sets_a_password_and_signs_in_with_it(world):
    with_password(world, "Admin", "ada@example.com")
    person, response = password_sign_in(world, "Ada@Example.com", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert "HttpOnly" in response.headers["set-cookie"]
    assert "ada@example.com (Admin)" in person.get("/").text


def test_the_password_is_stored_as_an_scrypt_hash_with_its_parameters(world):
    from chalicelib.storage import users as store

    with_password(world, "Owner", "ada@example.com")
    stored = store.get_user("ada@example.com").password_hash
    assert stored.startswith("scrypt$16384$8$1$") and PASSWORD not in stored


def test_changing_a_password_needs_the_current_one(world):
    person = with_password(world)
    page = person.get("/settings/profile")
    assert 'name="current"' in page.text
    wrong = person.post("/settings/profile/password", {
        "current": "not the password", "password": "a brand new one", "confirm": "a brand new one"})
    assert wrong.status_code == 400
    assert 'id="current-error">is not your current password' in wrong.text
    right = person.post("/settings/profile/password", {
        "current": PASSWORD, "password": "a brand new one", "confirm": "a brand new one"})
    assert right.status_code == 303
    assert password_sign_in(world, "owner@example.com", "a brand new one")[1].status_code == 303
    assert password_sign_in(world, "owner@example.com", PASSWORD)[1].status_code == 400


@pytest.mark.parametrize("form, field, message", [
    ({"password": "too short", "confirm": "too short"}, "password",
     "must be at least 10 characters"),
    ({"password": "long enough now", "confirm": "long enough now!"}, "confirm",
     "does not match the new password"),
])
def test_a_bad_new_password_is_a_400_next_to_its_field(world, form, field, message):
    from chalicelib.storage import users as store

    person = member(world)
    response = person.post("/settings/profile/password", form)
    assert response.status_code == 400
    assert f'id="{field}-error">{message}<' in response.text
    assert store.get_user("owner@example.com").password_hash is None


def test_a_viewer_sets_their_own_name_and_password(world):
    viewer = member(world, "Viewer")
    assert viewer.post("/settings/profile/name", {"name": "Vera"}).status_code == 303
    assert 'value="Vera"' in viewer.get("/settings/profile").text
    assert viewer.post("/settings/profile/name", {"name": " "}).status_code == 400
    assert viewer.post("/settings/profile/password", {
        "password": PASSWORD, "confirm": PASSWORD}).status_code == 303


def test_a_wrong_email_and_a_wrong_password_get_the_same_answer(world):
    with_password(world)
    _, wrong_password = password_sign_in(world, "owner@example.com", "not the password")
    _, wrong_email = password_sign_in(world, "nobody@example.com", PASSWORD)
    _, no_password_yet = password_sign_in(world, "viewer@example.com", PASSWORD)
    member(world, "Viewer")   # a user without a password
    _, user_without_one = password_sign_in(world, "viewer@example.com", PASSWORD)
    answers = {(r.status_code, r.text.replace(email, "E"))
               for r, email in ((wrong_password, "owner@example.com"),
                                (wrong_email, "nobody@example.com"),
                                (no_password_yet, "viewer@example.com"),
                                (user_without_one, "viewer@example.com"))}
    assert len(answers) == 1
    (status, text), = answers
    assert status == 400 and "Wrong email or password." in text


def test_bad_sign_in_input_is_a_400_next_to_its_field(world):
    _, response = password_sign_in(world, "not an address", "")
    assert response.status_code == 400 and 'id="email-error"' in response.text
    assert 'id="password-error">enter your password' in response.text
    _, response = password_sign_in(world, "a@example.com", "")
    assert response.status_code == 400 and 'id="password-error">enter your password' in response.text
    _, response = password_sign_in(world, "a@example.com", "x" * 201)
    assert response.status_code == 400 and 'id="password-error">is longer than 200' in response.text
    _, response = password_sign_in(world, "a" * 300 + "@example.com", PASSWORD)
    assert response.status_code == 400 and 'id="email-error"' in response.text


def test_a_password_sign_in_counts_in_the_per_address_limit(world):
    from chalicelib.web import views_session

    stranger = Person(world["client"])
    answers = [stranger.post("/signin", {"email": f"x{i}@example.com", "password": "guess"},
                             csrf=False).status_code
               for i in range(views_session.SIGN_IN_ATTEMPTS + 1)]
    assert answers[-1] == 429 and 429 not in answers[:-1]


# --- lockout -------------------------------------------------------------------------------------

def locked_text(response) -> str | None:
    found = re.search(r"locked until (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", response.text)
    return found.group(1) if found else None


def test_ten_wrong_passwords_lock_the_address_for_fifteen_minutes(world, clock, monkeypatch):
    from chalicelib.web import views_session

    monkeypatch.setattr(views_session, "SIGN_IN_ATTEMPTS", 100)
    with_password(world)
    answers = [password_sign_in(world, "owner@example.com", f"guess {i}")[1]
               for i in range(10)]
    assert [r.status_code for r in answers] == [400] * 9 + [429]
    until = (clock.now() + timedelta(minutes=15)).strftime("%Y-%m-%d %H:%M")
    assert locked_text(answers[-1]) == until
    refused = password_sign_in(world, "owner@example.com", PASSWORD)[1]
    assert refused.status_code == 429 and locked_text(refused) == until
    clock.advance(14 * 60 + 59)
    assert password_sign_in(world, "owner@example.com", PASSWORD)[1].status_code == 429
    clock.advance(1)
    assert password_sign_in(world, "owner@example.com", PASSWORD)[1].status_code == 303


def test_a_success_resets_the_count(world, monkeypatch):
    from chalicelib.web import views_session

    monkeypatch.setattr(views_session, "SIGN_IN_ATTEMPTS", 100)
    with_password(world)
    for round_ in range(2):
        for i in range(9):
            assert password_sign_in(world, "owner@example.com", "wrong")[1].status_code == 400
        assert password_sign_in(world, "owner@example.com", PASSWORD)[1].status_code == 303


def test_an_unknown_address_locks_exactly_like_a_known_one(world, clock, monkeypatch):
    from chalicelib.web import views_session

    monkeypatch.setattr(views_session, "SIGN_IN_ATTEMPTS", 100)
    answers = [password_sign_in(world, "nobody@example.com", "guess")[1] for _ in range(10)]
    assert [r.status_code for r in answers] == [400] * 9 + [429]
    assert locked_text(answers[-1]) is not None


def test_wrong_current_passwords_count_in_the_lockout(world, clock, monkeypatch):
    person = with_password(world)
    change = {"current": "wrong guess", "password": "a brand new one", "confirm": "a brand new one"}
    answers = [person.post("/settings/profile/password", change) for _ in range(10)]
    assert [r.status_code for r in answers] == [400] * 10
    until = (clock.now() + timedelta(minutes=15)).strftime("%H:%M UTC")
    assert f'id="current-error">too many wrong passwords: locked until {until}' in answers[-1].text
    assert person.post("/settings/profile/password", {**change, "current": PASSWORD}).status_code \
        == 400
    assert password_sign_in(world, "owner@example.com", PASSWORD)[1].status_code == 429


def test_the_lock_is_per_address(world, monkeypatch):
    from chalicelib.web import views_session

    monkeypatch.setattr(views_session, "SIGN_IN_ATTEMPTS", 100)
    with_password(world, "Admin", "ada@example.com")
    for _ in range(10):
        password_sign_in(world, "owner@example.com", "guess")
    assert password_sign_in(world, "ada@example.com", PASSWORD)[1].status_code == 303


# --- members -------------------------------------------------------------------------------------

def members_of(world):
    from chalicelib.accounts import members

    return {m.email: m for m in members.list_members(world["account"])}


def test_the_members_page_lists_name_email_role_and_joined(world, clock):
    owner = member(world)
    clock.advance(3600)
    member(world, "Viewer", "vera@example.com")
    owner.post("/settings/profile/name", {"name": "Olga Owner"})
    page = owner.get("/settings/members")
    assert page.status_code == 200
    rows = member_rows(page.text)
    assert len(rows) == 2
    assert "Olga Owner" in rows[0] and "owner@example.com" in rows[0]
    assert "vera@example.com" in rows[1] and "<option selected>Viewer</option>" in rows[1]
    assert clock.now().strftime("%Y-%m-%d") in rows[1]


@pytest.mark.parametrize("role", ["Member", "Viewer"])
def test_members_and_viewers_see_the_list_read_only(world, role):
    member(world)
    person = member(world, role)
    page = person.get("/settings/members")
    assert page.status_code == 200 and "owner@example.com" in page.text
    assert "/remove" not in page.text and "<select" not in page.text
    owner_id = members_of(world)["owner@example.com"].member_id
    assert person.post(f"/settings/members/{owner_id}/role", {"role": "Viewer"}).status_code == 403
    assert person.post(f"/settings/members/{owner_id}/remove").status_code == 403
    assert members_of(world)["owner@example.com"].role == "Owner"


def test_an_owner_changes_a_role_and_the_persons_sessions_end(world):
    owner = member(world)
    colleague = member(world, "Member", "mia@example.com")
    mia = members_of(world)["mia@example.com"]
    response = owner.post(f"/settings/members/{mia.member_id}/role", {"role": "Viewer"})
    assert response.status_code == 303
    assert members_of(world)["mia@example.com"].role == "Viewer"
    assert colleague.get("/").status_code == 401        # signed out: the old role is gone
    again = member(world, "Member", "mia@example.com")  # a link of a member: their role wins
    assert "mia@example.com (Viewer)" in again.get("/").text
    assert owner.get("/").status_code == 200


def test_saving_the_same_role_signs_nobody_out(world):
    owner = member(world)
    colleague = member(world, "Member", "mia@example.com")
    mia = members_of(world)["mia@example.com"]
    assert owner.post(f"/settings/members/{mia.member_id}/role",
                      {"role": "Member"}).status_code == 303
    assert colleague.get("/").status_code == 200


def test_an_admin_removes_a_member_who_can_no_longer_sign_in(world, clock):
    from chalicelib.web import sessions

    member(world)
    admin = member(world, "Admin")
    gone = with_password(world, "Member", "mia@example.com")
    mia = members_of(world)["mia@example.com"]
    unused = sessions.issue_link(world["account"], "mia@example.com", "Member", clock.now())
    assert admin.post(f"/settings/members/{mia.member_id}/remove").status_code == 303
    assert "mia@example.com" not in members_of(world)
    assert gone.get("/").status_code == 401
    assert Person(world["client"]).post("/signin", {"link": unused}, csrf=False).status_code == 400
    _, response = password_sign_in(world, "mia@example.com", PASSWORD)
    assert response.status_code == 403 and "not a member of any account" in response.text


def test_the_last_owner_can_be_neither_demoted_nor_removed(world):
    owner = member(world)
    me = members_of(world)["owner@example.com"]
    demoted = owner.post(f"/settings/members/{me.member_id}/role", {"role": "Admin"})
    assert demoted.status_code == 400
    assert (f'id="{me.member_id}-error">the account\'s last Owner cannot be demoted'
            in demoted.text.replace("&#39;", "'"))
    removed = owner.post(f"/settings/members/{me.member_id}/remove")
    assert removed.status_code == 400 and "last Owner cannot be removed" in \
        removed.text.replace("&#39;", "'")
    assert members_of(world)["owner@example.com"].role == "Owner"
    assert owner.get("/").status_code == 200


def test_with_a_second_owner_the_first_can_step_down(world):
    owner = member(world)
    member(world, "Admin", "ada@example.com")
    ada = members_of(world)["ada@example.com"]
    assert owner.post(f"/settings/members/{ada.member_id}/role",
                      {"role": "Owner"}).status_code == 303
    owner = member(world)
    me = members_of(world)["owner@example.com"]
    assert owner.post(f"/settings/members/{me.member_id}/role",
                      {"role": "Admin"}).status_code == 303
    assert {e: m.role for e, m in members_of(world).items()} == \
        {"owner@example.com": "Admin", "ada@example.com": "Owner"}


def test_an_admin_cannot_make_or_unmake_an_owner(world):
    member(world)
    member(world, "Owner", "olaf@example.com")
    admin = member(world, "Admin")
    olaf = members_of(world)["olaf@example.com"]
    me = members_of(world)["admin@example.com"]
    assert admin.post(f"/settings/members/{olaf.member_id}/remove").status_code == 403
    assert admin.post(f"/settings/members/{me.member_id}/role",
                      {"role": "Owner"}).status_code == 403
    assert members_of(world)["admin@example.com"].role == "Admin"
    assert "olaf@example.com" in members_of(world)


def test_an_unknown_role_is_a_400_next_to_the_member(world):
    owner = member(world)
    member(world, "Viewer")
    vera = members_of(world)["viewer@example.com"]
    response = owner.post(f"/settings/members/{vera.member_id}/role", {"role": "Boss"})
    assert response.status_code == 400 and f'id="{vera.member_id}-error">must be one of' in \
        response.text


def test_another_accounts_member_is_a_404_page(world):
    from chalicelib.accounts import members

    stranger = Person(world["client"]).sign_in(world["other"], "Viewer", "theirs@example.com")
    theirs, = members.list_members(world["other"])
    owner = member(world)
    for path, form in ((f"/settings/members/{theirs.member_id}/role", {"role": "Owner"}),
                       (f"/settings/members/{theirs.member_id}/remove", {})):
        response = owner.post(path, form)
        assert response.status_code == 404 and "theirs@example.com" not in response.text
    assert owner.post("/settings/members/not-an-id/remove").status_code == 404
    assert stranger.get("/").status_code == 200
    assert "theirs@example.com" not in owner.get("/settings/members").text


def test_accepting_an_invitation_makes_a_user_and_a_member(world, monkeypatch):
    import dataclasses

    from chalicelib.storage import users as store
    from chalicelib.web import invites
    from targets import SmtpSink

    sink = SmtpSink()
    monkeypatch.setattr(invites, "settings", dataclasses.replace(invites.settings,
                                                                 smtp_url=sink.url))
    try:
        owner = member(world)
        assert owner.post("/account", {"email": "new@example.com",
                                       "role": "Member"}).status_code == 201
        token = re.search(r"/signin/([A-Za-z0-9_-]+)", sink.bodies()[0]).group(1)
    finally:
        sink.stop()
    assert "new@example.com" not in members_of(world)
    invited = Person(world["client"])
    assert invited.post("/signin", {"link": token}, csrf=False).status_code == 303
    assert members_of(world)["new@example.com"].role == "Member"
    assert store.get_user("new@example.com").name == "new"
    assert "new@example.com" in owner.get("/settings/members").text


# --- teams ---------------------------------------------------------------------------------------

def test_a_teams_members_are_picked_from_the_accounts_members(world):
    owner = member(world)
    member(world, "Viewer", "vera@example.com")
    page = owner.get("/teams")
    assert 'name="memberEmails" value="vera@example.com"' in page.text
    assert 'name="memberEmails" value="owner@example.com"' in page.text
    response = owner.post("/teams", {"name": "On call", "memberEmails": ["vera@example.com"]})
    assert response.status_code == 303, response.text
    team, = world["api"].get("/api/teams").json["items"]
    assert [(m["email"], m["role"]) for m in team["members"]] == [("vera@example.com", "Viewer")]
    assert set(team["members"][0]) == {"id", "email", "role", "addedAt"}


def test_a_team_cannot_pick_someone_outside_the_account(world):
    owner = member(world)
    response = owner.post("/teams", {"name": "On call", "memberEmails": ["stranger@example.com"]})
    assert response.status_code == 400 and 'id="memberEmails-error"' in response.text
    assert world["api"].get("/api/teams").json["items"] == []


def test_a_viewers_team_post_is_refused(world):
    member(world)
    viewer = member(world, "Viewer")
    response = viewer.post("/teams", {"name": "On call", "memberEmails": ["nobody@example.com"]})
    assert response.status_code == 403
    assert 'name="memberEmails"' not in viewer.get("/teams").text
    assert world["api"].get("/api/teams").json["items"] == []
