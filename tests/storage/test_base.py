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


def _stored_items() -> list:
    """Items of the models the monitor list reads, and one with a binary attribute, every kind
    of attribute set (lists, dates, numbers, a version, bytes)."""
    from datetime import datetime, timezone

    from chalicelib.storage.job_states import JobStateItem
    from chalicelib.storage.monitor_states import MonitorStateItem
    from chalicelib.storage.result_batches import ShardHeadItem

    when = datetime(2026, 3, 24, 10, 0, 1, 500, tzinfo=timezone.utc)
    return [
        MonitorItem("acc_1", "mon_1", name="api", type="Website", config_json='{"url": "x"}',
                    tags=["prod", "eu"], regions=["UsEast"], status="Up", created_at=when,
                    updated_at=when, last_checked_at=when, uptime_percentage=99.5,
                    result_seq=7, version=3),
        JobStateItem("job#3", "mon_1", account_id="acc_1", version=9, last_ping_at=when,
                     deadline_at=1774346400, ping_hits=2, buffer=["a", "b"]),
        MonitorStateItem("acc_1", "mon_1", state_json='{"status": "Down"}', version=4),
        ShardHeadItem("s#1", "UsEast#0", version=2, packed=b"\x00\x01\xff"),
    ]


@pytest.mark.parametrize("item", _stored_items(), ids=lambda item: type(item).__name__)
def test_read_item_builds_what_from_raw_data_builds(item):
    """`read_item` (the monitor list's items, E20) is `from_raw_data` at a third of its CPU:
    the same attribute values for a full item, an item with NULLs, and a projected one (keys
    only: every other attribute at its stored default, lists fresh for each item)."""
    from chalicelib.storage.base import read_item

    model = type(item)
    full = item.serialize()
    with_nulls = {**full, **{name: {"NULL": True} for name in list(full)[2:4]}}
    keys_only = {name: full[name] for name in list(full)[:2]}
    for raw in (full, with_nulls, keys_only):
        built = read_item(model, raw)
        assert type(built) is model
        assert built.attribute_values == model.from_raw_data(raw).attribute_values
    first, second = read_item(model, keys_only), read_item(model, keys_only)
    for name, value in first.attribute_values.items():
        if isinstance(value, list):
            assert value is not second.attribute_values[name]


ITEM = {"s": {"S": "x"}, "n": {"N": "1.5"}, "l": {"L": [{"S": "a"}, {"N": "2"}]},
        "m": {"M": {"k": {"BOOL": True}, "e": {"L": []}}}, "z": {"NULL": True},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}}
BINARY = {**ITEM, "b": {"B": "AAH/"}, "bs": {"BS": ["AAE="]}}
CAPACITY = {"ConsumedCapacity": {"TableName": "t", "CapacityUnits": 0.5}}


@pytest.mark.parametrize("shape, body", [
    ("QueryOutput", {"Items": [ITEM, ITEM], "Count": 2, "ScannedCount": 2,
                     "LastEvaluatedKey": {"s": {"S": "x"}}, **CAPACITY}),
    ("QueryOutput", {"Items": [BINARY], "Count": 1, "ScannedCount": 1}),
    ("GetItemOutput", {"Item": ITEM, **CAPACITY}),
    ("GetItemOutput", {}),
    ("BatchGetItemOutput", {"Responses": {"t": [ITEM], "u": [BINARY]},
                            "UnprocessedKeys": {"t": {"Keys": [{"s": {"S": "y"}}],
                                                      "ConsistentRead": True}}}),
    ("PutItemOutput", {"Attributes": BINARY}),
])
def test_the_read_parser_gives_what_botocore_gives(shape, body):
    """DynamoDB's reads are parsed as `json.loads` gives them (`base._ReadParser`, E20):
    the same answer as botocore's walk of the shape, binary values (bytes) included, which
    botocore still parses; as do writes and errors."""
    import json

    import botocore.session
    from botocore.parsers import JSONParser

    from chalicelib.storage.base import _ReadParser

    output = botocore.session.get_session().get_service_model("dynamodb").shape_for(shape)
    answer = {"body": json.dumps(body).encode(), "status_code": 200,
              "headers": {"x-amzn-requestid": "r1", "content-type": "application/x-amz-json-1.0"}}
    assert _ReadParser().parse(answer, output) == JSONParser().parse(answer, output)
    error = {"body": json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#"
                                 "ResourceNotFoundException", "message": "gone"}).encode(),
             "status_code": 400, "headers": {"x-amzn-requestid": "r2"}}
    assert _ReadParser().parse(error, output) == JSONParser().parse(error, output)
