"""Group commit of job-state writes (storage.ping_writes.GroupCommit, E20 point 2): writes that
wait while a group is being stored go together in the next one, each answered only once its
group is stored; a group of one is the single PutItem; a failed condition refuses only its
own write and the others go together in the next group (bounded), and a refused write carries
the item its condition found."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.storage import job_states, ping_writes
from chalicelib.storage.job_states import JobStateItem
from chalicelib.storage.ping_writes import (AGAIN, ALONE, MAX_AGAIN, STORED, GroupCommit,
                                            JobWrite, StaleJobError)


def a_write(monitor_id: str, read_version: int | None = None) -> JobWrite:
    version = 0 if read_version is None else read_version
    return JobWrite(JobStateItem(job_states.shard_of(monitor_id), monitor_id, account_id="acc_1",
                                 version=version + 1, buffer=[]), read_version)


class HeldStore:
    """A stand-in for DynamoDB that records each call and holds the first one until `release`."""

    def __init__(self, group_fates=None) -> None:
        self.calls: list[list[str]] = []
        self.held, self.holding = threading.Event(), threading.Event()
        self.group_fates = group_fates
        self.lock = threading.Lock()

    def _hold(self, jobs: list[str]) -> None:
        with self.lock:
            self.calls.append(jobs)
            first = len(self.calls) == 1
        if first:
            self.holding.set()
            assert self.held.wait(10)

    def write_one(self, write: JobWrite) -> None:
        self._hold([write.state.monitor_id])

    def write_group(self, writes: list[JobWrite]) -> list[str]:
        self._hold([w.state.monitor_id for w in writes])
        return self.group_fates(writes) if self.group_fates else [STORED] * len(writes)


def write_concurrently(committer: GroupCommit, store: HeldStore, writes: list[JobWrite]):
    """The first write alone (held in the store), then the others while it is held; released
    once all of them wait. Each write's answer, and which answered while the store held."""
    answers: dict[int, object] = {}
    early: list[int] = []

    def one(i: int) -> None:
        try:
            committer.write(writes[i])
            answers[i] = True
        except StaleJobError:
            answers[i] = False
        except Exception as exc:           # noqa: BLE001 - the test looks at what came back
            answers[i] = exc
        if not store.held.is_set():
            early.append(i)

    threads = [threading.Thread(target=one, args=(0,))]
    threads[0].start()
    assert store.holding.wait(10)
    for i in range(1, len(writes)):
        threads.append(threading.Thread(target=one, args=(i,)))
        threads[-1].start()
    # Every later write is waiting in the committer (none is written while the first is held).
    for _ in range(1000):
        if committer.waiting() == len(writes) - 1:
            break
        threading.Event().wait(0.005)
    assert committer.waiting() == len(writes) - 1
    store.held.set()
    for thread in threads:
        thread.join(10)
    return answers, early


def test_writes_arriving_during_a_commit_go_together_in_the_next_one_each_answered_after_it():
    store = HeldStore()
    committer = GroupCommit(store.write_one, store.write_group)
    writes = [a_write(f"mon_{i}") for i in range(8)]
    answers, early = write_concurrently(committer, store, writes)
    assert early == []                                  # nothing answered before its write
    assert answers == {i: True for i in range(8)}
    assert [sorted(call) for call in store.calls] == [["mon_0"], [f"mon_{i}" for i in range(1, 8)]]


def test_a_job_already_in_the_next_group_waits_for_the_one_after():
    store = HeldStore()
    committer = GroupCommit(store.write_one, store.write_group)
    writes = [a_write("mon_0"), a_write("mon_1"), a_write("mon_2"), a_write("mon_1", 1)]
    answers, _ = write_concurrently(committer, store, writes)
    assert answers == {i: True for i in range(4)}
    # Whoever leads a group puts its own write first: the order within a group is not kept.
    assert [sorted(call) for call in store.calls] == [["mon_0"], ["mon_1", "mon_2"], ["mon_1"]]


def test_a_group_is_at_most_max_size():
    store = HeldStore()
    committer = GroupCommit(store.write_one, store.write_group, max_size=3)
    answers, _ = write_concurrently(committer, store, [a_write(f"mon_{i}") for i in range(8)])
    assert all(answers.values())
    assert [len(call) for call in store.calls] == [1, 3, 3, 1]


def stale(write: JobWrite) -> StaleJobError:
    return StaleJobError(write.state.monitor_id)


