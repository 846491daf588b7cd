"""A Job monitor's run-time state: one small item per job, the only item a steady ping writes.

The monitor item is big (configuration, telemetry, indexes): each write of it costs several
write units and, when its deadline moved, a delete and a put on the deadline index. So what
pings move lives here instead (E16 point 7, E20 point 2): the last finished run, the start of
the run in progress, the deadline, the per-token rate window and its count, and the newest pings
themselves (`buffer`, compact entries, flushed to the pings table in chunks: `storage.pings`).
Kept under ~1 KB, so a ping's PutItem is one write unit.

`version` is bumped by every write (a ping, the missed-run sweep, a judged ping's evaluation,
any edit, pause, resume or token rotation of the monitor), so a writer that decided from a
cached copy writes on condition that the version is still the one it read: if anything moved,
nothing is written and it reads again.

Access patterns (hash `shard` "job#0".."job#31" from the monitor id, range `monitor_id`):
- a job's state: GetItem(shard_of(monitor_id), monitor_id); a page of monitors: BatchGetItem
  of the fields shown on them only (`get_states`, or `shown_read` with other tables' keys)
- a ping: ONE PutItem of the whole item on condition `version = <read>` (or that the item
  does not exist yet, for a job created before this table: the first ping creates it from the
  monitor's fields); so an attribute added here must be put by the ping (`ping_writes`)
- the missed-run sweep: Query(shard) per shard, eventually consistent, filtered on
  `deadline_at <= now` (the shard's items are read; no index whose key changes per ping)
- move a missed deadline: UpdateItem on condition that it is still the one seen
- a monitor's edit, pause, resume or token rotation: an Update in the monitor's transaction;
  its deletion: a Delete in the monitor's transaction
"""
from __future__ import annotations

