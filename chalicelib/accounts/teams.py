"""Team lifecycle: create (within the plan's team limit), replace, delete, and member changes
(within the plan's members-per-team limit).

Decisions, so that readers need not guess:
- Team names are unique in an account, exactly as spelled (like monitor names): a name claim in
  `uniques`, written in the same transaction as the team, so two creates never both win.
- Members are a list on the team. An email appears once per team (a second add is a 409; twice
  in one body is a 400). PUT is a full replace: members are matched by email, so a member who
  stays keeps their id.
- Every member change is a compare-and-set on the team's `revision` that also re-checks the
  member count against the plan, so concurrent adds never pass the limit.
- Deleting a team frees its plan slot; escalation policies naming it skip it when they fire.
"""
from __future__ import annotations


from chalicelib.kernel import plans
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import ConflictError, NotFoundError, PlanLimitError, ValidationError
from chalicelib.kernel.ids import new_id
from chalicelib.accounts.team_models import MemberIn, TeamIn
from chalicelib.accounts.plan_slots import create_in_slot, delete_from_slot
from chalicelib.storage import teams as store
from chalicelib.storage import uniques
from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.base import update_if
from chalicelib.storage.teams import MemberMap, TeamItem
from chalicelib.storage.transactions import TransactionFailed, failed_at, transaction

# Compare-and-set rounds before a member change gives up under contention.
ATTEMPTS = 5


def name_key(account_id: str, name: str) -> str:
    return uniques.unique_key(account_id, "team-name", name)


def require_team(account_id: str, team_id: str) -> TeamItem:
    item = store.get_team(account_id, team_id)
    if item is None:
        raise NotFoundError(f"Team {team_id} not found.")
    return item


def check_members(members: list[MemberIn]) -> None:
    """Each email once in a body; else a 400 naming the repeated entry."""
    seen: set[str] = set()
    for index, member in enumerate(members):
        if member.email in seen:
            raise ValidationError.for_field(f"members.{index}.email",
                                            f"{member.email} is listed twice")
        seen.add(member.email)


def check_member_limit(account: AccountItem, count: int) -> None:
    limit = plans.get_plan(account.plan).members_per_team
    if count > limit:
        raise _member_limit_error(account, limit)


def _member_limit_error(account: AccountItem, limit: int) -> PlanLimitError:
    return PlanLimitError(plans.limit_message(account.plan, "members_per_team", limit),
                          title=plans.limit_title("members_per_team"))


def _members(body: TeamIn, now, keep: list[MemberMap] = ()) -> list[MemberMap]:
    """The body's members; one already in `keep` (same email) keeps its id and `added_at`."""
    kept = {m.email: m for m in keep}
    return [MemberMap(member_id=kept[m.email].member_id if m.email in kept else new_id("mbr"),
                      email=m.email, role=m.role,
                      added_at=kept[m.email].added_at if m.email in kept else now)
            for m in body.members]


def create_team(account: AccountItem, body: TeamIn, now) -> TeamItem:
    """Store a new team, its name claim and one plan slot, in one transaction."""
    check_members(body.members)
    check_member_limit(account, len(body.members))
    item = TeamItem(account.account_id, new_id("team"), name=body.name,
                    members=_members(body, now), member_count=len(body.members), revision=0,
                    created_at=now, updated_at=now)
    def write(tx) -> None:
        tx.save(item, condition=TeamItem.team_id.does_not_exist())
        uniques.claim(tx, name_key(account.account_id, body.name), item.team_id)

    def name_taken(failed: list[bool]) -> None:  # flags: [team, name claim, account counter]
        if any(failed[1:2]):
            raise ConflictError(f"A team named {body.name!r} already exists.")

    create_in_slot(account, "teams", write, name_taken)
    return item


