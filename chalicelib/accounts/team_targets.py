"""Teams as an email target: an escalation level may page a team, and its alert records name
the target "team:<team_id>". Below both escalations (which send to a team's members) and
delivery (whose retries load the team's current members again).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.storage import teams as team_store

TEAM_PREFIX = "team"


@dataclass(frozen=True)
class TeamTarget:
    """A team's members as a transient Email channel (the shape delivery sends through)."""
    account_id: str
    channel_id: str
    config: dict = field(default_factory=dict)
    type: str = "Email"
    enabled: bool = True


def team_target(team) -> TeamTarget:
    return TeamTarget(team.account_id, f"{TEAM_PREFIX}:{team.team_id}",
                      {"addresses": list(team.emails)})


def load_team_target(account_id: str, channel_id: str) -> TeamTarget | None:
    """For retries: the team's current members (None if the team was deleted)."""
    team = team_store.get_team(account_id, channel_id.partition(":")[2])
    return team_target(team) if team is not None else None
