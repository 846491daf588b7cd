"""Opaque ids with a type prefix (`mon_`, `inc_`, `key_` ...), as API.md fixes them."""
import hashlib
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def new_id(prefix: str, length: int = 16) -> str:
    # 16 characters of base36 is about 82 bits: unguessable and short enough to read aloud.
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def outage_incident_id(monitor_id: str, down_since_slot: int) -> str:
    """The id of the automatic incident of one outage (monitor + the slot it started in): the
    evaluator names it on `monitor.down` and the incident consumer opens it under that name, so
    a duplicated event opens one incident."""
    return "inc_" + hashlib.sha256(f"{monitor_id}|{down_since_slot}".encode()).hexdigest()[:16]