from pynamodb.attributes import (ListAttribute, NumberAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.models import Model

from chalicelib.storage.base import (BatchRead, batch_get_across, get_or_none, shard_key,
                                     shard_keys, table_meta, update_if)

SHARDS = 32          # as the deadline index's shards: no partition takes every job's writes


def shard_of(monitor_id: str) -> str:
    return shard_key("job", monitor_id, SHARDS)


def shards() -> list[str]:
    return shard_keys("job", SHARDS)


class JobStateItem(Model):
    Meta = table_meta("job-states")

    # Short stored names: the item is rewritten by every ping and billed per started KB.
    shard = UnicodeAttribute(hash_key=True)
    monitor_id = UnicodeAttribute(range_key=True)
    account_id = UnicodeAttribute(attr_name="a")
    version = NumberAttribute(default=0, attr_name="v")
    last_ping_at = UTCDateTimeAttribute(null=True, attr_name="lp")
    last_start_at = UTCDateTimeAttribute(null=True, attr_name="ls")
    last_checked_at = UTCDateTimeAttribute(null=True, attr_name="lc")
    deadline_at = NumberAttribute(null=True, attr_name="d")
    ping_window = NumberAttribute(null=True, attr_name="w")
    ping_hits = NumberAttribute(null=True, attr_name="h")
    # The newest pings not yet in the pings table, oldest first (`pings.encode_entry`).
    buffer = ListAttribute(of=UnicodeAttribute, default=list, attr_name="b")
    # Bumped, with the version, by every write that may change what a ping decides from besides
    # this item: the monitor's (create, edit, pause, resume, token rotation) and the
    # evaluator's (a ping that is evaluated, in its own write and after; the sweep). So a ping
    # whose write finds the version moved but not this (other processes' unjudged pings) knows
    # the monitor and evaluator state it holds are current: it re-reads this item only.
    context = NumberAttribute(null=True, attr_name="c")


# The monitor item's fields a job state stands for (the monitor keeps its own copies only for
# jobs created before this table, until their first ping or edit).
FIELDS = ("last_ping_at", "last_start_at", "last_checked_at", "deadline_at", "ping_window",
          "ping_hits")
_SHOWN = [JobStateItem.shard.attr_name, JobStateItem.monitor_id.attr_name,
          *(getattr(JobStateItem, name).attr_name for name in FIELDS)]


def get_state(monitor_id: str) -> JobStateItem | None:
    return get_or_none(JobStateItem, shard_of(monitor_id), monitor_id)


def get_states(monitor_ids: list[str]) -> dict[str, JobStateItem]:
    """What these jobs' states show on their monitors (`overlay`), by monitor id, for those
    that exist (one BatchGetItem per 100). Only those fields are read, not the ping buffer (up
    to ~1 KB a job, parsed for nothing): the items are for showing, never saved."""
    [states] = batch_get_across([shown_read(monitor_ids)])
    return {s.monitor_id: s for s in states}


def shown_read(monitor_ids: list[str]) -> BatchRead:
    """`get_states` as one read of a `base.batch_get_across` (beside other tables')."""
    return BatchRead(JobStateItem, [(shard_of(m), m) for m in monitor_ids], _SHOWN)


def from_monitor(monitor) -> JobStateItem:
    """A job's state as its monitor item holds it (a job created before this table, or a new
    one): unsaved, version 0."""
    return JobStateItem(shard_of(monitor.monitor_id), monitor.monitor_id,
                        account_id=monitor.account_id, version=0,
                        **{name: getattr(monitor, name, None) for name in FIELDS}, buffer=[])


def overlay(monitor, state: JobStateItem | None):
    """Show a job's state on its monitor item, in memory only (the readers of `last_ping_at`,
    `deadline_at`, ... read the monitor); the monitor item is never saved whole."""
    if state is not None:
        for name in FIELDS:
            setattr(monitor, name, getattr(state, name))
        monitor.deadline_shard = None if state.deadline_at is None else shard_of(monitor.monitor_id)
    return monitor


def lifecycle_actions(monitor) -> list:
    """What a monitor's create, edit, pause, resume or token rotation writes on its job state
    (in the monitor's transaction): the deadline it armed and a new version, so a ping that
    decided from the old monitor fails its condition and reads again. The run fields shown on
    the monitor are set only where the state has none (if_not_exists): a state that did not
    exist gets what the monitor item held (a job created before this table); an existing one
    keeps its own (a finished run's start is absent there, and the monitor then shows none)."""
    t = JobStateItem
    deadline = monitor.deadline_at
    actions = [t.account_id.set(monitor.account_id), t.version.add(1), t.context.add(1),
               t.deadline_at.remove() if deadline is None else t.deadline_at.set(int(deadline))]
    for name in ("last_ping_at", "last_start_at", "last_checked_at"):
        value = getattr(monitor, name, None)
        if value is not None:
            attribute = getattr(t, name)
            actions.append(attribute.set(attribute | value))
    return actions


def overdue(shard: str, now_epoch: int):
    """The job states of one shard whose deadline is at or before `now_epoch` (a Query of the
    shard, eventually consistent: the sweep runs every minute and re-reads what it acts on)."""
    return JobStateItem.query(shard, filter_condition=JobStateItem.deadline_at <= now_epoch)


def move_deadline(monitor_id: str, expected: int, deadline_epoch: int | None) -> bool:
    """Move a missed deadline on (None: disarm), only if it is still `expected` (a ping, a
    pause or another sweep did not move it meanwhile); bumps the version and the context."""
    t = JobStateItem
    actions = [t.version.add(1), t.context.add(1),
               t.deadline_at.remove() if deadline_epoch is None else t.deadline_at.set(deadline_epoch)]
    return update_if(t(shard_of(monitor_id), monitor_id), actions,
                     t.monitor_id.exists() & (t.deadline_at == expected))


def bump(monitor_id: str, expected: int | None = None) -> int | None:
    """A new version and context, nothing else: whatever changed the evaluator's state of a job
    (a judged ping) says so, so no cached "quiet" decision outlives it. Conditional on the version being
    `expected` (the caller's copy is then still whole; None: any); the new version, None if it
    moved or the job is gone."""
    t = JobStateItem
    item = t(shard_of(monitor_id), monitor_id)
    condition = t.monitor_id.exists() if expected is None else t.version == expected
    if not update_if(item, [t.version.add(1), t.context.add(1)], condition):
        return None
    return int(item.version)
