"""People who sign in to the dashboard (users) and their places in accounts (members).

A user is one email address, whatever the account: a display name and, once they set one, a
password hash (`accounts/passwords.py`). A member item says that a user belongs to an account
with a role; one per (account, email), claimed in `uniques` in the same transaction.

Access patterns:
- sign in, set a password, a member's name: GetItem(users, email), consistent
- create a user on first sign-in: PutItem on condition the email does not exist yet
- change a password or a name: UpdateItem on condition the user exists
- list an account's members (the Members page, the teams page's picker, who is an Owner):
  Query(members, account_id), consistent
- one member of the account: GetItem(members, account_id, member_id); another account's id is
  not found, which is the tenant wall
- the accounts of a user (password sign-in): Query on index `by_email` (email)
- join an account: a transaction of PutItem(member) and the (account, email) claim, so two
  accepted invitations never make two memberships
- change a role / remove a member: a transaction of the member's update or delete (on condition
  its role is still the one read) and, when an Owner loses that role, a condition check that
  another member is still an Owner, so two Owners demoting each other at once never leave none
"""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage import uniques
from chalicelib.storage.base import get_or_none, index_meta, save_if, table_meta, update_if
from chalicelib.storage.transactions import TransactionFailed, transaction


class UserItem(Model):
    Meta = table_meta("users")

    email = UnicodeAttribute(hash_key=True)       # lower case (kernel.fields.EmailAddress)
    name = UnicodeAttribute()
    # "scrypt$<n>$<r>$<p>$<salt>$<hash>": the parameters travel with the hash, so they can be
    # raised later without locking anyone out. None until the user sets a password.
    password_hash = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class ByEmailIndex(GlobalSecondaryIndex):
    Meta = index_meta("by_email")
    email = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(range_key=True)


class MemberItem(Model):
    Meta = table_meta("members")
    by_email = ByEmailIndex()

    account_id = UnicodeAttribute(hash_key=True)
    member_id = UnicodeAttribute(range_key=True)  # "mbr_..."
    email = UnicodeAttribute()
    role = UnicodeAttribute()                     # "Owner", "Admin", "Member", "Viewer"
    joined_at = UTCDateTimeAttribute()


def get_user(email: str) -> UserItem | None:
    return get_or_none(UserItem, email)


def add_user(email: str, name: str, now) -> UserItem:
    """The user of `email`, created with `name` if there is none yet (the existing one wins)."""
    item = UserItem(email, name=name, created_at=now, updated_at=now)
    if save_if(item, UserItem.email.does_not_exist()):
        return item
    return get_user(email) or item


def set_password_hash(email: str, password_hash: str, now) -> bool:
    """False when there is no such user."""
    u = UserItem
    return update_if(u(email), [u.password_hash.set(password_hash), u.updated_at.set(now)],
                     u.email.exists())


def set_name(email: str, name: str, now) -> bool:
    u = UserItem
    return update_if(u(email), [u.name.set(name), u.updated_at.set(now)], u.email.exists())


def member_key(account_id: str, email: str) -> str:
    return uniques.unique_key(account_id, "member-email", email)


def list_members(account_id: str) -> list[MemberItem]:
    """The account's members, first joined first."""
    return sorted(MemberItem.query(account_id, consistent_read=True),
                  key=lambda m: (m.joined_at, m.member_id))


def get_member(account_id: str, member_id: str) -> MemberItem | None:
    return get_or_none(MemberItem, account_id, member_id)


def find_member(account_id: str, email: str) -> MemberItem | None:
    """The account's member of `email`: its claim names the member id (two GetItems)."""
    member_id = uniques.owner_of(member_key(account_id, email))
    return None if member_id is None else get_member(account_id, member_id)


def memberships(email: str) -> list[MemberItem]:
    """Every account `email` is a member of, first joined first."""
    return sorted(MemberItem.by_email.query(email), key=lambda m: (m.joined_at, m.account_id))


def add_member(item: MemberItem) -> bool:
    """Store a new member and its (account, email) claim; False if that email is already a
    member of the account."""
    try:
        with transaction() as tx:
            tx.save(item, condition=MemberItem.member_id.does_not_exist())
            uniques.claim(tx, member_key(item.account_id, item.email), item.member_id)
    except TransactionFailed:
        return False
    return True


def _still_owner(tx, other: MemberItem) -> None:
    tx.condition_check(MemberItem, other.account_id, other.member_id,
                       condition=MemberItem.role == "Owner")


def set_role(item: MemberItem, role: str, other_owner: MemberItem | None) -> bool:
    """Change the role, on condition it is still the one read (and, given `other_owner`, that
    they are still an Owner); False if another change came first."""
    m = MemberItem
    try:
        with transaction() as tx:
            if other_owner is not None:
                _still_owner(tx, other_owner)
            tx.update(item, actions=[m.role.set(role)], condition=m.role == item.role)
    except TransactionFailed:
        return False
    return True


def delete_member(item: MemberItem, other_owner: MemberItem | None) -> bool:
    """Remove the member and release its claim, on the same conditions as `set_role`."""
    try:
        with transaction() as tx:
            if other_owner is not None:
                _still_owner(tx, other_owner)
            tx.delete(item, condition=MemberItem.role == item.role)
            uniques.release(tx, member_key(item.account_id, item.email), item.member_id)
    except TransactionFailed:
        return False
    return True


def names_of(emails: list[str]) -> dict[str, str]:
    """{email: display name} of the users of `emails` (one BatchGetItem per 100)."""
    wanted = list(dict.fromkeys(e for e in emails if e))
    if not wanted:
        return {}
    return {u.email: u.name for u in UserItem.batch_get(wanted, consistent_read=True)}
