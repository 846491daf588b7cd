"""Escalation policy bodies as clients send them. That delays never decrease and that channels
and teams are the caller's: `chalicelib/rules/escalation_policies.py`."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from chalicelib.kernel.ids import is_id
from chalicelib.kernel.fields import ObjectName
from chalicelib.kernel.models import ApiModel
from chalicelib.kernel.fields import ChannelIds

MAX_LEVELS = 10
MAX_REPEAT = 5
MAX_DELAY_MINUTES = 1440


def _check_team_id(value: str) -> str:
    if not is_id("team", value):
        raise ValueError("must be a team id (team_...)")
    return value


TeamIds = Annotated[
    list[Annotated[str, AfterValidator(_check_team_id)]],
    Field(max_length=20),
    AfterValidator(lambda values: list(dict.fromkeys(values))),
]


class LevelIn(ApiModel):
    delay_minutes: int = Field(0, ge=0, le=MAX_DELAY_MINUTES)
    channel_ids: ChannelIds = Field(default_factory=list)
    team_ids: TeamIds = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_target(self) -> "LevelIn":
        if not self.channel_ids and not self.team_ids:
            raise ValueError("a level needs at least one of channelIds or teamIds")
        return self


class EscalationPolicyIn(ApiModel):
    """A policy; that delays never decrease: `escalation_policies.check_levels`."""
    name: ObjectName
    levels: Annotated[list[LevelIn], Field(min_length=1, max_length=MAX_LEVELS)]
    repeat: int = Field(0, ge=0, le=MAX_REPEAT)
