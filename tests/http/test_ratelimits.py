import pytest

from chalicelib.http import ratelimits
from chalicelib.http.ratelimits import TIERS, Usage


@pytest.mark.parametrize("method, special, expected", [
    ("GET", None, ["read"]),
    ("HEAD", None, ["read"]),
    ("POST", None, ["general"]),
    ("DELETE", None, ["general"]),
    ("POST", "create_monitor", ["general", "create_monitor"]),
    ("POST", "check_now", ["general", "check_now"]),
    ("POST", "test_alert", ["general", "test_alert"]),
])
def test_it_counts_each_request_in_one_base_tier_plus_its_own(method, special, expected):
    assert [t.name for t in ratelimits.tiers_for(method, special)] == expected


@pytest.mark.parametrize("tier, limit, window", [
    ("general", 100, 60), ("read", 200, 60), ("create_monitor", 10, 3600),
    ("check_now", 5, 60), ("test_alert", 5, 60)])
def test_it_has_the_spec_limits(tier, limit, window):
    assert (TIERS[tier].limit, TIERS[tier].window_seconds) == (limit, window)


def test_it_shows_the_tightest_tier_in_the_headers():
    usages = [Usage(TIERS["general"], 3, 1020), Usage(TIERS["create_monitor"], 9, 3600)]
    headers = ratelimits.headers_for(usages, now_epoch=1000)
    assert headers == {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "1",
                       "X-RateLimit-Reset": "3600"}


def test_it_adds_retry_after_when_a_tier_is_exceeded():
    usages = [Usage(TIERS["general"], 4, 1020), Usage(TIERS["check_now"], 6, 1020)]
    headers = ratelimits.headers_for(usages, now_epoch=1000)
    assert headers["Retry-After"] == "20"
    assert headers["X-RateLimit-Remaining"] == "0"


def test_windows_are_aligned():
    assert ratelimits.window_start(3725.5, TIERS["general"]) == 3720
    assert ratelimits.window_start(3725.5, TIERS["create_monitor"]) == 3600
