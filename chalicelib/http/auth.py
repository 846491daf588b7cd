"""Who is calling: an API key, presented in `X-API-Key`, checked against its stored HMAC.

A key is `ek_live_` + 32 URL-safe characters (192 random bits). The server keeps only an
HMAC-SHA256 of it under a server-side secret (so a leaked table yields no usable key); the HMAC is
also the table key, so authentication is one consistent GetItem, remembered by the process for
`KEY_CACHE_SECONDS` (so most requests make none). Issuing and revoking keys is the accounts
concept's (`accounts.keys`).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from chalicelib.kernel.errors import UnauthorizedError
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.kernel.ttl_cache import TtlCache
from chalicelib.storage import api_keys as key_store

KEY_PREFIX = "ek_live_"
# How long a process trusts a key it looked up. The bound on revocation: a key revoked through
# this process fails on its next request (`revoke_key` calls `forget`); through another process
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


def digest_key(full_key: str, secret: str | None = None) -> str:
    secret = settings.api_key_secret if secret is None else secret
    if not secret:
        raise RuntimeError("ENORI_API_KEY_SECRET is not set; refusing to hash API keys")
    return hmac.new(secret.encode(), full_key.encode(), hashlib.sha256).hexdigest()


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


def forget(digest: str) -> None:
    """This process stops trusting a key (its revocation)."""
    _principals.drop(digest)
