"""Password hashes: scrypt (stdlib `hashlib.scrypt`, memory-hard) with a random salt per hash.
Pure: no I/O.

A stored hash reads `scrypt$<n>$<r>$<p>$<salt>$<key>` (salt and key in URL-safe base64), so
the parameters travel with it: raising `COST` later leaves every old hash verifiable, and
`needs_rehash` says when to store a new one at the next sign-in.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

COST = (2 ** 14, 8, 1)          # n, r, p: 16 MiB and about 0.1 s per hash
SALT_BYTES, KEY_BYTES = 16, 32
MIN_LENGTH = 10
# Longer inputs are refused before hashing: scrypt's cost does not depend on the length, but a
# megabyte "password" is no password and should not reach a log or a form either.
MAX_LENGTH = 200
_SCHEME = "scrypt"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem: 128 * n * r bytes is what scrypt needs; allow twice that for raised costs.
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=256 * n * r + 1024 * 1024)


def hash_password(password: str, cost: tuple[int, int, int] = COST) -> str:
    n, r, p = cost
    salt = secrets.token_bytes(SALT_BYTES)
    return "$".join([_SCHEME, str(n), str(r), str(p), _b64(salt),
                     _b64(_derive(password, salt, n, r, p))])


def _parts(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    fields = stored.split("$")
    if len(fields) != 6 or fields[0] != _SCHEME:
        return None
    try:
        n, r, p = (int(v) for v in fields[1:4])
        return n, r, p, _unb64(fields[4]), _unb64(fields[5])
    except ValueError:
        return None


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches `stored`. With no stored hash (an unknown email, or a user
    without a password), a hash is still computed and compared, so both cost the same time as
    a wrong password and an observer cannot tell them apart."""
    parts = _parts(stored or "")
    n, r, p, salt, expected = parts or _DECOY
    matches = hmac.compare_digest(_derive(password, salt, n, r, p), expected)
    return matches and parts is not None


def needs_rehash(stored: str, cost: tuple[int, int, int] = COST) -> bool:
    """Whether `stored` was made with other parameters than today's."""
    parts = _parts(stored)
    return parts is None or parts[:3] != cost


def password_problem(password: str) -> str | None:
    """Why `password` cannot be a new password, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    return None


# What `verify_password` compares against when there is nothing to compare against: today's
# cost, so it takes as long as a real hash, and a key no password derives.
_DECOY = (*COST, secrets.token_bytes(SALT_BYTES), secrets.token_bytes(KEY_BYTES))
