"""Every table of the product, and their idempotent creation (local stack, tests, bootstrap)."""
from __future__ import annotations

from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.alert_records import AlertRecordItem
from chalicelib.storage.api_keys import ApiKeyItem
from chalicelib.storage.channels import AlertChannelItem
from chalicelib.storage.control import ControlItem
from chalicelib.storage.events import EventItem
from chalicelib.storage.incidents import IncidentItem, IncidentUpdateItem
from chalicelib.storage.monitor_states import MonitorStateItem
from chalicelib.storage.monitors import MonitorItem
from chalicelib.storage.pings import PingItem
from chalicelib.storage.rate_limits import RateCounterItem
from chalicelib.storage.results import CheckResultItem, CheckRollupItem
from chalicelib.storage.rules import AlertRuleItem
from chalicelib.storage.uniques import UniqueItem

ALL_ITEMS: list = [AccountItem, ApiKeyItem, RateCounterItem, UniqueItem, MonitorItem,
                   AlertChannelItem, ControlItem, CheckResultItem, CheckRollupItem, EventItem,
                   MonitorStateItem, IncidentItem, IncidentUpdateItem, AlertRuleItem, PingItem,
                   AlertRecordItem]


def create_tables() -> None:
    """Create every missing table (with its indexes and TTL). Safe to call on every start."""
    for item_class in ALL_ITEMS:
        if not item_class.exists():
            item_class.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
