"""People who sign in to the dashboard: a user is an email address with a display name and,
once they choose one, a password. Sign-in by password goes through the lockout
(`lockout.py`); sign-in by link needs no password (`web/sessions.py`).

Decisions, so that readers need not guess:
- A wrong email and a wrong password are one outcome, reached by the same steps (the lockout is
  read and counted per address whether or not a user has it, and an unknown address still costs
  one scrypt), so the answers tell nobody which addresses have users.
- The lockout is per email address, on top of the per-client limit on every sign-in attempt
  (`web/views_session.py`): many clients cannot guess one person's password faster either.
- Checking the current password before changing it counts in the same lockout.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.accounts import lockout, passwords
from chalicelib.kernel.errors import ConflictError, ValidationError
from chalicelib.storage import rate_limits as failure_store
from chalicelib.storage import users as store
from chalicelib.storage.users import UserItem

# Compare-and-set rounds for one failure before giving up under contention.
ATTEMPTS = 5
MAX_NAME = 100


@dataclass(frozen=True)
class PasswordCheck:
    user: UserItem | None                    # set when the password was right
    locked_until: datetime | None = None     # set when the address is locked now


def default_name(email: str) -> str:
    return email.split("@", 1)[0]


def ensure_user(email: str, now) -> UserItem:
    """The user of `email`, created (named after the address) on their first sign-in."""
    return store.get_user(email) or store.add_user(email, default_name(email), now)


def _failures(item) -> lockout.Failures:
    return lockout.Failures(tuple(item.failures or ()), item.locked_until)


def _count_failure(email: str, now) -> lockout.Failures:
    for _ in range(ATTEMPTS):
        item = failure_store.get_failures(email)
        state = lockout.after_failure(_failures(item), now)
        item.failures, item.locked_until = list(state.times), state.locked_until
        item.expires_at = lockout.forget_after(state)
        if failure_store.save_failures(item):
            return state
    raise ConflictError("Too many sign-in attempts at once for this address; retry.")


def check_password(email: str, password: str, now) -> PasswordCheck:
    """The user if `password` is theirs and the address is not locked; a failure is counted."""
    failures = failure_store.get_failures(email)
    until = lockout.locked_until(_failures(failures), now)
    if until is not None:
        return PasswordCheck(None, until)
    user = store.get_user(email)
    if not passwords.verify_password(password, user.password_hash if user else None):
        return PasswordCheck(None, lockout.locked_until(_count_failure(email, now), now))
    if failures.failures or failures.locked_until:
        failure_store.clear_failures(email)
    assert user is not None and user.password_hash is not None
    if passwords.needs_rehash(user.password_hash):
        store.set_password_hash(email, passwords.hash_password(password), now)
    return PasswordCheck(user)


def change_password(email: str, current: str, new: str, confirm: str, now) -> None:
    """Set the user's password; the current one is required when they have one. A 400 names
    the field at fault (`current`, `password` or `confirm`)."""
    user = ensure_user(email, now)
    if user.password_hash is not None:
        checked = check_password(email, current, now)
        if checked.locked_until is not None:
            raise ValidationError.for_field(
                "current", "too many wrong passwords: locked until "
                + checked.locked_until.strftime("%H:%M UTC"))
        if checked.user is None:
            raise ValidationError.for_field("current", "is not your current password")
    problem = passwords.password_problem(new)
    if problem is not None:
        raise ValidationError.for_field("password", problem)
    if confirm != new:
        raise ValidationError.for_field("confirm", "does not match the new password")
    store.set_password_hash(email, passwords.hash_password(new), now)


def rename(email: str, name: str, now) -> None:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError.for_field("name", f"must be 1 to {MAX_NAME} characters")
    ensure_user(email, now)
    store.set_name(email, name, now)
