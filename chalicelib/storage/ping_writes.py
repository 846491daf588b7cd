"""A ping on disk in ONE write: the ping and the job's state together, in one PutItem.

The job's state item (`storage.job_states`) holds the last run, the run in progress, the
deadline, the per-token rate window and the newest pings (`buffer`). A steady ping rewrites it
whole, with its own entry appended to the buffer, on condition that its version is the one the
caller read (or, for a job whose state item does not exist yet, that it still does not): so the
caller may decide from a cached copy, and if anything it relied on moved (another process's
ping, an edit, the sweep), nothing is written and `StaleJobError` says "read again". The rate
window is counted in the same write, so the limit costs no write of its own and stays exact
across processes.

Before that write, when the buffer is full, the ping first stores it as one chunk in the pings
table (`pings.store_chunk`, idempotent: keyed by its first entry); a ping too big for an entry
is stored as an item of its own (its key fixed before any retry). So one write per steady
ping, two per full buffer (≈ 1 + 1/K), and everything answered is on disk before the 200.
Access pattern: [PutItem chunk | PutItem single] + PutItem of the job state; in a group,
one TransactWriteItems of the group's Puts.

Why a Put of the whole item, not an UpdateItem SETting its every field: the same cost on AWS (a
write is billed by the item's size, whichever call), and less of DynamoDB Local's CPU, the
larger part of a steady ping's on one machine (a ~1 KB item, conditional, 10 fields; JVM CPU
per item on this 2-core machine, loaded): a write alone about half (UpdateItem 2.3-4.9 ms,
PutItem 1.4-2.6 ms; 8 threads: 272-354/s against 433-523/s), in a group's transaction a tenth
to a third less (Updates 0.57-1.01 ms an item, Puts 0.44-0.81 ms, groups of 5 and 10). Safe
because of the condition: the version is the one the ping read (or the item did not exist), and
every writer of the item bumps it (`job_states`), so nothing changed the item since that read
and the ping holds all of it: a full GetItem (`job_states.get_state`), never a projected read
(`get_states`, `shown_read` are for showing only), or its own last write. The rule it implies,
for every later release: an attribute added to the job state must be written by the ping too
(`_WRITTEN`, and carried over by the heartbeats' `_next_state`; a test compares `_WRITTEN` with
the model's attributes), and must tolerate being absent: a ping of a process still running the
release before drops it, as it is absent from every item written before it.

Group commit (E20 point 2): pings of different jobs that one process writes at the same moment
(a server's threads) go to disk together, in ONE TransactWriteItems of their job-state puts,
each ping answered only once its group is stored. On a disk where every DynamoDB Local commit
waits on several fsyncs, the commit, not the item, is the cost: 54 conditional UpdateItem/s from
8 threads, 350-390 items/s as transactions of 10 (measured on this 2-core machine, loaded). A
write arriving while a group is being written waits and goes with the next group (one group in
flight per process: pings through the app in one process, 8 threads, 81-94/s so, 70/s with
two, 46-55/s with none); a job already in the next group waits for the one after (a transaction may not name an
item twice). A flushed chunk (or a ping stored on its own) goes in its write's group too: with
one chunk every ~10 pings, chunks written apart were a third of the commits. A group of one is
exactly the calls above: on Lambda, where a container holds one request, nothing changes
(TransactWriteItems would cost 2x the write units). When a condition fails, DynamoDB cancels
the whole transaction and writes nothing: the write whose state's condition failed gets
`StaleJobError` (its caller reads again, as for a single write), a write whose chunk was
refused (a longer one is there: it would be refused in every group) is written alone as above,
and the others, whose own conditions held, go back to the head of the queue and are written in
the next group (AGAIN), so no ping is lost and none is stored twice. Two API processes serve
every token, so a fifth of the writes found their job moved by the other one (a bench run, 20
connections, 50 tokens: 1,044 writes in 500 groups a process, 194 stale); writing the others
alone made 27 % of the writes single PutItems, each 2-5x the JVM's CPU of a write in a group.
Bounded: a cancelled group goes back only when it lost at least one write (stale, or alone:
its chunk refused, or cancelled for a reason of its own that is no condition, such as a conflict
with another transaction; a cancellation that loses none sends them all alone), and a write
sent again MAX_AGAIN times and cancelled once more is written alone, so no stream of stale
newcomers holds it back for ever. A group's answer
lost on the way is no double either: botocore gives every TransactWriteItems a ClientRequestToken
of its own (`generate_idempotent_uuid`) and resends it unchanged, and DynamoDB answers a resend
within ten minutes with the first outcome instead of applying it again (DynamoDB Local too).

Why not a write that commutes, so that the two processes' pings of a job never refuse each
other (tried and measured, E20 "pingcpu"): a steady ping as an UpdateItem appending its entry
and counting its hit, conditional only on what it decided from (the context, the window open
and not full, room in the buffer by a byte count kept beside it, no run in progress). The
version races went, but the flushes raced instead: once the buffer is full every append of the
job is refused until one process has flushed it, both flush the same buffer, and one of the two
loses (the ping bench's load, 20 connections, 50 tokens, 15 s after 10 s of warm-up, calls
counted in both API processes: 0.122 cancelled transactions a stored ping against 0.118 with
Puts); and an append costs DynamoDB Local more than a Put (bench/dynamodb_costs.py, JIT apart:
0.75 ms an item in a transaction of 5 against 0.42; alone 1.25 ms against 0.93). Its CPU per
stored ping rose (1.76 ms against 1.40, one run each on a shared machine), so steady pings stay
whole conditional Puts. A cancelled transaction costs about what a committed
one does (1.95 ms against 2.10 for 5 Puts): the conflicts' cost is their cancelled groups.

A stale write's caller need not read again (E20): every job-state put asks DynamoDB for the item
it found when its condition fails (ReturnValuesOnConditionCheckFailure ALL_OLD: in the error of
a PutItem, in the write's CancellationReasons entry of a transaction; DynamoDB Local supports it
since 1.25.0), and `StaleJobError.found` carries it: the same strongly consistent item a GetItem
would read, at no read's cost.
"""
from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError

