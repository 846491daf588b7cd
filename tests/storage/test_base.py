import pytest
from apitools import aws_calls, make_account

from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.base import delete_if, get_or_none, save_if, update_if
from chalicelib.storage.monitors import MonitorItem, get_monitor
from chalicelib.storage.uniques import UniqueItem


@pytest.mark.parametrize("account_id, monitor_id", [("", "mon_1"), ("acc_1", "")])
def test_an_empty_key_finds_nothing_without_asking_dynamodb(aws, account_id, monitor_id):
    # DynamoDB answers a GetItem with an empty key value with a ValidationException (moto does
    # not): `{"monitorId": ""}` in a body became a 500 on the local stack.
    with aws_calls() as calls:
        assert get_or_none(MonitorItem, account_id, monitor_id) is None
    assert calls == []


def test_it_reads_an_existing_item_and_none_for_a_missing_one(aws):
    account_id, _ = make_account()
    assert get_or_none(AccountItem, account_id).account_id == account_id
    assert get_or_none(AccountItem, "acc_missing") is None
    assert get_monitor(account_id, "mon_missing") is None


def test_conditional_writes_answer_false_and_write_nothing_when_their_condition_fails(aws):
    u = UniqueItem
    assert save_if(u("a#name#x", owner_id="mon_1"), u.unique_key.does_not_exist())
    assert not save_if(u("a#name#x", owner_id="mon_2"), u.unique_key.does_not_exist())
    assert not update_if(u("a#name#x"), [u.owner_id.set("mon_3")], u.owner_id == "mon_2")
    assert get_or_none(u, "a#name#x").owner_id == "mon_1"
    assert update_if(u("a#name#x"), [u.owner_id.set("mon_3")], u.owner_id == "mon_1")
    assert not delete_if(u("a#name#x"), u.owner_id == "mon_1")
    assert get_or_none(u, "a#name#x").owner_id == "mon_3"
    assert delete_if(u("a#name#x"), u.owner_id == "mon_3")
    assert get_or_none(u, "a#name#x") is None


def test_other_errors_still_raise(aws, monkeypatch):
    from pynamodb.exceptions import UpdateError

    def throttled(*args, **kwargs):
        raise UpdateError("throttled")

    monkeypatch.setattr(UniqueItem, "update", throttled)
    with pytest.raises(UpdateError):
        update_if(UniqueItem("a#name#x"), [UniqueItem.owner_id.set("m")], None)


def test_the_table_clients_of_a_thread_share_one_botocore_session(aws):
    """A session of its own per table client loaded botocore's models 27 times in every new
    process (3.1 s of a cold start); one per thread loads them once."""
    import threading

    from chalicelib.storage.tables import ALL_ITEMS

    sessions = {id(item._get_connection().connection.session) for item in ALL_ITEMS}
    assert len(sessions) == 1
    other: list = []
    thread = threading.Thread(target=lambda: other.append(
        id(ALL_ITEMS[0]._get_connection().connection.session)))
    thread.start()
    thread.join()
    assert other and other[0] not in sessions   # botocore's rule: no session shared by threads


def test_a_batch_read_across_tables_asks_once_per_100_keys_and_finds_what_exists(aws):
    """`batch_get_across`: 120 keys over two tables are two BatchGetItems (DynamoDB's limit is
    100 keys a call, whatever the tables); each read gets its own items, missing ones left out,
    with only the attributes it names."""
    from chalicelib.storage.base import BatchRead, batch_get_across
    from chalicelib.storage.monitor_states import MonitorStateItem

    for n in range(60):
        UniqueItem(f"u#{n}", owner_id=f"mon_{n}").save()
        if n % 2:
            MonitorStateItem("acc_1", f"mon_{n}", state_json='{"status": "Up"}').save()
    uniques = BatchRead(UniqueItem, [(f"u#{n}",) for n in range(60)])
    states = BatchRead(MonitorStateItem, [("acc_1", f"mon_{n}") for n in range(60)],
                       ["account_id", "monitor_id", "version"])
    with aws_calls() as calls:
        found_uniques, found_states = batch_get_across([uniques, states])
    assert calls == ["BatchGetItem", "BatchGetItem"]
    assert sorted(u.owner_id for u in found_uniques) == sorted(f"mon_{n}" for n in range(60))
    assert sorted(s.monitor_id for s in found_states) == sorted(f"mon_{n}" for n in range(1, 60, 2))
    assert {(s.version, s.state_json) for s in found_states} == {(1, "{}")}   # not projected


def test_a_batch_read_asks_again_for_the_keys_dynamodb_left_unprocessed(aws, monkeypatch):
    from chalicelib.storage import base

    for n in range(3):
        UniqueItem(f"u#{n}", owner_id=f"mon_{n}").save()
    connection = base.shared_connection()
    real, asked = connection.dispatch, []

    def throttled(operation, kwargs):
        """The first answer leaves the last key unprocessed, as a throttled table does."""
        asked.append(len(kwargs["RequestItems"][UniqueItem.Meta.table_name]["Keys"]))
        if len(asked) > 1:
            return real(operation, kwargs)
        request = kwargs["RequestItems"][UniqueItem.Meta.table_name]
        *first, last = request["Keys"]
        answer = real(operation, {"RequestItems": {UniqueItem.Meta.table_name:
                                                   {**request, "Keys": first}}})
        return {**answer, "UnprocessedKeys": {UniqueItem.Meta.table_name:
                                              {**request, "Keys": [last]}}}

    monkeypatch.setattr(connection, "dispatch", throttled)
    [found] = base.batch_get_across([base.BatchRead(UniqueItem, [(f"u#{n}",) for n in range(3)])])
    assert asked == [3, 1]
    assert sorted(u.owner_id for u in found) == ["mon_0", "mon_1", "mon_2"]
