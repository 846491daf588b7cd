"""Evaluation in the pipeline: fold each new check result into its monitor's state.

A transition is committed together with the events it causes, conditionally on the state
version that was read (ARCHITECTURE §4): if two evaluators race, one commits and the other
re-reads and finds nothing left to do — so one outage opens one incident. Events are then
published; incidents and alerts are their consumers.
"""
from __future__ import annotations

import json
import logging
from dataclasses import replace

from chalicelib.bus import events
from chalicelib.monitors.models import DEFAULT_TIMEOUT_SECONDS
from chalicelib.status import degraded_quorum, expectations, state_machine
from chalicelib.maintenance import cover as maintenance_cover
from chalicelib.status import dependencies
from chalicelib.kernel.clock import iso
from chalicelib.kernel.ids import outage_incident_id
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.vocabulary import Event, MonitorStatus
from chalicelib.status.state_machine import MonitorState, Observation, Policy, Transition
from chalicelib.storage import control
from chalicelib.storage import monitor_states as states
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import results as result_store
from chalicelib.storage.monitors import MonitorItem

log = logging.getLogger("enori.evaluator")
MAX_ATTEMPTS = 8

ALERT_TYPES = {Event.MONITOR_DOWN: MonitorStatus.DOWN, Event.MONITOR_UP: "Recovered", Event.MONITOR_DEGRADED: "P95",
               Event.MONITOR_SSL_EXPIRING: "SslExpiring",
               Event.MONITOR_PERFORMANCE_RESTORED: "P95Recovered",
               Event.MONITOR_NOT_CHECKED: "NotChecked"}


def policy_for(monitor: MonitorItem, now) -> Policy:
    config = monitor.config
    return Policy(
        regions=tuple(config.get("regions") or monitor.regions or ()),
        # The API accepts 0 (the public service's range); it behaves as 1.
        failure_threshold=max(1, int(config.get("failure_threshold", 2))),
        recovery_threshold=int(config.get("recovery_threshold") or 1),
        quorum=config.get("region_quorum"),
        response_time_threshold_ms=config.get("response_time_threshold_ms"),
        ssl_expiry_warning_days=config.get("ssl_expiry_warning_days"),
        in_maintenance=in_maintenance(monitor, now),
    )


def skipped_observations(monitor: MonitorItem, state: MonitorState, policy: Policy,
                         obs: Observation) -> list[Observation]:
    """The monitor's recorded passing results, at or before `obs.slot`, that `state` does not
    hold, oldest first: only on a surprise, one Query of its shard's minute items over the
    KEEP_SLOTS intervals before `obs.slot` (what the state can hold; bounded by time, not by
    scanning back). With a P95 threshold nothing is skipped (and folding an in-flight result
    twice would count its response time twice), so nothing is read."""
    if policy.response_time_threshold_ms:
        return []
    held = {(s["slot"], region) for s in state.slots for region in s["results"]}
    held.add((obs.slot, obs.region))
    interval = int(monitor.config.get("interval_seconds") or 60)
    recent = result_store.monitor_results(
        monitor, obs.slot - state_machine.KEEP_SLOTS * interval, obs.slot)
    missing = [Observation(slot=f.entry.slot, region=f.region, ok=True,
                           response_time_ms=f.entry.response_time_ms)
               for f in recent if f.entry.ok and (f.entry.slot, f.region) not in held]
    return sorted(missing, key=lambda o: o.slot)


