"""The incident consumer's side of monitor dependencies (`chalicelib.status.dependencies`): a
dependent's join is put on the parent's incident (`affected_monitor_ids`, shown as "also
affected") with a timeline entry; its leave adds the entry only."""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.incidents import service as incidents
from chalicelib.bus.event_topic import JOINED
from chalicelib.storage import incidents as incident_store
from chalicelib.storage.incidents import IncidentItem


def record_note(event: dict) -> None:
    """Incident consumer: put a joined child on the parent's incident (atomic set ADD) with a
    timeline entry; a leave adds the entry only. Raises while the incident is not written yet
    (the consumers run in any order), which leaves the event pending for a redelivery."""
    account_id, incident_id = event["accountId"], event["incidentId"]
    monitor = event["monitor"]
    if incident_store.get_incident(account_id, incident_id) is None:
        raise LookupError(f"incident {incident_id} is not written yet")
    if event["event"] == JOINED:
        IncidentItem(account_id, incident_id).update(
            actions=[IncidentItem.affected_monitor_ids.add({monitor["id"]})],
            condition=IncidentItem.incident_id.exists())
    at = datetime.fromtimestamp(event["slot"], timezone.utc)
    incidents.add_timeline(account_id, incident_id, "affected", event["alert"]["message"], at,
                           entry_id=event["id"])
