"""After Enori's own downtime, a Job monitor whose deadline fell inside the gap (plus its
grace) is not reported as a missed run: its ping could not be received (E16 point 6)."""
from chalicelib.status.system_heartbeat import Gap, covers, gap_between, known_gaps
from test_heartbeat_watcher import CREATED, account, add_job, at, fresh, send_ping, sweep  # noqa: F401

T0 = int(CREATED.timestamp())


def test_a_silence_longer_than_three_ticks_is_a_gap():
    assert gap_between(None, T0) is None
    assert gap_between(T0, T0 + 180) is None
    assert gap_between(T0, T0 + 600) == Gap(T0, T0 + 600)


def test_a_deadline_inside_the_gap_or_its_grace_is_covered():
    gap = [Gap(T0, T0 + 600)]
    assert covers(gap, T0 + 300, 0)
    assert covers(gap, T0 + 630, 30) and not covers(gap, T0 + 631, 30)
    assert not covers(gap, T0 - 1, 30)


def test_a_heartbeat_too_old_is_a_gap_still_open():
    assert known_gaps(T0, None, None, T0 + 600) == [Gap(T0, T0 + 600)]
    assert known_gaps(T0 + 590, T0, T0 + 500, T0 + 600) == [Gap(T0, T0 + 500)]


def tick(clock):
    from chalicelib.checks.scheduler import run_tick

    return run_tick(clock.now(), send=lambda jobs, now: 0)


def test_no_missed_run_is_sent_for_a_deadline_in_enoris_own_downtime(account, clock):  # noqa: F811
    job = add_job(account, clock)                  # every 60 s, grace 30 s
    send_ping(job, clock)                          # deadline 10:01:30
    tick(clock)                                    # Enori beats at 10:00:00 ...
    at(clock, 600)                                 # ... then nothing until 10:10:00
    tick(clock)
    assert sweep(clock)["reported"] == 0
    assert fresh(job).status == "Up"
    assert fresh(job).deadline_at > T0 + 600       # waits for the next run instead
    at(clock, 720)                                 # still silent well after the gap: reported
    tick(clock)
    assert sweep(clock)["reported"] == 1
    assert fresh(job).status == "Down"


def test_the_sweep_running_before_the_first_tick_after_the_gap_sends_nothing(account, clock):  # noqa: F811
    job = add_job(account, clock)
    send_ping(job, clock)
    tick(clock)
    at(clock, 600)                                 # the watcher wakes up first
    assert sweep(clock)["reported"] == 0
    assert fresh(job).status == "Up"


def test_a_deadline_missed_while_enori_was_up_is_still_reported(account, clock):  # noqa: F811
    job = add_job(account, clock)
    send_ping(job, clock)                          # deadline 10:01:30
    for second in (0, 60, 120):                    # beating through the deadline
        at(clock, second)
        tick(clock)
    assert sweep(clock)["reported"] == 1
    assert fresh(job).status == "Down"
