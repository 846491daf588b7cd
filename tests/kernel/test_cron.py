"""When a Job expects its next ping, and when silence becomes a miss (fixed datetimes)."""
from datetime import datetime, timezone

import pytest

from chalicelib.kernel import cron


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def job(**config):
    return {"timezone": "UTC", "grace_period_seconds": 0, **config}


@pytest.mark.parametrize("config, after, expected", [
    (job(period_seconds=60), "2026-03-24T10:00:07", "2026-03-24T10:01:07"),
    (job(period_seconds=86400), "2026-03-24T10:00:00", "2026-03-25T10:00:00"),
    (job(cron_expression="0 2 * * *"), "2026-03-24T10:00:00", "2026-03-25T02:00:00"),
    (job(cron_expression="0 2 * * *"), "2026-03-25T02:00:00", "2026-03-26T02:00:00"),
    (job(cron_expression="*/15 * * * *"), "2026-03-24T10:00:30", "2026-03-24T10:15:00"),
    # 02:00 in Paris (CET, +01:00) is 01:00Z.
    (job(cron_expression="0 2 * * *", timezone="Europe/Paris"), "2026-03-24T10:00:00",
     "2026-03-25T01:00:00"),
])
def test_it_finds_the_next_expected_run(config, after, expected):
    assert cron.next_expected(config, utc(after)) == utc(expected)


RIGA_0330 = job(cron_expression="30 3 * * *", timezone="Europe/Riga")


@pytest.mark.parametrize("after, expected", [
    ("2023-10-29T00:29:00", "2023-10-29T00:30:00"),   # the first 03:30 (EEST, +03:00)
    ("2023-10-29T00:31:00", "2023-10-30T01:30:00"),   # not the second 03:30 (EET) an hour later
    ("2023-10-29T01:10:00", "2023-10-30T01:30:00"),   # inside the repeated hour: nothing today
])
def test_a_fixed_time_job_runs_once_on_the_fall_back_night(after, expected):
    assert cron.next_expected(RIGA_0330, utc(after)) == utc(expected)


def test_a_wildcard_hour_job_runs_in_both_passes_of_the_repeated_hour():
    config = job(cron_expression="30 * * * *", timezone="Europe/Riga")
    first = cron.next_expected(config, utc("2023-10-29T00:00:00"))
    second = cron.next_expected(config, first)
    assert (first, second) == (utc("2023-10-29T00:30:00"), utc("2023-10-29T01:30:00"))


def test_a_job_in_the_skipped_spring_hour_is_expected_when_the_clocks_jump():
    # 02:30 does not exist in New York on 2023-03-12: cronsim (and so Healthchecks) expects the
    # run when the clocks jump from 02:00 EST to 03:00 EDT, i.e. 03:00 local = 07:00Z.
    config = job(cron_expression="30 2 * * *", timezone="America/New_York")
    assert cron.next_expected(config, utc("2023-03-12T05:00:00")) == utc("2023-03-12T07:00:00")
    assert cron.next_expected(config, utc("2023-03-12T07:00:00")) == utc("2023-03-13T06:30:00")


def test_the_deadline_adds_the_grace_to_the_run_after_the_last_ping():
    config = job(period_seconds=60, grace_period_seconds=30)
    assert cron.deadline(config, utc("2026-03-24T10:00:00"), utc("2026-03-01T00:00:00")) \
        == utc("2026-03-24T10:01:30")


def test_the_deadline_counts_from_creation_until_the_first_ping():
    config = job(cron_expression="0 * * * *", grace_period_seconds=300)
    assert cron.deadline(config, None, utc("2026-03-24T10:20:00")) == utc("2026-03-24T11:05:00")


def test_a_started_run_is_due_at_its_maximum_run_time():
    config = job(cron_expression="0 2 * * *", grace_period_seconds=60, max_runtime_seconds=600)
    due = cron.job_deadline(config, utc("2026-03-23T02:05:00"), utc("2026-03-24T02:00:10"),
                            utc("2026-03-01T00:00:00"))
    assert due == utc("2026-03-24T02:10:10")


def test_a_start_without_maximum_run_time_keeps_the_schedule_deadline():
    config = job(cron_expression="0 2 * * *", grace_period_seconds=60)
    due = cron.job_deadline(config, utc("2026-03-23T02:05:00"), utc("2026-03-24T02:00:10"),
                            utc("2026-03-01T00:00:00"))
    assert due == utc("2026-03-24T02:01:00")


def test_after_a_miss_the_deadline_moves_to_the_next_run_still_ahead():
    config = job(cron_expression="0 * * * *", grace_period_seconds=120)
    after = cron.deadline_after_miss(config, utc("2026-03-24T07:00:00"), utc("2026-03-01T00:00:00"),
                                     now=utc("2026-03-24T10:02:30"))
    assert after == utc("2026-03-24T11:02:00")


def test_after_a_run_time_miss_the_schedule_deadline_stands_if_still_ahead():
    config = job(cron_expression="0 * * * *", grace_period_seconds=60, max_runtime_seconds=60)
    after = cron.deadline_after_miss(config, utc("2026-03-24T10:00:30"), utc("2026-03-01T00:00:00"),
                                     now=utc("2026-03-24T10:05:00"))
    assert after == utc("2026-03-24T11:01:00")


@pytest.mark.parametrize("config", [
    job(cron_expression="0 0 31 2 *"),               # no such date
    job(cron_expression="not a cron"),
    job(cron_expression="0 2 * * *", timezone="Mars/Olympus_Mons"),
    job(),                                            # neither schedule
])
def test_a_bad_stored_schedule_raises_a_schedule_error(config):
    with pytest.raises(cron.ScheduleError):
        cron.next_expected(config, utc("2026-03-24T10:00:00"))
