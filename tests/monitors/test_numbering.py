"""Each monitor's number in its account (E16 point 3): given at creation by an atomic counter,
never reused, its shard registered; given once, lazily, to a monitor created before."""
from __future__ import annotations

import pytest

WEBSITE = {"type": "Website", "url": "https://shop.example.com", "regions": ["UsEast"]}


@pytest.fixture
def account(clock):
    from chalicelib.accounts.service import create_account

    return create_account("t", "Business", clock.now())


def create(account, clock, name, **extra):
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor

    return monitors.create_monitor(account, parse_monitor({"name": name, **WEBSITE, **extra}),
                                   clock.now())


def test_monitors_are_numbered_in_order_and_a_deleted_number_is_never_reused(account, clock):
    from chalicelib.monitors import service as monitors
    from chalicelib.storage.monitors import get_monitor

    first, second = create(account, clock, "a"), create(account, clock, "b")
    monitors.delete_monitor(account.account_id, second.monitor_id)
    third = create(account, clock, "c")
    assert [get_monitor(account.account_id, m.monitor_id).result_seq
            for m in (first, third)] == [0, 2]


def test_each_account_counts_its_own_and_registers_its_shard(account, clock):
    from chalicelib.accounts.service import create_account
    from chalicelib.storage.result_batches import all_shards

    other = create_account("o", "Business", clock.now())
    create(account, clock, "a")
    assert create(other, clock, "a").result_seq == 0
    assert sorted((s.key, s.account_id) for s in all_shards()) == sorted(
        [(f"{account.account_id}#0", account.account_id),
         (f"{other.account_id}#0", other.account_id)])


def test_a_shards_monitors_are_scheduled_at_one_second(account, clock):
    seconds = {create(account, clock, f"m{i}").offset_seconds for i in range(12)}
    longer = {create(account, clock, f"h{i}", intervalSeconds=600).offset_seconds
              for i in range(4)}
    assert len(seconds) == 1 and longer == seconds


def test_a_resumed_monitor_keeps_its_shards_second(account, clock):
    from chalicelib.monitors import service as monitors

    monitor = create(account, clock, "a")
    monitors.set_paused(account.account_id, monitor.monitor_id, True, clock.now())
    resumed = monitors.set_paused(account.account_id, monitor.monitor_id, False, clock.now())
    assert resumed.schedule_key == monitor.schedule_key


def test_an_unnumbered_monitor_is_numbered_once_and_the_loser_of_a_race_reads_it(account,
                                                                                 clock):
    from chalicelib.monitors import numbering
    from chalicelib.storage.accounts import get_account
    from chalicelib.storage.monitors import MonitorTelemetryItem, get_monitor

    monitor = create(account, clock, "a")
    t = MonitorTelemetryItem
    t(account.account_id, monitor.monitor_id).update(actions=[t.result_seq.remove()])
    one, two = (get_monitor(account.account_id, monitor.monitor_id) for _ in range(2))
    assert numbering.ensure_numbered(one) == 1
    assert numbering.ensure_numbered(two) == 1          # lost the SET, read the winner's
    assert (one.result_seq, two.result_seq) == (1, 1)
    assert get_monitor(account.account_id, monitor.monitor_id).result_seq == 1
    assert get_account(account.account_id).monitor_numbers == 3   # the loser's 2 stays unused
    assert numbering.ensure_numbered(get_monitor(account.account_id, monitor.monitor_id)) == 1


def test_a_deleted_unnumbered_monitor_gets_no_number(account, clock):
    from chalicelib.monitors import numbering, service as monitors
    from chalicelib.storage.monitors import MonitorTelemetryItem, get_monitor

    monitor = create(account, clock, "a")
    t = MonitorTelemetryItem
    t(account.account_id, monitor.monitor_id).update(actions=[t.result_seq.remove()])
    stale = get_monitor(account.account_id, monitor.monitor_id)
    monitors.delete_monitor(account.account_id, monitor.monitor_id)
    assert numbering.ensure_numbered(stale) is None
    assert get_monitor(account.account_id, monitor.monitor_id) is None
