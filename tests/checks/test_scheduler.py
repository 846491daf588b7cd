from datetime import datetime, timezone

import pytest

from apitools import aws_calls


@pytest.fixture
def account(clock):
    from chalicelib.accounts.service import create_account

    return create_account("t", "Business", clock.now(), thirty_second_checks=True)


@pytest.fixture
def sent(monkeypatch):
    """Jobs the scheduler hands to SQS, captured instead of delayed in moto."""
    from chalicelib.bus import dispatch

    captured = []
    monkeypatch.setattr(dispatch, "send_jobs", lambda jobs, now, **_: captured.extend(jobs) or 0)
    return captured


def add_monitor(account, clock, name, interval=60, regions=("UsEast",), paused=False):
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor

    body = parse_monitor({"name": name, "type": "Website", "url": "https://example.com",
                          "intervalSeconds": interval, "regions": list(regions)})
    item = monitors.create_monitor(account, body, clock.now())
    if paused:
        monitors.set_paused(account.account_id, item.monitor_id, True, clock.now())
    return item


def tick(clock):
    from chalicelib.checks.scheduler import run_tick

    return run_tick(clock.now())


def at_minute(clock, minute, second=5):
    clock.set(datetime.fromtimestamp(minute * 60 + second, tz=timezone.utc))


def test_it_sends_a_1_minute_monitor_every_minute_to_each_region(account, clock, sent):
    m = add_monitor(account, clock, "a", regions=("UsEast", "EuWest"))
    at_minute(clock, 29_000_000)
    tick(clock)
    assert sorted(j.region for j in sent) == ["EuWest", "UsEast"]
    assert all(j.monitor_id == m.monitor_id for j in sent)
    assert sent[0].slot == 29_000_001 * 60 + m.offset_seconds  # the coming minute, at its phase


def test_it_sends_a_5_minute_monitor_once_every_five_minutes(account, clock, sent):
    add_monitor(account, clock, "five", interval=300)
    for minute in range(29_000_000, 29_000_010):
        at_minute(clock, minute)
        tick(clock)
    assert len(sent) == 2
    assert sent[1].slot - sent[0].slot == 300


def test_it_sends_a_30_second_monitor_twice_a_minute(account, clock, sent):
    m = add_monitor(account, clock, "fast", interval=30)
    at_minute(clock, 29_000_000)
    tick(clock)
    assert [j.slot % 60 for j in sent] == [m.offset_seconds, m.offset_seconds + 30]


def test_it_sends_a_90_second_monitor_every_90_seconds(account, clock, sent):
    add_monitor(account, clock, "ninety", interval=90)
    for minute in range(29_000_000, 29_000_010):
        at_minute(clock, minute)
        tick(clock)
    slots = sorted(j.slot for j in sent)
    assert len(slots) in (6, 7)   # 10 minutes hold 6 or 7 runs, by the monitor's phase
    assert {b - a for a, b in zip(slots, slots[1:])} == {90}


def test_it_never_sends_paused_monitors(account, clock, sent):
    add_monitor(account, clock, "p", paused=True)
    at_minute(clock, 29_000_000)
    tick(clock)
    assert sent == []


def test_a_doubled_tick_sends_nothing_twice(account, clock, sent):
    add_monitor(account, clock, "a")
    at_minute(clock, 29_000_000, second=1)
    tick(clock)
    at_minute(clock, 29_000_000, second=40)
    tick(clock)
    assert len(sent) == 1


def test_a_late_tick_catches_up_without_skipping_a_slot(account, clock, sent):
    add_monitor(account, clock, "a")
    at_minute(clock, 29_000_000)
    tick(clock)
    at_minute(clock, 29_000_003)  # two ticks were missed
    tick(clock)
    minutes = [j.slot // 60 for j in sent]
    assert minutes == [29_000_001, 29_000_002, 29_000_003, 29_000_004]


def test_it_finds_due_monitors_without_a_scan(account, clock, sent):
    add_monitor(account, clock, "a")
    with aws_calls() as calls:
        at_minute(clock, 29_000_000)
        tick(clock)
    assert "Scan" not in calls
    assert "Query" in calls
