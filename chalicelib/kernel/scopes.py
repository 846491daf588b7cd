"""API key scopes: the spec's, plus the ones API.md adds. `*` grants all."""
from __future__ import annotations

FULL_ACCESS = "*"
SCOPES = (
    "monitors:read", "monitors:write",
    "incidents:read", "incidents:write",
    "status-pages:read", "status-pages:write",
    "teams:read", "teams:write",
    "alerts:read", "alerts:write",
    "maintenance:read", "maintenance:write",
    "reports:read", "reports:write",
    # Monitors as code (/api/config): one document over monitors, channels, rules and pages.
    "config:read", "config:write",
)
VALID_SCOPES = frozenset(SCOPES) | {FULL_ACCESS}


def grants(granted: list[str] | tuple[str, ...], required: str | None) -> bool:
    """Whether a key with `granted` scopes may call a route needing `required`."""
    if required is None:
        return True
    return FULL_ACCESS in granted or required in granted


def is_full_access(granted: list[str] | tuple[str, ...]) -> bool:
    """A key with every scope: only `*` grants key management and /api/account too, so only a
    `*` key can issue another key. Losing the last one locks the account out."""
    return FULL_ACCESS in granted
