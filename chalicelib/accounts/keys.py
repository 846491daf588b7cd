"""API keys: issue, authenticate, list, revoke.

A key is `ek_live_` + 32 URL-safe characters (192 random bits). The server keeps only an
HMAC-SHA256 of it under a server-side secret (so a leaked table yields no usable key) and a short
prefix to show in lists. The HMAC is also the table key: authentication is one consistent GetItem,
remembered by the process for `KEY_CACHE_SECONDS` (so most requests make none).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from chalicelib.kernel import plans
from chalicelib.kernel.errors import (
    ConflictError,
    NotFoundError,
    PlanLimitError,
    UnauthorizedError,
)
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.storage import accounts as account_store
from chalicelib.storage import api_keys as key_store
from chalicelib.kernel.ttl_cache import TtlCache

KEY_PREFIX = "ek_live_"
_SHOWN_CHARS = 6  # characters after `ek_live_` shown in lists
# How long a process trusts a key it looked up. The bound on revocation: a key revoked through
# this process fails on its next request (`revoke_key` forgets it); through another process
# (another API worker, another Lambda container) within KEY_CACHE_SECONDS. Keys never change
# otherwise (no scope edits), so nothing else can be stale.
KEY_CACHE_SECONDS = 5


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's account, id, name and scopes."""
    account_id: str
    key_id: str
    key_name: str
    scopes: tuple[str, ...]


# digest -> Principal of keys found valid (an unknown key is never remembered: a key created
# in another process works at once).
_principals: TtlCache[Principal] = TtlCache(KEY_CACHE_SECONDS, 10_000)


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


def digest_key(full_key: str, secret: str | None = None) -> str:
    secret = settings.api_key_secret if secret is None else secret
    if not secret:
        raise RuntimeError("ENORI_API_KEY_SECRET is not set; refusing to hash API keys")
    return hmac.new(secret.encode(), full_key.encode(), hashlib.sha256).hexdigest()


def masked(prefix: str) -> str:
    return f"{prefix}…"


def authenticate(presented: str | None) -> Principal:
    """The principal of a presented key, or UnauthorizedError (missing, malformed or revoked)."""
    if not presented:
        raise UnauthorizedError("Missing API key: send it in the X-API-Key header.")
    presented = presented.strip()
    if not presented.startswith(KEY_PREFIX) or len(presented) > 200:
        raise UnauthorizedError("Invalid API key.")
    digest = digest_key(presented)
    now = runtime.clock.time()
    known = _principals.get(digest, now)
    if known is not None:
        return known
    item = key_store.get_by_digest(digest)
    if item is None or not hmac.compare_digest(item.digest, digest):
        raise UnauthorizedError("Invalid API key.")
    principal = Principal(item.account_id, item.key_id, item.name, tuple(item.scopes))
    _principals.put(digest, principal, now)
    return principal


def issue_key(account_id: str, name: str, scopes: list[str], now) -> tuple[key_store.ApiKeyItem, str]:
    """Create a key within the plan's limit; returns the stored item and the full key (once)."""
    account = account_store.get_account(account_id)
    if account is None:
        raise NotFoundError("Account not found.")
    limit = plans.limit_for(account.plan, "api_keys")
    full_key = generate_key()
    item = key_store.ApiKeyItem(
        digest_key(full_key), key_id=new_id("key"), account_id=account_id, name=name,
        prefix=full_key[:len(KEY_PREFIX) + _SHOWN_CHARS], scopes=list(scopes), created_at=now,
    )
    over = PlanLimitError(plans.limit_message(account.plan, "api_keys", limit or 0),
                          title=plans.limit_title("api_keys"))
    key_store.insert_key(item, limit, over)
    return item, full_key


def list_keys(account_id: str) -> list[key_store.ApiKeyItem]:
    return sorted(key_store.list_keys(account_id), key=lambda k: k.created_at)


def revoke_key(account_id: str, key_id: str, caller_key_id: str | None = None,
               force: bool = False) -> None:
    """Revoke a key. Never the account's last full-access key (nobody could issue a key again),
    and not the calling key itself unless `force`: a typo would end the caller's access."""
    item = key_store.find_key(account_id, key_id)
    if item is None:
        raise NotFoundError(f"API key {key_id} not found.")
    if key_id == caller_key_id and not force:
        raise ConflictError(
            f"API key {key_id} is the key making this request: revoking it ends your access "
            "with it. Repeat with ?force=true to revoke it anyway.")
    last = ConflictError(
        f"API key {key_id} is the account's last full-access (*) key: without it no key could "
        "be created again. Create another key with scope * first, then revoke this one.")
    deleted = key_store.delete_key(item, on_last_full_access=last)
    _principals.drop(item.digest)
    if not deleted:
        raise NotFoundError(f"API key {key_id} not found.")
