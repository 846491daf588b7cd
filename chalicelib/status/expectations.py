"""State only on surprise: the verdict a check request expects, and whether a result agrees.

Most results change nothing: a passing check of a monitor that is Up, steady (no failed slot
remembered, not degraded) and Up in the checking region. Reading the evaluator's state to find
that out cost a consistent GetItem per check. Instead the scheduler copies the verdict the
evaluator last mirrored onto the monitor (`status` and, in `state_json`, the per-region status
and whether it is steady) into each check request; the worker compares the result with it
locally and evaluates (reads and writes state) only when they disagree.

Why this gives today's transitions: an agreeing result is exactly one `state_machine.is_quiet`
would skip, as long as the expectation is fresh. It can be stale (the scheduler reads it a
minute ahead): a passing result skipped while the state had meanwhile gone unsteady (a failed
slot) would have been folded in today. So a surprise evaluation first folds in the monitor's
recorded passing results that its state does not hold (`evaluator.skipped_observations`): the
skipped ones come back before anything they could have changed is decided.

Pure: no I/O.
"""
from __future__ import annotations

from typing import Any

from chalicelib.status.state_machine import MonitorState, Policy, owes_not_checked, slot_verdict


def is_steady(state: MonitorState, policy: Policy) -> bool:
    """Whether a passing result of a region that is Up would be quiet (`is_quiet`'s
    state-only half): Up, not degraded, no failed slot remembered, no slots short of the
    quorum left untold."""
    return (state.status == "Up" and not state.degraded
            and all(slot_verdict(s["results"], policy) is not False for s in state.slots)
            and not owes_not_checked(state))


def mirrored(state: MonitorState, policy: Policy) -> dict[str, Any]:
    """What the monitor item shows of the verdict (its `state_json`)."""
    return {"region_status": state.region_status, "degraded": state.degraded,
            "steady": is_steady(state, policy)}


def expected_of(status: str | None, mirrored_json: dict[str, Any]) -> dict[str, Any] | None:
    """The expectation a check request carries, from the monitor's mirrored verdict; None when
    no result can agree with it (anything but a steady Up monitor)."""
    if status != "Up" or not mirrored_json.get("steady") or mirrored_json.get("degraded"):
        return None
    return {"status": status, "regions": dict(mirrored_json.get("region_status") or {}),
            "steady": True}


# The configuration `agrees` reads: what of a carried configuration a result must keep to be
# compared at home (a remote region's results travel without the rest, bus/check_results.py).
AGREEMENT_KEYS = ("response_time_threshold_ms", "ssl_expiry_warning_days")


def agreement_config(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of `config` that `agrees` reads (None stays None: a request without one)."""
    if config is None:
        return None
    return {k: config[k] for k in AGREEMENT_KEYS if config.get(k) is not None}


def agrees(expect: dict[str, Any] | None, region: str, ok: bool, ssl_days_left: int | None,
           config: dict[str, Any]) -> bool:
    """Whether a result is the one the request expected, so that evaluating it can change
    nothing (given a fresh expectation). Tracking response times (a P95 threshold) or a
    certificate near its warning needs every result: those never agree."""
    if not ok or not expect or expect.get("status") != "Up" or not expect.get("steady"):
        return False
    if (expect.get("regions") or {}).get(region) != "Up":
        return False
    if config.get("response_time_threshold_ms"):
        return False
    warn = config.get("ssl_expiry_warning_days")
    return ssl_days_left is None or warn is None or ssl_days_left > warn