def evaluate_observation(monitor: MonitorItem, obs: Observation, policy: Policy,
                         backfill=None) -> list[Transition]:
    """Fold one observation into the monitor's state, commit, then publish (any monitor type:
    Job monitors feed pings and missed deadlines here with their own policy). `backfill`
    (monitor, state, policy, obs) gives observations to fold in before `obs` when it is not
    quiet; with it the state holds every recorded result, so `obs` is judged knowing which
    slots are settled (a region missing from them is dark, `degraded_quorum`)."""
    now = runtime.clock.now()
    unreached = None        # read once, at the first attempt that is not quiet
    for _ in range(MAX_ATTEMPTS):
        item = states.load_state(monitor.account_id, monitor.monitor_id)
        before = MonitorState.from_dict(item_state(item))
        if state_machine.is_quiet(before, policy, obs):
            show_if_hidden(monitor, before, policy)
            return []
        # Each transition with the observation that caused it and the state right after it,
        # which its event describes (as if each had been evaluated on its own). The skipped
        # results are folded in as before: until the last is in, the state still lacks some.
        after, caused = before, []
        skipped = backfill(monitor, before, policy, obs) if backfill else []
        if backfill and unreached is None:
            unreached = unreached_regions(policy, obs)
        judge = settled_policy(monitor, policy, obs, now, unreached) if backfill else policy
        for seen in [*skipped, obs]:
            after, more = state_machine.evaluate(after, judge if seen is obs else policy, seen)
            caused += [(t, seen, after) for t in more]
        transitions = [t for t, _, _ in caused]
        transitions, notes = dependencies.fold(monitor, before, after, transitions, obs)
        if in_maintenance_after_all(monitor, policy, transitions, now):
            policy = replace(policy, in_maintenance=True)
            continue        # judged again, suppressed: no incident, no alert
        if after == before and not transitions:
            show_if_hidden(monitor, before, policy)
            return []
        # A transition the dependency fold made or changed describes the newest observation.
        context = {id(t): (seen, then) for t, seen, then in caused}
        stored = [event_for(monitor, t, *context.get(id(t), (obs, after)), now,
                            before.down_since_slot)
                  for t in transitions if not t.suppressed]
        stored += [dependencies.note_event(monitor, *note, obs) for note in notes]
        try:
            states.commit_state(item, after.to_dict(), stored,
                                status_change_records(monitor, before, after, obs))
        except states.StateConflictError:
            continue
        monitor_store.mirror_state(monitor.account_id, monitor.monitor_id, after.status,
                                   after.region_status, after.degraded,
                                   not_checked_slots=after.not_checked_slots,
                                   steady=expectations.is_steady(after, policy))
        for event in stored:
            events.publish(event)
        return transitions
    raise RuntimeError(f"could not commit the state of {monitor.monitor_id} after "
                       f"{MAX_ATTEMPTS} attempts")


def settled_policy(monitor: MonitorItem, policy: Policy, obs: Observation, now,
                   unreached: frozenset[str]) -> Policy:
    """`policy` knowing the settled slots: those whose results were due by `now` (the monitor's
    check timeout and a grace after them), up to `obs.slot` (the backfill reads no newer); and
    the regions the scheduler never sent `obs.slot`'s check (`unreached_regions`)."""
    timeout = int(monitor.config.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS)
    due = degraded_quorum.settled_before(now.timestamp(), timeout)
    return replace(policy, settled_before=min(due, obs.slot + 1), unreached=unreached)


def unreached_regions(policy: Policy, obs: Observation) -> frozenset[str]:
    """The monitor's regions the scheduler never sent `obs.slot`'s check: one consistent
    BatchGetItem of their cursors (`storage.control`), only on a surprise of a monitor checked
    from several regions (a single region is never dark)."""
    if len(policy.regions) < 2:
        return frozenset()
    cursors = control.region_cursors(policy.regions)
    sent = {region: cursor.sent_through for region, cursor in cursors.items()}
    return degraded_quorum.unreached(sent, obs.slot, obs.region)


def status_change_records(monitor: MonitorItem, before: MonitorState, after: MonitorState,
                          obs: Observation) -> tuple:
    """A Job monitor's status change, committed with the state: its uptime is time not Down
    (`stats.status_spans`). Down counts from the first failed slot (for a missed run, its
    deadline), anything else from the observation. Nothing for checked monitors, whose uptime
    is counted in checks, and nothing while the status stays: no write per ping."""
    if monitor.type != monitor_store.JOB or after.status == before.status:
        return ()
    at = after.down_since_slot if after.status == MonitorStatus.DOWN and after.down_since_slot else obs.slot
    return (result_store.status_change_item(monitor.monitor_id, at, before.status,
                                            after.status),)