def replace_team(account: AccountItem, team_id: str, body: TeamIn, now) -> TeamItem:
    """Full replace of name and members (404 if the team is not the account's)."""
    item = require_team(account.account_id, team_id)
    check_members(body.members)
    check_member_limit(account, len(body.members))
    old_name, seen = item.name, int(item.revision or 0)
    members = _members(body, now, item.members or [])
    renamed = body.name != old_name
    t = TeamItem
    try:
        with transaction() as tx:
            if renamed:
                uniques.release(tx, name_key(account.account_id, old_name), team_id)
                uniques.claim(tx, name_key(account.account_id, body.name), team_id)
            tx.update(item, actions=[t.name.set(body.name), t.members.set(members),
                                     t.member_count.set(len(members)), t.revision.add(1),
                                     t.updated_at.set(now)],
                      condition=t.team_id.exists() & (t.revision == seen))
    except TransactionFailed as exc:
        # Deletes, then puts, then updates: [(release), (claim), team].
        if renamed and failed_at(exc, 1):
            raise ConflictError(f"A team named {body.name!r} already exists.")
        if failed_at(exc, 2 if renamed else 0):
            raise ConflictError("The team was changed by another request; fetch it and retry.")
        raise
    item.name, item.members, item.member_count = body.name, members, len(members)
    item.revision, item.updated_at = seen + 1, now
    return item


def delete_team(account_id: str, team_id: str) -> None:
    """Delete a team, release its name and free its plan slot."""
    item = require_team(account_id, team_id)
    def write(tx) -> None:
        tx.delete(item, condition=TeamItem.team_id.exists())
        uniques.release(tx, name_key(account_id, item.name), team_id)

    delete_from_slot(account_id, "teams", write, f"Team {team_id} not found.")


def add_member(account: AccountItem, team_id: str, body: MemberIn, now) -> MemberMap:
    """Add one member: 409 if the email is already in the team, 403 past the plan's limit."""
    limit = plans.get_plan(account.plan).members_per_team
    member = MemberMap(member_id=new_id("mbr"), email=body.email, role=body.role, added_at=now)
    t = TeamItem
    for _ in range(ATTEMPTS):
        item = require_team(account.account_id, team_id)
        if body.email in item.emails:
            raise ConflictError(f"{body.email} is already a member of this team.")
        if int(item.member_count or 0) >= limit:
            raise _member_limit_error(account, limit)
        condition = (t.revision == int(item.revision or 0)) & (t.member_count < limit)
        if _set_members(item, list(item.members or []) + [member], now, condition):
            return member
    raise ConflictError("The team is being changed by other requests; retry.")


def remove_member(account_id: str, team_id: str, member_id: str, now) -> None:
    t = TeamItem
    for _ in range(ATTEMPTS):
        item = require_team(account_id, team_id)
        remaining = [m for m in item.members or [] if m.member_id != member_id]
        if len(remaining) == len(item.members or []):
            raise NotFoundError(f"Member {member_id} not found in team {team_id}.")
        if _set_members(item, remaining, now, t.revision == int(item.revision or 0)):
            return
    raise ConflictError("The team is being changed by other requests; retry.")


def _set_members(item: TeamItem, members: list[MemberMap], now, condition) -> bool:
    """Compare-and-set the member list; False if another write came first."""
    t = TeamItem
    return update_if(item, [t.members.set(members), t.member_count.set(len(members)),
                            t.revision.add(1), t.updated_at.set(now)],
                     t.team_id.exists() & condition)


def list_teams(account_id: str) -> list[TeamItem]:
    return store.list_teams(account_id)


# --- the wire shape ------------------------------------------------------------------------------

def member_json(member: MemberMap) -> dict:
    return {"id": member.member_id, "email": member.email, "role": member.role,
            "addedAt": iso(member.added_at)}


def team_json(item: TeamItem) -> dict:
    return {"id": item.team_id, "name": item.name,
            "members": [member_json(m) for m in item.members or []],
            "memberCount": len(item.members or []),
            "createdAt": iso(item.created_at), "updatedAt": iso(item.updated_at)}
