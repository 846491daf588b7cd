"""Randomized equivalence (E16 point 4): on the same result streams, evaluating only the
results that disagree with their request's (possibly stale) expectation commits the same
transitions and opens the same incidents as today's evaluator, which folds in every result.

Seeded: each case is reproducible from its seed. The oracle is today's path kept callable:
record the result, then `evaluate_observation` with no expectation and no backfill.
"""
import random
from datetime import datetime, timezone

import pytest

from chalicelib.checks.checkers.base import CheckResult

REGIONS = ("UsEast", "EuWest")      # the regions the test deployment serves
SEEDS = range(12)


def make_monitor(account, regions, threshold, recovery, quorum, clock):
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor

    body = {"name": "m", "type": "Website", "url": "https://api.example.com",
            "failureThreshold": threshold, "recoveryThreshold": recovery,
            "regions": list(regions)}
    if quorum:
        body["regionQuorum"] = quorum
    # Created before the streams' slots (epoch 0 on): nothing before it is ever read.
    return monitors.create_monitor(account, parse_monitor(body),
                                   datetime.fromtimestamp(0, timezone.utc))


def stream(rng, regions, slots):
    """(slot, region, ok) in delivery order: outages of random length, flapping regions,
    regions reporting out of order within a slot."""
    out, down_left = [], 0
    for k in range(1, slots + 1):
        if down_left == 0 and rng.random() < 0.12:
            down_left = rng.randint(1, 5)
        failing = {r for r in regions if (down_left and rng.random() < 0.9)
                   or rng.random() < 0.08}
        down_left = max(0, down_left - 1)
        order = list(regions)
        rng.shuffle(order)
        out.extend((k * 60, r, r not in failing) for r in order)
    return out


def result_of(ok):
    return CheckResult(ok=True, status_code=200, response_time_ms=90) if ok else \
        CheckResult(ok=False, error="HTTP 503 Service Unavailable", status_code=503)


def fresh(monitor):
    from chalicelib.storage.monitors import get_monitor

    return get_monitor(monitor.account_id, monitor.monitor_id)


def run_oracle(monitor, results):
    from chalicelib.status import evaluator
    from chalicelib.checks import worker
    from resulttools import record_result
    from chalicelib.kernel.runtime import runtime

    for slot, region, ok in results:
        m, result = fresh(monitor), result_of(ok)
        record_result(m, result, region, slot, runtime.clock.now(), 30)
        evaluator.evaluate_observation(m, worker.observation_of(slot, region, result),
                                       evaluator.policy_for(m, runtime.clock.now()))


def run_on_surprise(monitor, results, lag, slow=False):
    """The worker's path. The requests of a slot carry what the monitor showed after the slot
    `lag` before the previous one (lag 0: right before the slot; the scheduler reads a minute
    ahead). The regions of a slot check at the same second, so each region's batch loaded the
    monitor before any of the slot's results was evaluated: all see it as the slot began.
    `slow`: each batch loaded the monitor a slot earlier still (a check that ran long, a commit
    that landed late), so only the evaluator's backfill of skipped passes keeps the streaks."""
    from chalicelib.status import expectations
    from chalicelib.bus.dispatch import CheckRequest
    from chalicelib.checks.worker import Ran
    from resulttools import record_run as record

    shown_after: dict[int, dict | None] = {}      # slot -> expectation read once it was done
    previous = loaded = before = None
    for slot, region, ok in results:
        if slot != previous:
            before, loaded = loaded, fresh(monitor)
            if previous is not None:
                shown_after[previous] = expectations.expected_of(loaded.status, loaded.state)
            previous = slot
        expect = shown_after.get(slot - 60 * (lag + 1))
        job = CheckRequest(monitor.account_id, monitor.monitor_id, slot, region, expect=expect)
        record(Ran(job, (before or loaded) if slow else loaded, result_of(ok)), 30)


def outcome(published, monitor, exact=True):
    """The transitions (with the slot and state each describes when `exact`; late, only what
    happened, to which region), the incidents (one per first failed slot), the final status."""
    transitions = sorted(repr((e.type, e.payload.get("region"))
                              + ((e.payload.get("slot"), e.payload.get("downSinceSlot"))
                                 if exact else ())) for e in published)
    incidents = sorted(e.payload["downSinceSlot"] for e in published if e.type == "monitor.down")
    return transitions, incidents, fresh(monitor).status


@pytest.mark.parametrize("slow", [False, True], ids=["fresh-batches", "slow-batches"])
@pytest.mark.parametrize("seed", SEEDS)
def test_same_transitions_and_incidents_as_evaluating_every_result(seed, slow, clock,
                                                                   monkeypatch):
    """Fresh batches: the very same events. Slow batches (the monitor read a slot before):
    the same transitions and incidents; a region's recovery may be told a slot or two later."""
    from chalicelib.bus import events
    from chalicelib.accounts.service import create_account

    published: list = []
    monkeypatch.setattr(events, "publish", lambda item: published.append(item) or True)
    rng = random.Random(seed)
    regions = rng.sample(REGIONS, rng.randint(1, 2))
    threshold, recovery = rng.randint(1, 3), rng.randint(1, 2)
    quorum = rng.choice([None, 1, len(regions)])
    results = stream(rng, regions, slots=rng.randint(12, 24))
    lag = rng.randint(0, 2)
    if slow:    # the stream goes on passing: a recovery told late must still be told
        last = results[-1][0]
        results += [(last + 60 * k, r, True) for k in range(1, 4) for r in regions]

    outcomes = []
    for runner in (run_oracle, lambda m, r: run_on_surprise(m, r, lag, slow)):
        account = create_account(f"t{len(outcomes)}", "Business", clock.now())
        monitor = make_monitor(account, regions, threshold, recovery, quorum, clock)
        published.clear()
        runner(monitor, results)
        outcomes.append(outcome(published, monitor, exact=not slow))
    assert outcomes[0] == outcomes[1], f"seed {seed}: regions={regions} threshold={threshold} " \
        f"recovery={recovery} quorum={quorum} lag={lag}"
