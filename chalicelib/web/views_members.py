"""Settings → Members (the account's people, their roles) and your profile (name, password).

Everyone signed in sees the members; Owners and Admins (the `*` role scope, as for API keys)
change a role or remove a member, with the rules of `accounts/members.py`. A changed or removed
member's sessions in the account end at once, so their new role applies from their next page.
Your own name and password are yours to change whatever your role.
"""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.accounts import members, users
from chalicelib.kernel.errors import ValidationError
from chalicelib.kernel.scopes import FULL_ACCESS
from chalicelib.storage import users as user_store
from chalicelib.web import forms, roles, sessions
from chalicelib.web.pages import Web, page

bp = Blueprint(__name__)


def _members_page(web: Web, errors: dict | None = None, status: int = 200):
    assert web.session is not None
    return web.render("members.html", status=status, section="members",
                      members=members.list_members(web.session.account_id), roles=roles.ROLES,
                      can_manage=web.can(FULL_ACCESS), errors=errors or {})


@page(bp, "/settings/members")
def member_list(web: Web):
    return _members_page(web)


def _change(web: Web, member_id: str, change):
    """Run `change`; if it changed the member, end their sessions; back to the list. A 400 is
    shown next to their row."""
    assert web.session is not None
    try:
        item = change(web.session.account_id, member_id, web.session.role)
    except ValidationError as exc:
        return _members_page(web, {member_id: forms.errors_of(exc).popitem()[1]}, 400)
    if item is not None:
        sessions.end_every_session(item.account_id, item.email)
    return web.redirect("/settings/members", notice="saved")


@page(bp, "/settings/members/{member_id}/role", "POST", scope=FULL_ACCESS)
def change_role(web: Web, member_id: str):
    role = web.field("role")
    return _change(web, member_id,
                   lambda account, member, actor: members.change_role(account, member, role,
                                                                      actor))


@page(bp, "/settings/members/{member_id}/remove", "POST", scope=FULL_ACCESS)
def remove(web: Web, member_id: str):
    return _change(web, member_id, members.remove)


def _profile_page(web: Web, errors: dict | None = None, status: int = 200, **extra):
    assert web.session is not None
    user = user_store.get_user(web.session.email)
    return web.render("profile.html", status=status, section="profile",
                      name=user.name if user else users.default_name(web.session.email),
                      has_password=bool(user and user.password_hash), errors=errors or {},
                      **extra)


@page(bp, "/settings/profile")
def profile(web: Web):
    return _profile_page(web)


@page(bp, "/settings/profile/name", "POST")
def rename(web: Web):
    assert web.session is not None
    try:
        users.rename(web.session.email, web.field("name"), web.now)
    except ValidationError as exc:
        return _profile_page(web, forms.errors_of(exc), 400)
    return web.redirect("/settings/profile", notice="saved")


@page(bp, "/settings/profile/password", "POST")
def set_password(web: Web):
    assert web.session is not None

    def typed(name: str) -> str:      # as typed: spaces count in a password
        return (web.form.get(name) or [""])[-1]

    try:
        users.change_password(web.session.email, typed("current"), typed("password"),
                              typed("confirm"), web.now)
    except ValidationError as exc:
        return _profile_page(web, forms.errors_of(exc), 400)
    return web.redirect("/settings/profile", notice="saved")