from chalicelib.storage import pings, transactions
from chalicelib.storage.base import CONDITION_FAILED
from chalicelib.storage.job_states import FIELDS as JOB_STATE_FIELDS, JobStateItem
from chalicelib.storage.pings import PingItem


class StaleJobError(Exception):
    """The job state moved since it was read (or appeared, for one read as missing). `found`:
    the job state as the refused write found it (None when DynamoDB did not say: it is gone)."""

    def __init__(self, monitor_id: str, found: JobStateItem | None = None) -> None:
        super().__init__(monitor_id)
        self.found = found


def _stale(write: JobWrite, raw_item: dict | None) -> StaleJobError:
    found = None if raw_item is None else JobStateItem.from_raw_data(raw_item)
    return StaleJobError(write.state.monitor_id, found)


@dataclass(frozen=True)
class JobWrite:
    """The job state a ping leaves, and what must be stored before it."""
    state: JobStateItem                 # the whole new state (version: the one read + 1)
    read_version: int | None            # the version the caller read; None: read as missing
    stored_first: list[PingItem] = field(default_factory=list)   # chunk and/or single ping


# Every attribute of the item but its key, all put by every ping (a test compares this with
# the model's attributes): the state is small and the caller holds all of it. With each
# field's attribute, looked up once (PynamoDB's attribute access is costly at this rate).
_WRITTEN = [(name, getattr(JobStateItem, name))
            for name in ("version", "buffer", "account_id", *JOB_STATE_FIELDS, "context")]
_KEY = (JobStateItem.shard.attr_name, JobStateItem.monitor_id.attr_name)
_VERSION = JobStateItem.version.attr_name


