"""The state machine's table: each case is a policy, a script of (slot, region, ok) results and
the statuses and events expected after each step."""
from dataclasses import replace

import pytest

from chalicelib.status.degraded_quorum import settled_before, unreached
from chalicelib.status.state_machine import (
    MonitorState,
    Observation,
    Policy,
    evaluate,
    p95,
    slot_verdict,
)

ONE = ("UsEast",)
TWO = ("UsEast", "EuWest")
THREE = ("UsEast", "EuWest", "ApSoutheast")


def run(policy, script, late=None):
    """Feed (slot, region, ok) steps; return [(status, [published events])] after each step.
    `late`: each step is judged that many seconds after its slot, knowing which slots are
    settled (a check timeout of 15 s); None: not knowing (no region is ever dark)."""
    state, seen = MonitorState(), []
    for slot, region, ok in script:
        judge = policy if late is None else \
            replace(policy, settled_before=settled_before(slot + late, 15))
        state, transitions = evaluate(state, judge, Observation(slot, region, ok, error=None if ok else "HTTP 503 Service Unavailable"))
        seen.append((state.status, [t.event for t in transitions if t.event.startswith("monitor.")]))
    return state, seen


@pytest.mark.parametrize("name, policy, script, expected", [
    ("first good result makes it Up, silently", Policy(ONE),
     [(1, "UsEast", True)], [("Up", [])]),
    ("down only after the threshold", Policy(ONE, failure_threshold=2),
     [(1, "UsEast", True), (2, "UsEast", False), (3, "UsEast", False)],
     [("Up", []), ("Up", []), ("Down", ["monitor.down"])]),
    ("threshold 1 goes down at once", Policy(ONE, failure_threshold=1),
     [(1, "UsEast", False)], [("Down", ["monitor.down"])]),
    ("a good slot resets the failure streak", Policy(ONE, failure_threshold=2),
     [(1, "UsEast", False), (2, "UsEast", True), (3, "UsEast", False)],
     [("Pending", []), ("Up", []), ("Up", [])]),
    ("recovery needs its own threshold", Policy(ONE, failure_threshold=1, recovery_threshold=2),
     [(1, "UsEast", False), (2, "UsEast", True), (3, "UsEast", True)],
     [("Down", ["monitor.down"]), ("Down", []), ("Up", ["monitor.up"])]),
    ("down is announced once", Policy(ONE, failure_threshold=1),
     [(1, "UsEast", False), (2, "UsEast", False), (3, "UsEast", False)],
     [("Down", ["monitor.down"]), ("Down", []), ("Down", [])]),
    ("quorum 2 of 2: one failing region opens nothing", Policy(TWO, failure_threshold=1),
     [(1, "UsEast", False), (1, "EuWest", True), (2, "UsEast", False), (2, "EuWest", True)],
     [("Pending", []), ("Up", []), ("Up", []), ("Up", [])]),
    ("quorum 2 of 2: both failing goes down", Policy(TWO, failure_threshold=2),
     [(1, "UsEast", False), (1, "EuWest", False), (2, "EuWest", False), (2, "UsEast", False)],
     [("Pending", []), ("Pending", []), ("Pending", []), ("Down", ["monitor.down"])]),
    ("2 of 3: two failing regions decide", Policy(THREE, failure_threshold=1),
     [(1, "UsEast", False), (1, "EuWest", False)], [("Pending", []), ("Down", ["monitor.down"])]),
    ("2 of 3: one failing region does not", Policy(THREE, failure_threshold=1),
     [(1, "UsEast", False), (1, "EuWest", True), (1, "ApSoutheast", True)],
     [("Pending", []), ("Pending", []), ("Up", [])]),
    ("quorum 1 of 2: any failing region", Policy(TWO, failure_threshold=1, quorum=1),
     [(1, "UsEast", True), (1, "EuWest", False)], [("Pending", []), ("Down", ["monitor.down"])]),
    ("a missing region is unknown while it may be late", Policy(TWO, failure_threshold=1),
     [(1, "UsEast", False), (2, "UsEast", False)], [("Pending", []), ("Pending", [])]),
    ("flapping below the threshold never alerts", Policy(ONE, failure_threshold=2),
     [(1, "UsEast", False), (2, "UsEast", True), (3, "UsEast", False), (4, "UsEast", True),
      (5, "UsEast", False)],
     [("Pending", []), ("Up", []), ("Up", []), ("Up", []), ("Up", [])]),
    ("a late result of an older slot counts in its own slot", Policy(ONE, failure_threshold=2),
     [(2, "UsEast", False), (1, "UsEast", False)], [("Pending", []), ("Down", ["monitor.down"])]),
])
def test_the_table(name, policy, script, expected):
    _, seen = run(policy, script)
    assert seen == expected, name


