"""Team and member bodies as clients send them.

Only what a body can say on its own is checked here; plan limits and duplicate emails belong to
`chalicelib/accounts/teams.py`.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chalicelib.kernel.fields import EmailAddress, ObjectName
from chalicelib.kernel.models import ApiModel, case_insensitive_enum

ROLES = ("Owner", "Admin", "Member", "Viewer")
# The most any plan allows (Business); the account's own plan is checked by the service.
MAX_MEMBERS = 25

Role = case_insensitive_enum(*ROLES)


class MemberIn(ApiModel):
    email: EmailAddress
    role: Role = "Member"


class TeamIn(ApiModel):
    name: ObjectName
    members: Annotated[list[MemberIn], Field(max_length=MAX_MEMBERS)] = Field(default_factory=list)
