"""Monitor dependencies in evaluation (`monitors.dependencies` checks the configuration): a
monitor may name parent monitors (`dependsOn`), e.g. the sites on one host. While a parent is Down its children are still checked and their results recorded, but a
child's Down opens no incident of its own and pages no one: it joins the parent's incident as
"also affected". When the parent recovers, each child is judged again at its next result: one
still failing then alerts as any monitor does; one passing again alerts no one.

How it flows (the evaluator commits state and events together, so every step is idempotent):
- the evaluator folds a result; a `monitor.down` of a monitor whose parent is Down is
  suppressed, the state remembers the parent's incident (`joined_incident`) and a
  `monitor.joined` event (internal: no channel or rule is ever routed it) is committed instead;
- the incident consumer adds the child to that incident's `affected_monitor_ids` and timeline
  (`dependency_notes`, kept apart so the check worker reaches no incident table);
- the child's own recovery while joined is suppressed too (`monitor.left` notes it);
- once no parent is Down, the child's next failing result releases it: its
  deferred `monitor.down` is emitted then (the outage's id, so its incident starts when the
  child went down). Not at the parent's recovery itself: the child's state then is as old as
  its last check, and a host coming back would page for every site it had taken down.

A Down parent in maintenance has no incident: its children are judged on their own.
"""
from __future__ import annotations

import json
from dataclasses import replace

from chalicelib.bus import event_topic, events
from chalicelib.monitors.dependencies import parents_of
from chalicelib.kernel.ids import outage_incident_id
from chalicelib.status.state_machine import MonitorState, Observation, Transition
from chalicelib.storage import monitor_states as states
from chalicelib.kernel.vocabulary import Event

JOINED, LEFT = event_topic.JOINED, event_topic.LEFT   # internal events (never webhooks)


# --- evaluation -------------------------------------------------------------------------------

def parent_outage(monitor) -> str | None:
    """The incident of a Down parent this monitor's Down joins (the root one, when the parent
    itself joined a grandparent's), or None. One consistent GetItem per parent."""
    for parent_id in parents_of(monitor):
        state = MonitorState.from_dict(json.loads(
            states.load_state(monitor.account_id, parent_id).state_json or "{}"))
        if state.status == "Down" and not state.down_suppressed and state.down_since_slot:
            return state.joined_incident or outage_incident_id(parent_id, state.down_since_slot)
    return None


def fold(monitor, before: MonitorState, after: MonitorState, transitions: list[Transition],
         obs: Observation) -> tuple[list[Transition], list[tuple[str, str, str]]]:
    """Route the transitions of one evaluation through the monitor's parents; mutates `after`.
    Returns the transitions (a joined Down or Up suppressed, a released Down added) and the
    notes to emit as (event type, incident id, message)."""
    notes: list[tuple[str, str, str]] = []
    kinds = {t.event for t in transitions if not t.suppressed}
    if Event.MONITOR_DOWN in kinds and parents_of(monitor):
        incident = parent_outage(monitor)
        if incident:
            after.joined_incident = incident
            transitions = _suppress(transitions, Event.MONITOR_DOWN)
            notes.append((JOINED, incident, f"{monitor.name} is also down: "
                                            f"{after.cause or 'check failed'}"))
    elif before.joined_incident and after.status != "Down":
        after.joined_incident = None
        transitions = _suppress(transitions, Event.MONITOR_UP)
        notes.append((LEFT, before.joined_incident, f"{monitor.name} is up again."))
    elif after.joined_incident and after.status == "Down":
        # Still failing: is the outage we joined still the parents'? (GetItems of their state,
        # only while joined.) Gone: alert as any monitor; another one: join that one.
        current = parent_outage(monitor)
        if current is None:
            after.joined_incident = None
            transitions = transitions + [released_down(after)]
        elif current != after.joined_incident:
            after.joined_incident = current
            notes.append((JOINED, current, f"{monitor.name} is also down: "
                                           f"{after.cause or 'check failed'}"))
    return transitions, notes


def released_down(state: MonitorState) -> Transition:
    return Transition(Event.MONITOR_DOWN, state.cause or "check failed")


def _suppress(transitions: list[Transition], event: str) -> list[Transition]:
    return [replace(t, suppressed=True) if t.event == event else t for t in transitions]


def note_event(monitor, kind: str, incident_id: str, message: str, obs: Observation):
    """The stored event of a join or a leave; its id derives from the outage and the slot."""
    event_id = events.event_id_for(monitor.monitor_id, kind, obs.slot, incident_id)
    return events.build(event_id, monitor.account_id, kind, {
        "monitor": events.monitor_ref(monitor), "incidentId": incident_id,
        "alert": {"type": kind, "message": message}, "slot": obs.slot})
