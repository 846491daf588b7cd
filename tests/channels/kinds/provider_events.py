"""The eight events every provider channel is snapshotted with, shaped like the stored events of
the evaluator (monitor.*) and incidents.py (incident.*): the conftest's three (the `events`
fixture) and five more made from them."""
from __future__ import annotations

EVENT_NAMES = ("monitor.down", "monitor.up", "monitor.degraded", "monitor.ssl_expiring",
               "incident.created", "incident.updated", "incident.acknowledged",
               "incident.resolved", "monitor.not_checked")


def all_events(events: dict[str, dict]) -> dict[str, dict]:
    """Every event of EVENT_NAMES, from the conftest's `events` fixture."""
    monitor = events["monitor.down"]["monitor"]
    incident = events["incident.created"]["incident"]
    degraded = {
        "id": "evt_deg_1", "event": "monitor.degraded", "accountId": "acc_1", "monitor": monitor,
        "alert": {"type": "P95", "message": "p95 response time 2300 ms over 1000 ms",
                  "timestamp": "2026-03-24T14:35:00Z", "responseTimeMs": 2300},
    }
    ssl_expiring = {
        "id": "evt_ssl_1", "event": "monitor.ssl_expiring", "accountId": "acc_1", "monitor": monitor,
        "alert": {"type": "SslExpiring", "message": "Certificate expires in 7 days (2026-03-31)",
                  "timestamp": "2026-03-24T06:00:00Z", "responseTimeMs": None},
    }
    incident_updated = {
        "id": "evt_inc_2", "event": "incident.updated", "accountId": "acc_1", "monitor": monitor,
        "incident": {**incident, "status": "Investigating"},
        "update": {"id": "upd_1", "kind": "update", "message": "Rolling back the deploy",
                   "at": "2026-03-24T14:38:00Z", "public": True},
    }
    incident_acknowledged = {
        "id": "evt_inc_3", "event": "incident.acknowledged", "accountId": "acc_1", "monitor": monitor,
        "incident": {**incident, "status": "Acknowledged", "acknowledgedAt": "2026-03-24T14:33:00Z",
                     "acknowledgedBy": "ops@example.com"},
    }
    incident_resolved = {
        "id": "evt_inc_4", "event": "incident.resolved", "accountId": "acc_1", "monitor": monitor,
        "incident": {**incident, "status": "Resolved", "acknowledgedAt": "2026-03-24T14:33:00Z",
                     "resolvedAt": "2026-03-24T14:45:00Z", "durationSeconds": 900},
    }
    not_checked = {
        "id": "evt_nc_1", "event": "monitor.not_checked", "accountId": "acc_1", "monitor": monitor,
        "alert": {"type": "NotChecked",
                  "message": "not checked for 2 intervals: EuWest reported nothing; deciding "
                             "with 1 of 2 regions",
                  "timestamp": "2026-03-24T14:40:00Z", "responseTimeMs": None},
    }
    return {**events, "monitor.not_checked": not_checked, "monitor.degraded": degraded, "monitor.ssl_expiring": ssl_expiring,
            "incident.updated": incident_updated,
            "incident.acknowledged": incident_acknowledged,
            "incident.resolved": incident_resolved}