# Slots 30 s apart, each result judged a second after its slot: a slot is settled 25 s after
# it (a 15 s timeout and the grace), so the slot before the newest one is.
@pytest.mark.parametrize("name, policy, script, expected", [
    ("a region silent for two slots is dark: the others decide, and say so",
     Policy(TWO, failure_threshold=2),
     [(30, "UsEast", False), (60, "UsEast", False), (90, "UsEast", False),
      (120, "UsEast", False)],
     [("Pending", []), ("Pending", []), ("Down", ["monitor.not_checked", "monitor.down"]),
      ("Down", [])]),
    ("a dark region never makes a passing monitor Up in silence", Policy(TWO),
     [(30, "UsEast", False), (60, "UsEast", True), (90, "UsEast", True), (120, "UsEast", True)],
     [("Pending", []), ("Up", []), ("Up", ["monitor.not_checked"]), ("Up", [])]),
    ("a region dark before the outage: the live region's failures count as they come",
     Policy(TWO, failure_threshold=2),
     [(30, "UsEast", True), (60, "UsEast", True), (90, "UsEast", True), (120, "UsEast", False),
      (150, "UsEast", False)],
     [("Up", []), ("Up", []), ("Up", ["monitor.not_checked"]), ("Up", []),
      ("Down", ["monitor.down"])]),
    ("a region dark before the outage: threshold 1 goes down at the first failed slot",
     Policy(TWO, failure_threshold=1),
     [(30, "UsEast", True), (60, "UsEast", True), (90, "UsEast", True), (120, "UsEast", False)],
     [("Up", []), ("Up", []), ("Up", ["monitor.not_checked"]), ("Down", ["monitor.down"])]),
    ("a region missing from one settled slot only may be late: not dark",
     Policy(TWO, failure_threshold=1),
     [(30, "UsEast", False), (30, "EuWest", False), (60, "UsEast", True), (60, "EuWest", True),
      (90, "UsEast", False), (120, "UsEast", False)],
     [("Pending", []), ("Down", ["monitor.down"]), ("Up", ["monitor.up"]), ("Up", []),
      ("Up", []), ("Up", [])]),
])
def test_the_table_with_settled_slots(name, policy, script, expected):
    _, seen = run(policy, script, late=1)
    assert seen == expected, name


@pytest.mark.parametrize("cursors, expected", [
    ({"UsEast": 2, "EuWest": None}, {"EuWest"}),       # never sent anything
    ({"UsEast": 2, "EuWest": 1}, {"EuWest"}),          # stuck before the slot's minute
    ({"UsEast": 2, "EuWest": 2}, set()),               # sent: its result may still come
    ({"UsEast": None, "EuWest": None}, set()),         # no cursors kept: nothing known
    ({"UsEast": 1, "EuWest": None}, set()),            # the reporter's own cursor is behind
])
def test_a_region_is_unreached_when_the_scheduler_never_sent_it_the_slot(cursors, expected):
    assert unreached(cursors, 150, "UsEast") == expected          # slot 150: minute 2


def test_an_unreached_region_is_dark_at_once_even_for_a_young_monitor():
    """One slot known, none settled without EuWest: threshold 1 goes Down at the first failed
    slot when EuWest was never sent it, and waits for EuWest when it was."""
    script = [(30, "UsEast", True), (60, "UsEast", False)]
    never_sent = replace(Policy(TWO, failure_threshold=1), unreached=frozenset({"EuWest"}))
    _, seen = run(never_sent, script, late=1)
    assert seen == [("Up", ["monitor.not_checked"]), ("Down", ["monitor.down"])]
    _, seen = run(Policy(TWO, failure_threshold=1), script, late=1)
    assert seen == [("Up", []), ("Up", [])]


def test_it_keeps_the_cause_of_the_outage():
    state, _ = run(Policy(ONE, failure_threshold=1), [(1, "UsEast", False)])
    assert state.cause == "HTTP 503 Service Unavailable"
    assert state.down_since_slot == 1


def test_it_shows_each_regions_status():
    state, _ = run(Policy(TWO), [(1, "UsEast", False), (1, "EuWest", True)])
    assert state.region_status == {"UsEast": "Down", "EuWest": "Up"}


def test_a_region_change_is_a_timeline_transition():
    state = MonitorState()
    state, transitions = evaluate(state, Policy(TWO), Observation(1, "UsEast", False, "timed out"))
    assert [(t.event, t.region) for t in transitions] == [("region.down", "UsEast")]


