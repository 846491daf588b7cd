"""Opaque ids with a type prefix (`mon_`, `inc_`, `key_` ...), as API.md fixes them."""
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str, length: int = 16) -> str:
    # 16 characters of base36 is about 82 bits: unguessable and short enough to read aloud.
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