def cancelled_by(fates: dict):
    """A group's fates when a write named in `fates` is in it (the others: AGAIN), else stored."""
    def group_fates(writes: list[JobWrite]) -> list:
        if not any(w.state.monitor_id in fates for w in writes):
            return [STORED] * len(writes)
        return [fates.get(w.state.monitor_id, lambda w: AGAIN)(w) for w in writes]
    return group_fates


def test_a_failed_condition_refuses_its_own_write_and_the_others_go_in_one_more_group():
    """DynamoDB cancels the whole transaction: nothing of it was written. The writes whose own
    conditions held are written in ONE more transaction, not one PutItem each."""
    store = HeldStore(group_fates=cancelled_by({"mon_2": stale}))
    committer = GroupCommit(store.write_one, store.write_group)
    answers, _ = write_concurrently(committer, store, [a_write(f"mon_{i}") for i in range(5)])
    assert answers == {0: True, 1: True, 2: False, 3: True, 4: True}
    assert [sorted(call) for call in store.calls] == [
        ["mon_0"], ["mon_1", "mon_2", "mon_3", "mon_4"], ["mon_1", "mon_3", "mon_4"]]


def test_a_cancelled_groups_writes_go_back_ahead_of_the_newer_ones():
    """Back at the head of the queue, in their order: a group of at most `max_size` takes them
    before the writes that came later."""
    store = HeldStore(group_fates=cancelled_by({"mon_1": stale}))
    committer = GroupCommit(store.write_one, store.write_group, max_size=3)
    answers, _ = write_concurrently(committer, store, [a_write(f"mon_{i}") for i in range(6)])
    assert answers == {0: True, 1: False, 2: True, 3: True, 4: True, 5: True}
    # Whoever leads a group puts its own write first: the cancelled group is mon_1's and two
    # of those waiting; the next one has the two (and its leader or the next waiting).
    cancelled = next(i for i, call in enumerate(store.calls) if "mon_1" in call)
    assert len(store.calls[cancelled]) == 3
    assert set(store.calls[cancelled + 1]) >= set(store.calls[cancelled]) - {"mon_1"}
    assert sorted(sum(store.calls[1:], [])) == sorted(         # each written once after
        [f"mon_{i}" for i in range(1, 6)] + list(set(store.calls[cancelled]) - {"mon_1"}))


def test_a_write_whose_chunk_was_refused_or_that_conflicted_is_written_alone():
    """Its chunk would be refused in every group (a longer one is there), and a conflict is no
    condition of another write: alone, where `write_alone`'s own chunk write decides. The
    others, innocent, go again together."""
    alone = lambda w: ALONE                                            # noqa: E731
    store = HeldStore(group_fates=cancelled_by({"mon_1": alone, "mon_2": alone}))
    committer = GroupCommit(store.write_one, store.write_group)
    answers, _ = write_concurrently(committer, store, [a_write(f"mon_{i}") for i in range(5)])
    assert all(answer is True for answer in answers.values())
    assert [sorted(call) for call in store.calls[:2]] == [
        ["mon_0"], ["mon_1", "mon_2", "mon_3", "mon_4"]]
    assert sorted(sorted(call) for call in store.calls[2:]) == [
        ["mon_1"], ["mon_2"], ["mon_3", "mon_4"]]


def test_a_cancellation_that_names_no_write_sends_them_all_alone():
    """No write was lost from the group: the same group again would change nothing."""
    store = HeldStore(group_fates=lambda writes: [AGAIN] * len(writes))
    committer = GroupCommit(store.write_one, store.write_group)
    answers, _ = write_concurrently(committer, store, [a_write(f"mon_{i}") for i in range(4)])
    assert all(answer is True for answer in answers.values())
    assert [sorted(call) for call in store.calls[:2]] == [["mon_0"], ["mon_1", "mon_2", "mon_3"]]
    assert sorted(store.calls[2:]) == [["mon_1"], ["mon_2"], ["mon_3"]]


