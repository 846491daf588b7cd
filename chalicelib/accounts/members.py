"""The people of an account (members): who they are, their role, when they joined.

Decisions, so that readers need not guess:
- Accepting an invitation (redeeming any sign-in link) makes its person a member with the
  link's role, creating their user if needed. A link of someone already a member signs them in
  with the role they have: the Members page, not an old link, decides roles.
- Owners and Admins change roles and remove members; only an Owner makes, demotes or removes an
  Owner (an Admin could otherwise make themselves one). The last Owner cannot be demoted or
  removed (a 400): an account always has someone who can manage it.
- A role changed or a member removed ends that person's sessions in the account, which the
  page does (`web/views_members.py`): sessions carry the role they were opened with.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.accounts import users
from chalicelib.accounts.team_models import ROLES
from chalicelib.kernel.errors import ConflictError, InsufficientScopeError, NotFoundError
from chalicelib.kernel.errors import ValidationError
from chalicelib.kernel.ids import new_id
from chalicelib.storage import users as store
from chalicelib.storage.users import MemberItem

ATTEMPTS = 3


@dataclass(frozen=True)
class Member:
    member_id: str
    email: str
    name: str
    role: str
    joined_at: datetime


def join(account_id: str, email: str, role: str, now) -> MemberItem:
    """The member `email` is in the account, joining with `role` if they were not one yet."""
    users.ensure_user(email, now)
    for _ in range(ATTEMPTS):
        found = store.find_member(account_id, email)
        if found is not None:
            return found
        item = MemberItem(account_id, new_id("mbr"), email=email, role=role, joined_at=now)
        if store.add_member(item):
            return item
    raise ConflictError("Joining the account raced with another change; retry.")


def list_members(account_id: str) -> list[Member]:
    """The account's members with their users' names, first joined first."""
    items = store.list_members(account_id)
    names = store.names_of([m.email for m in items])
    return [Member(m.member_id, m.email, names.get(m.email) or users.default_name(m.email),
                   m.role, m.joined_at) for m in items]


def first_membership(email: str) -> MemberItem | None:
    """The account a password sign-in opens: the first one `email` joined."""
    found = store.memberships(email)
    return found[0] if found else None


def _target(account_id: str, member_id: str, actor_role: str, new_role: str) -> MemberItem:
    item = store.get_member(account_id, member_id)
    if item is None:
        raise NotFoundError(f"Member {member_id} not found.")
    if actor_role != "Owner" and "Owner" in (item.role, new_role):
        raise InsufficientScopeError("Only an Owner can make, change or remove an Owner.")
    return item


def _other_owner(item: MemberItem, message: str) -> MemberItem | None:
    """Another Owner who must stay one while `item` stops being one; a 400 if there is none."""
    if item.role != "Owner":
        return None
    others = [m for m in store.list_members(item.account_id)
              if m.role == "Owner" and m.member_id != item.member_id]
    if not others:
        raise ValidationError.for_field("role", message)
    return others[0]


def change_role(account_id: str, member_id: str, role: str,
                actor_role: str) -> MemberItem | None:
    """Give the member `role`; the changed item, or None if that was their role already."""
    if role not in ROLES:
        raise ValidationError.for_field("role", "must be one of " + ", ".join(ROLES))
    for _ in range(ATTEMPTS):
        item = _target(account_id, member_id, actor_role, role)
        if item.role == role:
            return None
        other = None if role == "Owner" else _other_owner(
            item, "the account's last Owner cannot be demoted: make someone else Owner first")
        if store.set_role(item, role, other):
            item.role = role
            return item
    raise ConflictError("The member was changed by another request; reload and retry.")


def remove(account_id: str, member_id: str, actor_role: str) -> MemberItem:
    """Remove a member; the removed item (for the caller to end their sessions)."""
    for _ in range(ATTEMPTS):
        item = _target(account_id, member_id, actor_role, "")
        other = _other_owner(
            item, "the account's last Owner cannot be removed: make someone else Owner first")
        if store.delete_member(item, other):
            return item
    raise ConflictError("The member was changed by another request; reload and retry.")
