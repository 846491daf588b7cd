"""Property tests (hypothesis) for the pure cores: monitor validation, the cron schedule, the
incident state machine and the guard's IP parsing.

`make test` runs the "e12-default" profile (200 examples a property, well under 30 s);
`make fuzz` sets HYPOTHESIS_PROFILE=nightly for many more. The profiles are applied per test
(`PROFILE`), never loaded globally, so other hypothesis users (schemathesis) keep their own.
"""
import ipaddress
import os
import socket
import string
from datetime import datetime, timedelta, timezone

import pydantic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.kernel import cron
from chalicelib.status import state_machine
from chalicelib.monitors.models import JobMonitorIn, parse_monitor
from chalicelib.kernel.netguard import OutboundGuard, parse_ip_literal
from chalicelib.kernel.settings import REGION_NAMES
from chalicelib.status.state_machine import MonitorState, Observation, Policy

settings.register_profile("e12-default", max_examples=200, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=20000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE") or "e12-default")

# --- monitor validators ---------------------------------------------------------------------

TYPES = ["Website", "website", "PING", "Port", "Dns", "dns", "Domain", "Job", "job", "Nope"]
FIELDS = ["name", "type", "url", "intervalSeconds", "timeoutSeconds", "failureThreshold",
          "recoveryThreshold", "regions", "regionQuorum", "tags", "port", "recordType",
          "nameserver", "expectedValues", "httpMethod", "requestBody", "requestHeaders",
          "expectedStatusCode", "expectedKeyword", "keywordMustBeAbsent", "cronExpression",
          "periodSeconds", "timezone", "gracePeriodSeconds", "minRuntimeSeconds",
          "maxRuntimeSeconds", "alertChannelIds", "customUserAgent", "sslExpiryWarningDays",
          "expiryWarningDays", "follow_redirects", "interval_seconds"]
SCALARS = (st.none() | st.booleans() | st.integers(-2**63, 2**64) | st.floats(allow_nan=True)
           | st.text(max_size=40) | st.sampled_from(TYPES + list(REGION_NAMES) + [
               "http://example.com/", "https://[::1]:0/", "1.1.1.1:53", "[::1]:99999",
               "*/5 * * * *", "0 0 31 2 *", "Europe/Riga", "Mars/Base", "example.com", "ch_a1"]))
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=10) | JSONISH


@PROFILE
@given(BODIES)
def test_parse_monitor_raises_only_validation_errors(data):
    try:
        parse_monitor(data)
    except pydantic.ValidationError:
        pass


HOSTS = st.sampled_from(["example.com", "api.example.co.uk", "93.184.216.34", "2001:db8::1",
                         "_dmarc.example.com", "xn--bcher-kva.example"])
COMMON = st.fixed_dictionaries({
    "name": st.text(string.ascii_letters + " -", min_size=1, max_size=30).filter(str.strip),
    "intervalSeconds": st.sampled_from([30, 60, 300, 3600]),
    "failureThreshold": st.integers(1, 10), "recoveryThreshold": st.integers(1, 10),
    "regions": st.lists(st.sampled_from(REGION_NAMES), min_size=1, max_size=3, unique=True),
    "tags": st.lists(st.from_regex(r"[a-z0-9-]{1,10}", fullmatch=True), max_size=3),
})
CRON_FIELD = {
    "minute": st.sampled_from(["*", "*/5", "0", "30", "0,30", "10-20", "*/15"]),
    "hour": st.sampled_from(["*", "2", "3", "0-23/2", "9-17", "*/6"]),
    "day": st.sampled_from(["*", "1", "15", "28", "29", "31", "1-7"]),
    "month": st.sampled_from(["*", "1", "2", "*/3", "3,10", "12"]),
    "weekday": st.sampled_from(["*", "0", "1-5", "6,0", "MON", "sun"]),
}
CRONS = st.tuples(*CRON_FIELD.values()).map(" ".join)
ZONES = st.sampled_from(["UTC", "Europe/Riga", "America/New_York", "Australia/Lord_Howe",
                         "Asia/Kolkata", "Pacific/Chatham", "America/Sao_Paulo"])
SPECIFIC = st.one_of(
    st.fixed_dictionaries({"type": st.just("Website"), "url": HOSTS.map(
        lambda h: f"https://{'[' + h + ']' if ':' in h else h}/health"),
        "httpMethod": st.sampled_from(["GET", "HEAD", "post"]),
        "expectedStatusCode": st.integers(100, 599)}),
    st.fixed_dictionaries({"type": st.just("Port"), "url": HOSTS.filter(lambda h: "_" not in h),
                           "port": st.integers(1, 65535)}),
    st.fixed_dictionaries({"type": st.just("ping"), "url": HOSTS.filter(lambda h: "_" not in h)}),
    st.fixed_dictionaries({"type": st.just("Dns"), "url": st.just("example.com"),
                           "recordType": st.sampled_from(["A", "mx", "TXT"]),
                           "nameserver": st.sampled_from([None, "1.1.1.1", "8.8.8.8:53",
                                                          "[2001:db8::53]:5353"])}),
    st.fixed_dictionaries({"type": st.just("Domain"), "url": st.just("example.com"),
                           "expiryWarningDays": st.integers(1, 365)}),
    st.fixed_dictionaries({"type": st.just("Job"), "cronExpression": CRONS, "timezone": ZONES,
                           "gracePeriodSeconds": st.integers(0, 86400)}),
    st.fixed_dictionaries({"type": st.just("Job"), "periodSeconds": st.integers(60, 86400)}),
)
VALID = st.builds(lambda common, specific: {**common, **specific}, COMMON, SPECIFIC)


