"""API keys: issue, list, revoke (authentication is the edge's: `http.auth`).

A key is `ek_live_` + 32 URL-safe characters (192 random bits). The server keeps only an
HMAC-SHA256 of it under a server-side secret (so a leaked table yields no usable key) and a short
prefix to show in lists. The HMAC is also the table key (authentication: `http.auth`).
"""
from __future__ import annotations

import secrets

from chalicelib.http import auth
from chalicelib.http.auth import KEY_PREFIX, digest_key
from chalicelib.kernel import plans
from chalicelib.kernel.errors import (
    ConflictError,
    NotFoundError,
    PlanLimitError,
)
from chalicelib.kernel.ids import new_id
from chalicelib.storage import accounts as account_store
from chalicelib.storage import api_keys as key_store

_SHOWN_CHARS = 6  # characters after `ek_live_` shown in lists


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


def masked(prefix: str) -> str:
    return f"{prefix}…"


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
    auth.forget(item.digest)   # this process stops trusting it at once
    if not deleted:
        raise NotFoundError(f"API key {key_id} not found.")
