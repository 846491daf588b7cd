"""What the account routes answer: API keys and teams, as their routes declare them
(`endpoint(returns=...)`)."""
from __future__ import annotations

from datetime import datetime

from pydantic import Field

from chalicelib.http.contract import OutModel, Stamped, page_of

KEY_CREATE = {"name": "CI/CD Pipeline", "scopes": ["monitors:read", "monitors:write"]}


class ApiKey(OutModel):
    id: str
    name: str
    masked_key: str
    scopes: list[str]
    created_at: datetime | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The full key: shown here once, never again")


ApiKeyList = page_of(ApiKey, "ApiKeyList")


class TeamMember(OutModel):
    id: str
    email: str
    role: str
    added_at: datetime | None


class Team(Stamped):
    name: str
    members: list[TeamMember]
    member_count: int


TeamList = page_of(Team, "TeamList")
