import pytest
from apitools import aws_calls, make_account

from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.base import get_or_none
from chalicelib.storage.monitors import MonitorItem, get_monitor


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
