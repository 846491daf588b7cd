"""A person's role in an account, mapped to the API's scopes: the dashboard calls the API's own
handlers with these scopes, so a role can do exactly what a key with those scopes can."""
from __future__ import annotations

from chalicelib.kernel.scopes import FULL_ACCESS, SCOPES

ROLES = ("Owner", "Admin", "Member", "Viewer")
READ_SCOPES = tuple(s for s in SCOPES if s.endswith(":read"))

_SCOPES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "Owner": (FULL_ACCESS,),
    "Admin": (FULL_ACCESS,),
    # Everything but API keys and the account (those need `*`).
    "Member": SCOPES,
    "Viewer": READ_SCOPES,
}


def scopes_for(role: str) -> tuple[str, ...]:
    """The scopes of `role`; an unknown role (an item written by a newer version) reads only."""
    return _SCOPES_BY_ROLE.get(role, READ_SCOPES)


def can_write(role: str) -> bool:
    return role in ("Owner", "Admin", "Member")
