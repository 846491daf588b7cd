"""Sign-in links and dashboard sessions, both DynamoDB items that expire by TTL.

A sign-in link carries a one-time token (256 random bits) that becomes a session when the person
presses "Sign in" (a POST, so a mail scanner fetching the link consumes nothing). A session is a
second random token kept in an HttpOnly cookie; the table holds only the HMAC of each token
(`http.auth.digest_key`, the same server-side secret as API keys), so a leaked table opens nothing.
Each session carries its own CSRF token, required on every POST form.

Redeeming a link also accepts the invitation it may be: its person becomes a member of the
account (`accounts.members.join`), and the session carries their member role, which for someone
already a member is the role they have rather than the link's. A password sign-in opens a session
the same way, without a link (`open_session`).

The items and their access patterns: `storage.web_sessions`.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.accounts import members
from chalicelib.http.auth import digest_key
from chalicelib.storage.base import delete_if, get_or_none, save_if
from chalicelib.storage.web_sessions import WebSessionItem

LINK_LIFETIME = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(hours=12)
_LINK, _SESSION = "link#", "session#"
MAX_TOKEN_CHARS = 100


@dataclass(frozen=True)
class Session:
    token: str
    account_id: str
    email: str
    role: str
    csrf: str
    expires_at: datetime


def _key(prefix: str, token: str) -> str:
    return prefix + digest_key(token)


def issue_link(account_id: str, email: str, role: str, now: datetime,
               lifetime: timedelta = LINK_LIFETIME) -> str:
    """A new one-time sign-in token for `email` with `role` in the account."""
    token = secrets.token_urlsafe(32)
    # The person is set on links too, so ending a person's sessions (sign out everywhere, a
    # removed member) also spends the links they have not used yet.
    item = WebSessionItem(_key(_LINK, token), account_id=account_id, email=email, role=role,
                          created_at=now, expires_at=now + lifetime,
                          person=_person(account_id, email))
    save_if(item, WebSessionItem.key.does_not_exist())
    return token


def _live(prefix: str, token: str | None, now: datetime) -> WebSessionItem | None:
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    item = get_or_none(WebSessionItem, _key(prefix, token))
    if item is None or item.expires_at <= now:
        return None
    return item


def link_is_valid(token: str | None, now: datetime) -> bool:
    return _live(_LINK, token, now) is not None


def redeem_link(token: str | None, now: datetime) -> Session | None:
    """The new session a sign-in link opens, or None if it is unknown, used or expired."""
    link = _live(_LINK, token, now)
    if link is None or not delete_if(link, WebSessionItem.key.exists()):
        return None
    member = members.join(link.account_id, link.email.lower(), link.role, now)
    return open_session(member.account_id, member.email, member.role, now)


def open_session(account_id: str, email: str, role: str, now: datetime) -> Session:
    """A new session for this member (a link redeemed, or the right password)."""
    session_token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    item = WebSessionItem(_key(_SESSION, session_token), account_id=account_id, email=email,
                          role=role, csrf=csrf, created_at=now,
                          expires_at=now + SESSION_LIFETIME, person=_person(account_id, email))
    save_if(item, WebSessionItem.key.does_not_exist())
    return _session(session_token, item)


def load_session(token: str | None, now: datetime) -> Session | None:
    item = _live(_SESSION, token, now)
    return None if item is None else _session(token, item)


def end_session(token: str) -> None:
    if token and len(token) <= MAX_TOKEN_CHARS:
        WebSessionItem(_key(_SESSION, token)).delete()


def end_every_session(account_id: str, email: str) -> int:
    """Sign this person out of the account on every device, and spend their unused links; how
    many items ended."""
    ended = 0
    for item in WebSessionItem.by_person.query(_person(account_id, email)):
        WebSessionItem(item.key).delete()
        ended += 1
    return ended


def _person(account_id: str, email: str) -> str:
    return f"{account_id}#{email.lower()}"


def csrf_matches(session: Session, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(session.csrf, presented)


def _session(token: str, item: WebSessionItem) -> Session:
    return Session(token, item.account_id, item.email, item.role, item.csrf or "",
                   item.expires_at)
