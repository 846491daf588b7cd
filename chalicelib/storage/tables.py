"""Every table of the product, and their idempotent creation (local stack, tests, bootstrap)."""
from __future__ import annotations

from pynamodb.exceptions import TableError

from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.alert_records import AlertRecordItem
from chalicelib.storage.api_keys import ApiKeyItem
from chalicelib.storage.channels import AlertChannelItem
from chalicelib.storage.control import ControlItem
from chalicelib.storage.events import EventItem
from chalicelib.storage.incidents import IncidentItem, IncidentUpdateItem
from chalicelib.storage.job_states import JobStateItem
from chalicelib.storage.maintenance_windows import MaintenanceWindowItem
from chalicelib.storage.monitor_states import MonitorStateItem
from chalicelib.storage.monitors import MonitorItem
from chalicelib.storage.pings import PingItem
from chalicelib.storage.rate_limits import RateCounterItem
from chalicelib.storage.reports import ReportItem, ReportSubscriptionItem
from chalicelib.storage.results import CheckRollupItem
from chalicelib.storage.result_batches import ResultMinuteItem
from chalicelib.storage.rules import AlertRuleItem
from chalicelib.storage.status_pages import StatusPageItem, StatusSubscriberItem
from chalicelib.storage.escalation_policies import EscalationPolicyItem
from chalicelib.storage.escalations import EscalationItem
from chalicelib.storage.teams import TeamItem
from chalicelib.storage.uniques import UniqueItem
from chalicelib.storage.users import MemberItem, UserItem
from chalicelib.storage.web_sessions import WebSessionItem

ALL_ITEMS: list = [AccountItem, ApiKeyItem, RateCounterItem, UniqueItem, MonitorItem,
                   AlertChannelItem, ControlItem, CheckRollupItem, EventItem,
                   MonitorStateItem, IncidentItem, IncidentUpdateItem, AlertRuleItem, PingItem,
                   AlertRecordItem]
ALL_ITEMS += [StatusPageItem, StatusSubscriberItem]
ALL_ITEMS += [MaintenanceWindowItem, ReportItem, ReportSubscriptionItem]
ALL_ITEMS += [TeamItem, EscalationPolicyItem, EscalationItem]
ALL_ITEMS += [WebSessionItem]
ALL_ITEMS += [UserItem, MemberItem]
ALL_ITEMS += [ResultMinuteItem]   # one table: its heads, registry and cursor share it
ALL_ITEMS += [JobStateItem]


def create_tables() -> None:
    """Create every missing table (with its indexes and TTL), and add global indexes that a
    newer version defines to tables an older one created. Safe to call on every start."""
    # One at a time: eight at once made DynamoDB Local's answers slow enough to outlive a 1 s
    # read timeout on a loaded machine (and saved 2 s of a start).
    present = existing_table_names()
    for item_class in ALL_ITEMS:
        _create_or_update(item_class, item_class.Meta.table_name in present)


def existing_table_names() -> set[str]:
    """The tables there are, from ListTables (a page per 100 tables). Not `Model.exists()` per
    table: DynamoDB Local answers a DescribeTable of a missing table in 60-480 ms (it builds a
    Java exception), which was 3.5 s of the 4.5 s a fresh stack spent creating its tables."""
    client = ALL_ITEMS[0]._get_connection().connection.client
    pages = client.get_paginator("list_tables").paginate()
    return {name for page in pages for name in page.get("TableNames", [])}


def _create_or_update(item_class, present: bool) -> None:
    if present:
        add_missing_indexes(item_class)
        return
    try:
        item_class.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    except TableError as exc:
        # botocore resends a CreateTable that outlived its read timeout; when the first one went
        # through, the resend finds the table (seen on a loaded machine with a 1 s timeout). It
        # is ours: finish what create_table would have done after it.
        if exc.cause_response_code != "ResourceInUseException":
            raise
        _enable_ttl(item_class)


def _enable_ttl(item_class) -> None:
    """Turn on the table's TTL; one already on (a resent call's first attempt did it) is fine."""
    try:
        item_class.update_ttl(ignore_update_ttl_errors=False)
    except TableError as exc:
        if "already enabled" not in str(exc):
            raise


def add_missing_indexes(item_class) -> list[str]:
    """Create the model's global secondary indexes the table lacks (local indexes cannot be
    added after creation; none has been added to an existing model so far)."""
    client = item_class._get_connection().connection.client
    table = client.describe_table(TableName=item_class.Meta.table_name)["Table"]
    present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    added = []
    for index in item_class._get_schema()["global_secondary_indexes"]:
        if index["index_name"] in present:
            continue
        client.update_table(
            TableName=item_class.Meta.table_name,
            AttributeDefinitions=[{"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
                                  for a in index["attribute_definitions"]],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": index["index_name"], "KeySchema": index["key_schema"],
                "Projection": index["projection"]}}])
        added.append(index["index_name"])
    return added
