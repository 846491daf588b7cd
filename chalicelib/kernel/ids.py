"""Opaque ids with a type prefix (`mon_`, `inc_`, `key_` ...), as API.md fixes them, and the shape
of every value a path can carry, so the edge can refuse what cannot be one before any lookup."""
import hashlib
import re
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits
# Longer than any id new_id makes (and lenient with hand-made ones such as `mon_missing`), far
# below DynamoDB's key limits (2,048 bytes for a partition key, 1,024 for a sort key).
_MAX_ID_BODY = 64
# Ping tokens (`jobs.new_ping_token`, 32 characters) and subscription link tokens
# (`subscriptions.token_for`, 43): URL-safe base64.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,100}")

# The id prefix of every path parameter that carries an id.
PATH_ID_PREFIXES = {"monitor_id": "mon", "channel_id": "ch", "rule_id": "rule",
                    "incident_id": "inc", "page_id": "sp", "team_id": "team", "member_id": "mbr",
                    "policy_id": "esc", "window_id": "mw", "report_id": "rep", "key_id": "key"}


def new_id(prefix: str, length: int = 16) -> str:
    # 16 characters of base36 is about 82 bits: unguessable and short enough to read aloud.
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def outage_incident_id(monitor_id: str, down_since_slot: int) -> str:
    """The id of the automatic incident of one outage (monitor + the slot it started in): the
    evaluator names it on `monitor.down` and the incident consumer opens it under that name, so
    a duplicated event opens one incident."""
    return "inc_" + hashlib.sha256(f"{monitor_id}|{down_since_slot}".encode()).hexdigest()[:16]


def is_id(prefix: str, value: str) -> bool:
    """Whether `value` can be an id of that prefix (`is_id("mon", "mon_3x9...")`)."""
    return re.fullmatch(rf"{re.escape(prefix)}_[a-z0-9]{{1,{_MAX_ID_BODY}}}", value) is not None


def is_token(value: str) -> bool:
    """Whether `value` can be a ping or subscription token."""
    return _TOKEN.fullmatch(value) is not None
