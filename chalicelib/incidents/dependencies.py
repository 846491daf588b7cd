"""Monitor dependencies as incidents show them (`chalicelib.status.dependencies` has the evaluator's
side, `dependency_notes` the incident consumer's): the dependents that joined an outage, which
the API and status pages show as "also affected". Reads only."""
from __future__ import annotations

from chalicelib.storage import monitors as monitor_store
from chalicelib.storage.incidents import IncidentItem


def also_affected(item: IncidentItem) -> list[dict]:
    """The incident's dependent monitors as the API shows them: id, name and current status
    (a GetItem each, only for an incident that has any)."""
    shown = []
    for monitor_id in sorted(item.affected_monitor_ids or ()):
        monitor = monitor_store.get_monitor(item.account_id, monitor_id)
        shown.append({"id": monitor_id, "name": monitor.name if monitor else None,
                      "status": monitor.status if monitor else None})
    return shown


def affected_names(item: IncidentItem, names: dict[str, str]) -> list[str]:
    """The names, as a status page shows them (`names`: its monitors), of the page's monitors
    that joined the incident; no read."""
    return [names[m] for m in sorted(item.affected_monitor_ids or ()) if m in names]
