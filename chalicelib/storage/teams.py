"""Teams and their members. Members are a list on the team item (at most 25, the Business plan's
members per team), so a team is read and written whole.

Access patterns:
- get one team of an account: GetItem(account_id, team_id) — another account's id is not found,
  which is the tenant wall
- list an account's teams: Query(account_id)
- the teams an escalation level notifies, or which referenced ids exist: BatchGetItem
- create / delete: a transaction with the name claim (`uniques`) and the account's `teams_count`
- member changes: UpdateItem conditional on the `revision` read, so two concurrent adds never
  both pass the per-team limit, nor add the same email twice
"""
from __future__ import annotations

from typing import Iterable

from pynamodb.attributes import (ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.models import Model

from chalicelib.storage.base import get_many, get_or_none, oldest_first, table_meta


class MemberMap(MapAttribute):
    member_id = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()          # "Owner", "Admin", "Member", "Viewer"
    added_at = UTCDateTimeAttribute()


class TeamItem(Model):
    Meta = table_meta("teams")

    account_id = UnicodeAttribute(hash_key=True)
    team_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    members = ListAttribute(of=MemberMap, default=list)
    member_count = NumberAttribute(default=0)
    # Bumped by every write: the compare-and-set token of member changes and replaces.
    revision = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    @property
    def emails(self) -> list[str]:
        return [m.email for m in self.members or []]


def get_team(account_id: str, team_id: str) -> TeamItem | None:
    return get_or_none(TeamItem, account_id, team_id)


def list_teams(account_id: str) -> list[TeamItem]:
    """The account's teams, oldest first."""
    return oldest_first(TeamItem, account_id, TeamItem.team_id)


def get_teams(account_id: str, team_ids: Iterable[str]) -> list[TeamItem]:
    """The teams of `team_ids` that exist in the account, in the order asked (missing ids are
    left out)."""
    return get_many(TeamItem, account_id, TeamItem.team_id, team_ids)
