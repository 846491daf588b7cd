"""Password hashes (pure): scrypt with a salt per hash and its parameters kept with it."""
from chalicelib.accounts import passwords

CHEAP = (2 ** 4, 8, 1)   # the same code at a test's speed; COST itself is checked below


def test_it_keeps_the_parameters_and_a_fresh_salt_with_each_hash():
    first = passwords.hash_password("correct horse battery")
    second = passwords.hash_password("correct horse battery")
    assert first.startswith("scrypt$16384$8$1$")
    assert first != second       # another salt


def test_it_verifies_the_right_password_only():
    stored = passwords.hash_password("correct horse battery", CHEAP)
    assert passwords.verify_password("correct horse battery", stored)
    assert not passwords.verify_password("correct horse batterY", stored)
    assert not passwords.verify_password("", stored)


def test_nothing_stored_verifies_nothing_at_the_cost_of_a_real_hash(monkeypatch):
    costs = []
    derive = passwords._derive
    monkeypatch.setattr(passwords, "_derive",
                        lambda pw, salt, n, r, p: costs.append((n, r, p)) or derive(pw, salt, n,
                                                                                   r, p))
    for stored in (None, "", "scrypt$x$8$1$AA$AA", "md5$abc"):
        assert not passwords.verify_password("anything at all", stored)
    assert costs == [passwords.COST] * 4     # as long as a wrong password: nothing to time


def test_raising_the_cost_keeps_old_hashes_valid_and_asks_for_a_new_one():
    old = passwords.hash_password("correct horse battery", CHEAP)
    assert passwords.verify_password("correct horse battery", old)
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("correct horse battery"))


def test_a_new_password_has_at_least_ten_characters():
    assert passwords.password_problem("nine char") == "must be at least 10 characters"
    assert passwords.password_problem("ten chars!") is None
    assert passwords.password_problem("x" * 201) == "must be at most 200 characters"
