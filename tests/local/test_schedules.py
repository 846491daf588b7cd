"""When schedule expressions fire, as the local event pump computes it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from chalice import Cron, Rate

from local.schedules import expression_text, next_fire_time, to_unix_cron


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("expression, after, expected", [
    ("rate(1 minute)", "2026-03-24T10:00:30", "2026-03-24T10:01:00"),
    ("rate(1 minute)", "2026-03-24T10:01:00", "2026-03-24T10:02:00"),
    ("rate(5 minutes)", "2026-03-24T10:02:00", "2026-03-24T10:05:00"),
    ("rate(1 hour)", "2026-03-24T10:59:59", "2026-03-24T11:00:00"),
    ("rate(1 day)", "2026-03-24T10:00:00", "2026-03-25T00:00:00"),
    ("cron(0 * * * ? *)", "2026-03-24T10:00:00", "2026-03-24T11:00:00"),
    ("cron(30 8 1 * ? *)", "2026-03-24T10:00:00", "2026-04-01T08:30:00"),
    ("cron(0 9 ? * 2 *)", "2026-03-24T10:00:00", "2026-03-30T09:00:00"),  # AWS 2 = Monday
])
def test_it_computes_the_next_fire_time(expression, after, expected):
    assert next_fire_time(expression, at(after)) == at(expected)


def test_it_reads_chalice_expression_objects():
    assert expression_text(Rate(1, unit=Rate.MINUTES)) == "rate(1 minute)"
    assert expression_text(Cron(0, "*", "*", "*", "?", "*")) == "cron(0 * * * ? *)"


def test_it_maps_aws_days_of_week_to_unix_numbers():
    assert to_unix_cron("cron(0 9 ? * 2-6 *)") == "0 9 * * 1-5"
    assert to_unix_cron("cron(0 9 ? * 6#3 *)") == "0 9 * * 5#3"


def test_it_refuses_an_unknown_expression():
    with pytest.raises(ValueError):
        next_fire_time("every minute", at("2026-03-24T10:00:00"))


def test_a_rate_can_be_run_faster_for_tests():
    from datetime import datetime, timezone

    from local.schedules import next_fire_time

    after = datetime(2026, 3, 24, 10, 0, 7, tzinfo=timezone.utc)
    assert next_fire_time("rate(1 minute)", after, rate_seconds=10) == after.replace(second=10)
    assert next_fire_time("cron(0 2 1 * ? *)", after, rate_seconds=10).day == 1