def put_request(write: JobWrite) -> dict:
    """The job state's conditional put in DynamoDB's JSON: PutItem's parameters, and a Put of
    TransactWriteItems. The whole item, built from the values directly, not through PynamoDB's
    item (a fifth of a steady ping's CPU in the API process once); fields that are None are
    absent, as on the item read (the condition proves nothing wrote it since)."""
    state = write.state
    item = {_KEY[0]: {"S": state.shard}, _KEY[1]: {"S": state.monitor_id}}
    for name, attribute in _WRITTEN:
        value = getattr(state, name)
        if value is not None:
            item[attribute.attr_name] = _typed(attribute, value)
    # On a failed condition, the item found comes back with the error (`StaleJobError.found`).
    request = {"TableName": JobStateItem.Meta.table_name, "Item": item,
               "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
    if write.read_version is None:
        request.update(ConditionExpression="attribute_not_exists(#key)",
                       ExpressionAttributeNames={"#key": _KEY[1]})
    else:
        request.update(ConditionExpression="#v = :read",
                       ExpressionAttributeNames={"#v": _VERSION},
                       ExpressionAttributeValues={":read": {"N": str(int(write.read_version))}})
    return request


def _typed(attribute, value) -> dict:
    """A value in DynamoDB's JSON, as the PynamoDB attribute stores it."""
    return {attribute.attr_type: attribute.serialize(value)}


def record_ping(write: JobWrite) -> None:
    """Store what must come first, then the job state, alone or in a group (`group_commit`);
    StaleJobError when its condition failed (what was stored first is harmless: a chunk a
    later flush extends, a ping key no retry changes)."""
    group_commit.write(write)


def write_alone(write: JobWrite) -> None:
    """PutItem of what comes first, then the job state's conditional PutItem; StaleJobError
    (the state not written) when its job moved."""
    for item in write.stored_first:
        if item.kind == pings.CHUNK:
            pings.store_chunk(item)
        else:
            pings.store_single(item)
    try:
        transactions.shared_connection().dispatch("PutItem", put_request(write))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == CONDITION_FAILED:
            # PynamoDB's error keeps only the code: the item found is in botocore's, its cause.
            found = getattr(exc.__cause__, "response", exc.response).get("Item")
            raise _stale(write, found) from None
        raise PutError(f"Failed to put item: {exc}", exc) from exc


# A write's fate in a group: stored, to be written alone (its chunk was refused, or the
# transaction was cancelled for its own sake but not by its condition: a conflict), or again
# in the next group (cancelled for another write's condition, its own held). A write whose
# condition failed gets its `StaleJobError` instead.
STORED, ALONE, AGAIN = "stored", "alone", "again"
Fate = str | StaleJobError


def write_together(writes: list[JobWrite]) -> list[Fate]:
    """Distinct jobs' writes in ONE TransactWriteItems of Puts (what comes first, a chunk on
    its own condition, then the job states, each on its own); each write's fate."""
    owners = [i for i, write in enumerate(writes) for _ in write.stored_first]
    puts = [item.get_save_kwargs_from_instance(
        condition=pings.chunk_condition(item) if item.kind == pings.CHUNK else None)
        for write in writes for item in write.stored_first]
    try:
        transactions.shared_connection().transact_write_items(
            condition_check_items=[], delete_items=[],
            put_items=puts + [put_request(write) for write in writes], update_items=[])
    except transactions.TransactionFailed as exc:
        if not exc.cancellation_reasons:
            raise
        # What comes first, then the job states, each in the order given.
        reasons = exc.cancellation_reasons
        refused_first = {owners[n] for n in range(len(puts)) if reasons[n] is not None}
        return [_fate(write, reasons[len(puts) + i], i in refused_first)
                for i, write in enumerate(writes)]
    return [STORED] * len(writes)


def _fate(write: JobWrite, reason, refused_first: bool) -> Fate:
    """A write's fate in a cancelled transaction, from its state's reason (None: it held)."""
    if transactions.condition_failed(reason):
        return _stale(write, reason.raw_item)
    return ALONE if refused_first or reason is not None else AGAIN


@dataclass(eq=False)
class _Pending:
    write: JobWrite
    fate: str | None = None
    error: BaseException | None = None
    taken: bool = False
    again: int = 0                      # how many groups were cancelled under it


# A write sent again this many times and cancelled once more is written alone (bounded: at
# most MAX_AGAIN + 1 transactions and one PutItem, whatever keeps arriving meanwhile).
MAX_AGAIN = 3


class GroupCommit:
    """Writes job states as they come, grouping those that wait: at most `in_flight` groups
    are being written at once; whoever finds a free slot writes the group of every write then
    waiting (its own first, up to `max_size`, one per job) and wakes its owners; the writes of
    a cancelled group whose own conditions held go back to the head of the queue. No thread of
    its own and no timer: a write that finds a slot free is sent at once, alone."""

    def __init__(self, write_one: Callable[[JobWrite], None] = write_alone,
                 write_group: Callable[[list[JobWrite]], list[Fate]] = write_together,
                 max_size: int = 25, in_flight: int = 1) -> None:
        self.write_one, self.write_group = write_one, write_group
        self.max_size, self.in_flight = max_size, in_flight
        self._waiting: deque[_Pending] = deque()
        self._writing = 0
        self._changed = threading.Condition()

    def write(self, write: JobWrite) -> None:
        """Store one job state; StaleJobError when its condition failed (nothing written)."""
        mine = _Pending(write)
        with self._changed:
            self._waiting.append(mine)
        while True:
            with self._changed:
                while mine.fate is None and mine.error is None and \
                        (mine.taken or self._writing >= self.in_flight):
                    self._changed.wait()
                if mine.fate is not None or mine.error is not None:
                    break
                group = self._take(mine)
            self._commit(group)         # mine may be back in the queue (AGAIN): wait again
        if mine.error is not None:
            raise mine.error
        if mine.fate == ALONE:
            self.write_one(write)

    def waiting(self) -> int:
        """How many writes wait for a group (none is being written meanwhile)."""
        with self._changed:
            return len(self._waiting)

    def _take(self, mine: _Pending) -> list[_Pending]:
        """The next group (under the lock): this write, then those waiting longest, one per job."""
        group, jobs = [mine], {mine.write.state.monitor_id}
        for other in self._waiting:
            job = other.write.state.monitor_id
            if len(group) >= self.max_size:
                break
            if other is not mine and not other.taken and job not in jobs:
                group.append(other)
                jobs.add(job)
        for pending in group:
            pending.taken = True
            self._waiting.remove(pending)
        self._writing += 1
        return group

    def _commit(self, group: list[_Pending]) -> None:
        fates: list[Fate] | None = None
        error: BaseException | None = None
        try:
            if len(group) == 1:
                self.write_one(group[0].write)
                fates = [STORED]
            else:
                fates = self.write_group([p.write for p in group])
        except BaseException as exc:     # every owner raises it, as a write of its own would
            error = exc
        with self._changed:
            if fates is None:
                for pending in group:
                    pending.error = error
            else:
                self._settle(group, fates)
            self._writing -= 1
            self._changed.notify_all()

    def _settle(self, group: list[_Pending], fates: list[Fate]) -> None:
        """Give each write its fate (under the lock); those to go again, back at the head of
        the queue in their order, unless the group lost none (nothing would change: alone)."""
        lost_one = any(fate != AGAIN for fate in fates)
        again = []
        for pending, fate in zip(group, fates):
            if isinstance(fate, StaleJobError):
                pending.error = fate
            elif fate == AGAIN and lost_one and pending.again < MAX_AGAIN:
                pending.taken, pending.again = False, pending.again + 1
                again.append(pending)
            else:
                pending.fate = ALONE if fate == AGAIN else fate
        self._waiting.extendleft(reversed(again))


group_commit = GroupCommit()
