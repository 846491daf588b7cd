"""Users, members and sign-in failures in DynamoDB (moto): the conditions that keep them right
under concurrent writers."""
from datetime import datetime, timedelta, timezone

from chalicelib.storage import rate_limits
from chalicelib.storage import users as store
from chalicelib.storage.users import MemberItem

T0 = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)


def member(account, email, role="Member", member_id=None, when=T0):
    return MemberItem(account, member_id or f"mbr_{email.split('@')[0]}", email=email,
                      role=role, joined_at=when)


def test_adding_a_user_twice_keeps_the_first(aws):
    store.add_user("ada@example.com", "Ada", T0)
    again = store.add_user("ada@example.com", "Someone else", T0)
    assert again.name == "Ada" and store.get_user("ada@example.com").name == "Ada"
    assert store.set_password_hash("ada@example.com", "scrypt$...", T0)
    assert not store.set_password_hash("nobody@example.com", "scrypt$...", T0)
    assert store.get_user("nobody@example.com") is None


def test_an_email_is_a_member_of_an_account_once(aws):
    assert store.add_member(member("acc_a", "ada@example.com", member_id="mbr_1"))
    assert not store.add_member(member("acc_a", "ada@example.com", member_id="mbr_2"))
    assert [m.member_id for m in store.list_members("acc_a")] == ["mbr_1"]
    assert store.find_member("acc_a", "ada@example.com").member_id == "mbr_1"
    assert store.find_member("acc_b", "ada@example.com") is None
    assert store.get_member("acc_b", "mbr_1") is None        # the tenant wall


def test_a_users_accounts_come_from_the_email_index_first_joined_first(aws):
    store.add_member(member("acc_b", "ada@example.com", when=T0 + timedelta(days=1)))
    store.add_member(member("acc_a", "ada@example.com"))
    store.add_member(member("acc_a", "bob@example.com"))
    assert [m.account_id for m in store.memberships("ada@example.com")] == ["acc_a", "acc_b"]


def test_a_role_change_fails_when_the_role_read_is_stale(aws):
    item = member("acc_a", "ada@example.com", "Admin")
    store.add_member(item)
    stale = store.get_member("acc_a", item.member_id)
    assert store.set_role(item, "Viewer", None)
    assert not store.set_role(stale, "Member", None)
    assert store.get_member("acc_a", item.member_id).role == "Viewer"


def test_two_owners_demoting_each_other_leave_one_owner(aws):
    ada, bob = member("acc_a", "ada@example.com", "Owner"), member("acc_a", "bob@example.com",
                                                                 "Owner")
    store.add_member(ada)
    store.add_member(bob)
    # Both read "the other is an Owner" before either writes.
    assert store.set_role(ada, "Admin", bob)
    assert not store.set_role(bob, "Admin", ada)
    assert not store.delete_member(bob, ada)
    assert {m.email: m.role for m in store.list_members("acc_a")} == \
        {"ada@example.com": "Admin", "bob@example.com": "Owner"}


def test_removing_a_member_frees_their_email(aws):
    item = member("acc_a", "ada@example.com")
    store.add_member(item)
    assert store.delete_member(item, None)
    assert store.list_members("acc_a") == []
    assert store.add_member(member("acc_a", "ada@example.com", member_id="mbr_new"))


def test_names_come_in_one_batch(aws):
    store.add_user("ada@example.com", "Ada", T0)
    store.add_user("bob@example.com", "Bob", T0)
    assert store.names_of(["bob@example.com", "ada@example.com", "nobody@example.com"]) == \
        {"ada@example.com": "Ada", "bob@example.com": "Bob"}
    assert store.names_of([]) == {}


def test_sign_in_failures_are_compare_and_set(aws):
    first = rate_limits.get_failures("ada@example.com")
    assert first.failures == [] and int(first.version) == 0
    racing = rate_limits.get_failures("ada@example.com")
    first.failures = [T0]
    assert rate_limits.save_failures(first)
    racing.failures = [T0 + timedelta(seconds=1)]
    assert not rate_limits.save_failures(racing)          # written since it was read
    again = rate_limits.get_failures("ada@example.com")
    assert again.failures == [T0]
    again.failures, again.locked_until = [], T0 + timedelta(minutes=15)
    assert rate_limits.save_failures(again)
    assert rate_limits.get_failures("ada@example.com").locked_until == T0 + timedelta(minutes=15)
    rate_limits.clear_failures("ada@example.com")
    assert int(rate_limits.get_failures("ada@example.com").version) == 0