def show_if_hidden(monitor: MonitorItem, state: MonitorState, policy: Policy) -> bool:
    """Mirror the evaluator's status onto the monitor when a skipped write would leave it
    showing another one; True if it wrote.

    A pause and a resume change the monitor's status (Paused, then Pending) but not the
    evaluator's, which still says Up: every later passing result is quiet, and without this the
    monitor said Pending for good. The mirror costs one write when the two differ (once after a
    resume, or after a crash between a commit and its mirror) and nothing in the steady state,
    where the monitor already shows what the state says. The same holds for whether it is
    steady (a monitor mirrored before that was shown stopped its requests' expectation).
    """
    steady = expectations.is_steady(state, policy)
    if monitor.paused or (monitor.status == state.status
                          and monitor.state.get("steady") == steady):
        return False
    return monitor_store.mirror_state(monitor.account_id, monitor.monitor_id, state.status,
                                      state.region_status, state.degraded, steady)


def has_counted(monitor: MonitorItem, slot: int, region: str) -> bool:
    """Whether the monitor's state already holds `region`'s result for `slot` (a slot older
    than the kept window counts as held: it can no longer change anything)."""
    state = MonitorState.from_dict(item_state(states.load_state(monitor.account_id,
                                                                monitor.monitor_id)))
    if state.slots and len(state.slots) >= state_machine.KEEP_SLOTS \
            and slot < state.slots[0]["slot"]:
        return True
    return any(s["slot"] == slot and region in s["results"] for s in state.slots)


def in_maintenance(monitor: MonitorItem, now) -> bool:
    return maintenance_cover.is_monitor_in_maintenance(monitor.account_id, monitor, now)


def in_maintenance_after_all(monitor: MonitorItem, policy: Policy, transitions: list,
                             now) -> bool:
    """Whether a transition about to be announced falls in a maintenance window this process's
    copy of the windows did not have yet (one written by another process in the last
    CACHE_SECONDS: the API's, while the checks run in the worker's). Asked of the stored windows
    only then: a Query per announcement, none on the steady path."""
    if policy.in_maintenance or all(t.suppressed for t in transitions):
        return False
    return maintenance_cover.is_monitor_in_maintenance(monitor.account_id, monitor, now,
                                                       fresh=True)


def item_state(item) -> dict:
    return json.loads(item.state_json or "{}")


def event_for(monitor: MonitorItem, transition: Transition, obs: Observation,
              state: MonitorState, now, ended_down_since: int | None = None):
    """The stored event for a transition, with the data the spec's webhook payload needs."""
    cause_slot = state.down_since_slot if transition.event == Event.MONITOR_DOWN else obs.slot
    event_id = events.event_id_for(monitor.monitor_id, transition.event, cause_slot,
                                   transition.region or "")
    payload = {
        "monitor": events.monitor_ref(monitor),
        "alert": {"type": ALERT_TYPES.get(transition.event, transition.event),
                  "message": transition.message, "timestamp": iso(now),
                  "responseTimeMs": obs.response_time_ms},
        "slot": obs.slot,
        "region": transition.region or obs.region,
        "downSinceSlot": state.down_since_slot,
    }
    if transition.event == Event.MONITOR_DOWN:
        # Every monitor.down that is emitted opens this incident (a suppressed one is never
        # emitted), so its alert records can name it before the incident consumer has run.
        payload["incidentId"] = outage_incident_id(monitor.monitor_id,
                                                   state.down_since_slot or obs.slot)
    elif transition.event == Event.MONITOR_UP and ended_down_since:
        # The outage it ends, named like the down did: paging tools resolve the alert by it.
        payload["incidentId"] = outage_incident_id(monitor.monitor_id, ended_down_since)
    return events.build(event_id, monitor.account_id, transition.event, payload)