def test_a_write_cancelled_again_and_again_by_newcomers_is_written_alone_after_max_again():
    """No livelock: every group it is in holds a new stale write (another process keeps
    pinging those jobs), so every one is cancelled; after MAX_AGAIN cancellations it goes
    alone, and every stale newcomer is refused, each round losing it."""
    committer = GroupCommit()
    newcomers: list[threading.Thread] = []
    answers: dict[str, object] = {}
    calls: list[list[str]] = []

    def write(one: JobWrite) -> None:
        try:
            committer.write(one)
            answers[one.state.monitor_id] = True
        except StaleJobError:
            answers[one.state.monitor_id] = False

    def a_stale_newcomer_waits() -> None:
        waiting = committer.waiting()
        newcomers.append(threading.Thread(target=write, args=(a_write(f"stale_{len(newcomers)}"),)))
        newcomers[-1].start()
        for _ in range(2000):
            if committer.waiting() > waiting:
                return
            threading.Event().wait(0.005)
        raise AssertionError("the newcomer did not wait")

    def write_group(writes: list[JobWrite]) -> list:
        calls.append(sorted(w.state.monitor_id for w in writes))
        if len(newcomers) < 20:
            a_stale_newcomer_waits()
        return [stale(w) if w.state.monitor_id.startswith("stale") else AGAIN for w in writes]

    def write_one(one: JobWrite) -> None:
        calls.append([one.state.monitor_id])
        if one.state.monitor_id.startswith("stale"):
            raise stale(one)
        if one.state.monitor_id == "first":           # while it is written, the others wait
            a_stale_newcomer_waits()
            threads.append(threading.Thread(target=write, args=(a_write("innocent"),)))
            threads[-1].start()
            for _ in range(2000):
                if committer.waiting() == 2:
                    return
                threading.Event().wait(0.005)
            raise AssertionError("the innocent write did not wait")

    committer.write_one, committer.write_group = write_one, write_group
    threads: list[threading.Thread] = []
    write(a_write("first"))
    for thread in threads + newcomers:
        thread.join(10)
    assert answers.pop("first") is True and answers.pop("innocent") is True
    assert set(answers.values()) == {False}              # every stale newcomer was refused
    with_innocent = [call for call in calls if "innocent" in call]
    assert len(with_innocent) == MAX_AGAIN + 2           # the first group, its retries, alone
    assert with_innocent[-1] == ["innocent"]
    assert all(len(call) == 2 for call in with_innocent[:-1])


def test_an_error_of_a_group_is_every_owners_error():
    store = HeldStore()

    def broken(writes):
        store.calls.append([w.state.monitor_id for w in writes])
        raise RuntimeError("DynamoDB is down")

    committer = GroupCommit(store.write_one, broken)
    answers, _ = write_concurrently(committer, store, [a_write(f"mon_{i}") for i in range(3)])
    assert answers[0] is True
    assert [str(answers[i]) for i in (1, 2)] == ["DynamoDB is down"] * 2


# --- on (moto's) DynamoDB -----------------------------------------------------------------------

def test_a_group_is_one_transact_write_items_of_conditional_puts(aws):
    from awsrequests import counted_aws_requests

    ping_writes.write_alone(a_write("mon_a"))                       # exists at version 1
    with counted_aws_requests() as seen:
        fates = ping_writes.write_together([a_write("mon_a", 1), a_write("mon_b")])
    assert fates == [STORED, STORED]
    assert seen.operations == ["TransactWriteItems"]
    assert [job_states.get_state(m).version for m in ("mon_a", "mon_b")] == [2, 1]


def test_a_stale_write_cancels_its_group_and_nothing_of_it_is_written(aws):
    ping_writes.write_alone(a_write("mon_a"))
    fates = ping_writes.write_together([a_write("mon_b"), a_write("mon_a", 7), a_write("mon_c")])
    assert fates[0] == fates[2] == AGAIN
    assert isinstance(fates[1], StaleJobError)
    assert [job_states.get_state(m) for m in ("mon_b", "mon_c")] == [None, None]
    assert job_states.get_state("mon_a").version == 1


def test_a_refused_write_carries_the_state_its_condition_found(aws):
    """DynamoDB returns the item a failed condition found (ReturnValuesOnConditionCheckFailure):
    the caller refreshes from it instead of reading again, alone or in a group."""
    from awsrequests import counted_aws_requests

    first = a_write("mon_a")
    first.state.context, first.state.buffer = 4, ["an entry"]
    ping_writes.write_alone(first)
    with counted_aws_requests() as seen:
        with pytest.raises(StaleJobError) as alone:
            ping_writes.write_alone(a_write("mon_a", 7))
        with pytest.raises(StaleJobError) as created:
            ping_writes.write_alone(a_write("mon_a"))          # read as missing, exists
        fates = ping_writes.write_together([a_write("mon_b"), a_write("mon_a", 7)])
    assert seen.operations == ["PutItem", "PutItem", "TransactWriteItems"]
    for refused in (alone.value, created.value, fates[1]):
        assert refused.found.attribute_values == job_states.get_state("mon_a").attribute_values
        assert (refused.found.version, refused.found.context) == (1, 4)


