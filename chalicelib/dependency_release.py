"""Releasing the children of a recovered parent (`chalicelib.dependencies`): each child still
Down that had joined the parent's incident gets its own `monitor.down` now, so it opens its own
incident and alerts as any monitor does.

Committed like an evaluation (state and event together, on the state's version), and the
event's id derives from the child's outage, so a released child is alerted once even if the
incident consumer runs twice or the child's evaluator releases it first.
"""
from __future__ import annotations

from chalicelib import dependencies, evaluator, events
from chalicelib.runtime import runtime
from chalicelib.state_machine import MonitorState, Observation
from chalicelib.storage import incidents as incident_store
from chalicelib.storage import monitor_states as states
from chalicelib.storage import monitors as monitor_store


def release_children(account_id: str, incident_id: str) -> list[str]:
    """Release the incident's affected monitors still Down under it; the ids released."""
    incident = incident_store.get_incident(account_id, incident_id)
    released = []
    for monitor_id in sorted(incident.affected_monitor_ids or ()) if incident else ():
        monitor = monitor_store.get_monitor(account_id, monitor_id)
        if monitor is not None and release(monitor, incident_id):
            released.append(monitor_id)
    return released


def release(monitor, incident_id: str) -> bool:
    """Give one child its deferred Down (or let it join another Down parent); False if it is
    no longer Down under `incident_id`."""
    for _ in range(evaluator.MAX_ATTEMPTS):
        item = states.load_state(monitor.account_id, monitor.monitor_id)
        state = MonitorState.from_dict(evaluator.item_state(item))
        if state.status != "Down" or state.joined_incident != incident_id:
            return False
        state.joined_incident = None
        obs = Observation(slot=state.down_since_slot or 0, region="", ok=False, error=state.cause)
        other = dependencies.parent_outage(monitor)
        if other and other != incident_id:
            state.joined_incident = other
            stored = [dependencies.note_event(monitor, dependencies.JOINED, other,
                                              f"{monitor.name} is also down: {state.cause}", obs)]
        else:
            stored = [evaluator.event_for(monitor, dependencies.released_down(state), obs, state,
                                          runtime.clock.now())]
        try:
            states.commit_state(item, state.to_dict(), stored)
        except states.StateConflictError:
            continue
        for event in stored:
            events.publish(event)
        return True
    return False