@PROFILE
@given(VALID)
def test_a_valid_config_round_trips_through_its_dump(data):
    try:
        model = parse_monitor(data)
    except pydantic.ValidationError:       # e.g. a cron with no run (0 0 31 2 *) is refused
        return
    dumped = model.model_dump(mode="json")
    assert parse_monitor(dumped) == model
    assert parse_monitor(model.model_dump(mode="json", by_alias=True)) == model


# --- the cron schedule ------------------------------------------------------------------------

MOMENTS = st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1),
                       timezones=st.just(timezone.utc))


@PROFILE
@given(CRONS, ZONES, MOMENTS)
def test_next_expected_is_strictly_after_its_input_for_accepted_schedules(expression, zone, after):
    try:
        job = JobMonitorIn.model_validate({"name": "j", "type": "Job", "cronExpression": expression,
                                           "timezone": zone})
    except pydantic.ValidationError:
        return
    config = job.model_dump(mode="json")
    upcoming = cron.next_expected(config, after)
    assert upcoming > after
    assert upcoming.utcoffset() == timedelta(0)
    assert cron.deadline(config, after, after) >= upcoming


# --- the state machine ------------------------------------------------------------------------

@st.composite
def runs(draw, single_failing_region=False):
    regions = tuple(draw(st.lists(st.sampled_from(REGION_NAMES), min_size=1, max_size=3,
                                  unique=True)))
    if single_failing_region:
        quorum = len(regions)
    else:
        quorum = draw(st.none() | st.integers(1, len(regions)))
    policy = Policy(regions=regions, failure_threshold=draw(st.integers(1, 4)),
                    recovery_threshold=draw(st.integers(1, 4)), quorum=quorum,
                    response_time_threshold_ms=draw(st.none() | st.integers(1, 500)),
                    in_maintenance=draw(st.booleans()))
    observation = st.builds(
        Observation, slot=st.integers(0, 40).map(lambda n: n * 60),
        region=st.sampled_from(regions + ("Elsewhere",)), ok=st.booleans(),
        error=st.sampled_from([None, "HTTP 500"]), response_time_ms=st.none() | st.integers(0, 900))
    observations = draw(st.lists(observation, max_size=60))
    if single_failing_region:
        observations = [o if o.region == regions[0] else Observation(o.slot, o.region, True)
                        for o in observations]
    return policy, observations


def fold(policy, observations):
    state, seen = MonitorState(), []
    for obs in observations:
        state, transitions = state_machine.evaluate(state, policy, obs)
        seen.append((obs, state, transitions))
    return seen


@PROFILE
@given(runs())
def test_the_state_machine_keeps_its_invariants(run):
    policy, observations = run
    last_status_event = None
    for obs, state, transitions in fold(policy, observations):
        assert state.status in ("Pending", "Up", "Down")
        for transition in transitions:
            if transition.event in ("monitor.down", "monitor.up"):
                assert transition.event != last_status_event    # down/up alternate
                last_status_event = transition.event
            if transition.event == "monitor.down":
                assert state.status == "Down"
                verdicts = state_machine.slot_verdicts(state.slots, policy)
                assert verdicts.count(False) >= policy.failure_threshold
    if all(o.ok for o in observations):
        assert all(state.status != "Down" for _, state, _ in fold(policy, observations))


@PROFILE
@given(runs(single_failing_region=True))
def test_with_quorum_of_every_region_one_failing_region_never_takes_a_monitor_down(run):
    """... while the other regions report (a dark region's slots go by those that report:
    degraded quorum, tested in test_state_machine)."""
    policy, observations = run
    if len(policy.regions) < 2:
        return
    reporting = [o for obs in observations for o in
                 [obs, *(Observation(obs.slot, r, True) for r in policy.regions[1:])]]
    for _obs, state, transitions in fold(policy, reporting):
        assert state.status != "Down"
        assert "monitor.down" not in [t.event for t in transitions]


# --- the guard's IP parsing -------------------------------------------------------------------

NUMBER = st.one_of(st.integers(0, 2**32 + 5).map(str),
                   st.integers(0, 2**32 + 5).map(lambda n: "0" + format(n, "o")),
                   st.integers(0, 2**32 + 5).map(lambda n: "0x" + format(n, "x")),
                   st.integers(0, 2**32 + 5).map(lambda n: "0X" + format(n, "X")),
                   st.text("0123456789xX", min_size=1, max_size=6))
LEGACY = st.lists(NUMBER, min_size=1, max_size=5).map(".".join)


def inet_aton(text):
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


@PROFILE
@given(LEGACY | st.text("0123456789abcdefx.:[]%", max_size=24))
def test_parse_ip_literal_agrees_with_inet_aton_on_ipv4(text):
    """Brackets and a trailing dot are dropped first (they only ever make the guard stricter:
    "0]" is judged as 0.0.0.0); on what remains, an IPv4 answer is inet_aton's answer."""
    parsed = parse_ip_literal(text)
    core = text.strip().strip("[]").rstrip(".")
    if isinstance(parsed, ipaddress.IPv4Address):
        assert inet_aton(core) == parsed
    if core and all(c in "0123456789abcdefxX." for c in core):
        assert parsed == inet_aton(core) or isinstance(parsed, ipaddress.IPv6Address)


@PROFILE
@given(st.ip_addresses(v=4))
def test_every_ipv4_spelling_gets_the_guards_decision_for_its_address(address):
    guard = OutboundGuard(offline=False)
    n = int(address)
    for spelling in (str(n), hex(n), "0" + format(n, "o"), f"::ffff:{address}"):
        assert guard.is_blocked_ip(spelling) == guard.is_blocked_ip(address), spelling