def test_a_refused_write_of_a_job_gone_carries_nothing(aws):
    with pytest.raises(StaleJobError) as gone:
        ping_writes.write_alone(a_write("mon_a", 3))
    assert gone.value.found is None


def test_a_write_alone_is_the_single_put_item(aws):
    from awsrequests import counted_aws_requests

    with counted_aws_requests() as seen:
        ping_writes.record_ping(a_write("mon_a"))
        with pytest.raises(ping_writes.StaleJobError):
            ping_writes.record_ping(a_write("mon_a"))
    assert seen.operations == ["PutItem", "PutItem"]


def a_chunk(monitor_id: str, count: int):
    from chalicelib.storage import pings
    from test_job_states import entries

    return pings.chunk_item(monitor_id, "acc_1", entries(*range(count)),
                            datetime.now(timezone.utc) + timedelta(days=30))


def test_a_flushed_chunk_goes_in_its_writes_group(aws):
    from awsrequests import counted_aws_requests

    from chalicelib.storage.pings import PingItem

    flushing = JobWrite(a_write("mon_a").state, None, [a_chunk("mon_a", 3)])
    with counted_aws_requests() as seen:
        fates = ping_writes.write_together([a_write("mon_b"), flushing])
    assert fates == [STORED, STORED]
    assert seen.operations == ["TransactWriteItems"]
    [chunk] = PingItem.query("mon_a")
    assert chunk.count == 3


def test_a_chunk_refused_in_a_group_is_written_alone_and_only_stale_states_are_refused(aws):
    """A longer chunk is there (another process flushed more): its condition cancels the
    group; the state's own condition decides, written alone."""
    from chalicelib.storage import pings

    pings.store_chunk(a_chunk("mon_a", 4))
    shorter = JobWrite(a_write("mon_a").state, None, [a_chunk("mon_a", 3)])
    assert ping_writes.write_together([a_write("mon_b"), shorter]) == [AGAIN, ALONE]
    assert [job_states.get_state(m) for m in ("mon_a", "mon_b")] == [None, None]
    GroupCommit().write_one(shorter)                            # the state was current
    assert job_states.get_state("mon_a").version == 1


def test_a_group_cancelled_by_one_stale_write_stores_the_others_in_one_more_transaction(aws):
    """Two writes of a group of three are current, one is stale: the group's transaction is
    cancelled, then the two go in ONE more TransactWriteItems (before: a PutItem each)."""
    from awsrequests import counted_aws_requests

    ping_writes.write_alone(a_write("mon_a"))                        # version 1
    store = HeldStore()
    committer = GroupCommit(lambda w: (store._hold([w.state.monitor_id]),
                                       ping_writes.write_alone(w))[1],
                            ping_writes.write_together)
    with counted_aws_requests() as seen:
        answers, _ = write_concurrently(committer, store, [
            a_write("mon_z"), a_write("mon_b"), a_write("mon_a", 7), a_write("mon_c")])
    assert answers == {0: True, 1: True, 2: False, 3: True}
    assert seen.operations == ["PutItem", "TransactWriteItems", "TransactWriteItems"]
    assert [job_states.get_state(m).version for m in ("mon_a", "mon_b", "mon_c")] == [1, 1, 1]


def test_a_groups_transaction_carries_its_own_token_and_a_resend_carries_the_same(
        aws, monkeypatch):
    """A group whose answer is lost is sent again by botocore: with the same ClientRequestToken
    (botocore fills it in), so DynamoDB answers the first outcome instead of applying it twice
    (or cancelling it for the versions it moved itself). Here the first attempt times out before
    moto sees it: moto does not keep tokens."""
    import json

    import botocore.endpoint
    from botocore.exceptions import ReadTimeoutError

    from chalicelib.storage import transactions

    monkeypatch.setattr(botocore.endpoint, "time", type("NoWait", (), {
        "sleep": staticmethod(lambda seconds: None)}))        # botocore's backoff
    sent: list[str] = []

    def lose_the_first(request, **_):
        sent.append(json.loads(request.body)["ClientRequestToken"])
        if len(sent) == 1:
            raise ReadTimeoutError(endpoint_url=request.url)

    events = transactions.shared_connection().client.meta.events
    events.register_first("before-send.dynamodb.TransactWriteItems", lose_the_first)
    try:
        assert ping_writes.write_together([a_write("mon_a"), a_write("mon_b")]) == [STORED] * 2
        assert ping_writes.write_together([a_write("mon_c"), a_write("mon_d")]) == [STORED] * 2
    finally:
        events.unregister("before-send.dynamodb.TransactWriteItems", lose_the_first)
    first, resent, other = sent
    assert first == resent and first and other != first
    assert [job_states.get_state(m).version for m in ("mon_a", "mon_b")] == [1, 1]