def test_maintenance_records_the_transition_but_suppresses_it():
    policy = Policy(ONE, failure_threshold=1, in_maintenance=True)
    state, transitions = evaluate(MonitorState(), policy, Observation(1, "UsEast", False, "x"))
    assert state.status == "Down"
    assert [(t.event, t.suppressed) for t in transitions if t.event.startswith("monitor.")] == \
        [("monitor.down", True)]
    after = Policy(ONE, failure_threshold=1)
    state, transitions = evaluate(state, after, Observation(2, "UsEast", True))
    assert [(t.event, t.suppressed) for t in transitions if t.event.startswith("monitor.")] == \
        [("monitor.up", True)]


@pytest.mark.parametrize("results, verdict", [
    ({"UsEast": False, "EuWest": False}, False),
    ({"UsEast": False, "EuWest": True}, True),
    ({"UsEast": False}, None),
    ({"UsEast": True}, True),
    ({"Elsewhere": False}, None),
])
def test_slot_verdicts_with_quorum_2_of_2(results, verdict):
    assert slot_verdict(results, Policy(TWO)) is verdict


def degraded_run(times, threshold=500):
    state, events = MonitorState(status="Up"), []
    for i, ms in enumerate(times):
        state, transitions = evaluate(state, Policy(ONE, response_time_threshold_ms=threshold),
                                      Observation(i, "UsEast", True, response_time_ms=ms))
        events += [t.event for t in transitions]
    return state, events


def test_degradation_is_emitted_once_and_clears():
    state, events = degraded_run([100] * 5 + [900] * 5 + [900] * 5)
    assert events == ["monitor.degraded"]
    assert state.degraded
    state, events = degraded_run([900] * 10 + [100] * 20)
    assert events == ["monitor.degraded", "monitor.performance_restored"]
    assert not state.degraded


def test_p95_is_the_nearest_rank():
    assert p95([10] * 19 + [1000]) == 10
    assert p95(list(range(1, 101))) == 95
    assert p95([1, 2, 3]) is None


def test_ssl_expiry_warns_once_per_certificate():
    policy = Policy(ONE, ssl_expiry_warning_days=30)
    state, events = MonitorState(status="Up"), []
    for slot, days, cert in [(1, 40, "A"), (2, 30, "A"), (3, 29, "A"), (4, 28, "A"), (5, 90, "B"),
                             (6, 20, "C")]:
        state, transitions = evaluate(state, policy, Observation(slot, "UsEast", True, ssl_days_left=days, ssl_not_after=cert))
        events += [(slot, t.event) for t in transitions]
    assert events == [(2, "monitor.ssl_expiring"), (6, "monitor.ssl_expiring")]


def test_state_round_trips_through_a_dict():
    state, _ = run(Policy(TWO), [(1, "UsEast", False), (1, "EuWest", True)])
    assert MonitorState.from_dict(state.to_dict()) == state


def test_a_passing_result_on_a_healthy_monitor_is_quiet():
    from chalicelib.status.state_machine import is_quiet

    state, _ = run(Policy(TWO), [(1, "UsEast", True), (1, "EuWest", True)])
    assert is_quiet(state, Policy(TWO), Observation(2, "UsEast", True))
    assert not is_quiet(state, Policy(TWO), Observation(2, "UsEast", False, "x"))
    assert not is_quiet(state, Policy(TWO, response_time_threshold_ms=100),
                        Observation(2, "UsEast", True, response_time_ms=50))
    assert not is_quiet(state, Policy(TWO, ssl_expiry_warning_days=30),
                        Observation(2, "UsEast", True, ssl_days_left=10))


def test_a_monitor_with_a_failed_slot_in_memory_is_never_quiet():
    from chalicelib.status.state_machine import is_quiet

    state, _ = run(Policy(ONE, failure_threshold=2), [(1, "UsEast", True), (2, "UsEast", False)])
    assert state.status == "Up"
    assert not is_quiet(state, Policy(ONE, failure_threshold=2), Observation(3, "UsEast", True))


def test_skipping_quiet_results_changes_no_outcome():
    """The same scripts give the same statuses and events whether quiet results are folded in
    or skipped."""
    import random

    from chalicelib.status.state_machine import is_quiet

    rng = random.Random(7)
    for _ in range(200):
        policy = Policy(TWO, failure_threshold=rng.randint(1, 3), recovery_threshold=rng.randint(1, 2))
        full, lean = MonitorState(), MonitorState()
        for slot in range(30):
            for region in TWO:
                obs = Observation(slot, region, rng.random() > 0.3, error="x")
                full, t_full = evaluate(full, policy, obs)
                if not is_quiet(lean, policy, obs):
                    lean, t_lean = evaluate(lean, policy, obs)
                else:
                    t_lean = []
                assert [t.event for t in t_full if t.event.startswith("monitor.")] == \
                    [t.event for t in t_lean if t.event.startswith("monitor.")]
                assert full.status == lean.status