def test_the_job_states_put_writes_every_field_and_leaves_out_the_empty_ones(aws):
    """The job state's put is built from its values (`put_request`), not by PynamoDB: what
    PynamoDB reads back is exactly the state written, fields set to None absent."""
    at = datetime(2026, 3, 24, 10, 0, 5, 123000, tzinfo=timezone.utc)
    first = a_write("mon_a")
    first.state.last_start_at, first.state.ping_hits, first.state.context = at, 3, 7
    first.state.buffer = ['{"k":"001774346405123#ab","t":"Start"}']
    ping_writes.write_alone(first)
    stored = job_states.get_state("mon_a")
    assert (stored.last_start_at, stored.ping_hits, stored.context, stored.buffer,
            stored.account_id, stored.version) == (at, 3, 7, first.state.buffer, "acc_1", 1)
    second = a_write("mon_a", 1)
    second.state.last_ping_at, second.state.deadline_at, second.state.context = at, 1774350000, 7
    assert ping_writes.write_together([second, a_write("mon_b")]) == [STORED, STORED]
    stored = job_states.get_state("mon_a")
    assert (stored.last_start_at, stored.ping_hits, stored.last_ping_at, stored.deadline_at,
            stored.buffer, stored.version, stored.context) == (None, None, at, 1774350000, [], 2, 7)


def a_value_of(attribute):
    """A value for any attribute the job state has (a new kind of attribute must be added)."""
    from pynamodb.attributes import (ListAttribute, NumberAttribute, UnicodeAttribute,
                                     UTCDateTimeAttribute)

    return {NumberAttribute: 5, UnicodeAttribute: "mon_a", ListAttribute: ["an entry"],
            UTCDateTimeAttribute: datetime(2026, 3, 24, 10, 0, 5, tzinfo=timezone.utc)
            }[type(attribute)]


def test_the_put_writes_every_attribute_the_job_state_has(aws):
    """A ping puts the whole item: an attribute of the model that the put does not write would
    be erased by every ping. One added to `JobStateItem` must be added to the ping's write
    (`ping_writes._WRITTEN`) and carried over by the ping's next state (heartbeats'
    `_next_state`), and tolerate being absent (an older release's ping drops it)."""
    attributes = JobStateItem.get_attributes()
    state = JobStateItem(**{**{name: a_value_of(a) for name, a in attributes.items()},
                            "shard": job_states.shard_of("mon_a")})
    for read_version in (None, 4):
        request = ping_writes.put_request(JobWrite(state, read_version))
        assert set(request["Item"]) == {a.attr_name for a in attributes.values()}
    ping_writes.write_alone(JobWrite(state, None))
    stored = job_states.get_state("mon_a")
    assert stored.attribute_values == state.attribute_values


def test_a_cancelled_writes_fate_comes_from_its_own_reasons():
    """Its state's condition failed: stale, with the item found; its chunk refused or a reason
    of its own that is no condition (another transaction on its item): alone; none: again."""
    from pynamodb.exceptions import CancellationReason

    found = {"shard": {"S": job_states.shard_of("mon_a")}, "monitor_id": {"S": "mon_a"},
             "a": {"S": "acc_1"}, "v": {"N": "4"}}
    write = a_write("mon_a", 1)
    refused = ping_writes._fate(write, CancellationReason("ConditionalCheckFailed", raw_item=found),
                                refused_first=False)
    assert isinstance(refused, StaleJobError) and refused.found.version == 4
    assert ping_writes._fate(write, CancellationReason("TransactionConflict"), False) == ALONE
    assert ping_writes._fate(write, None, refused_first=True) == ALONE
    assert ping_writes._fate(write, None, refused_first=False) == AGAIN
