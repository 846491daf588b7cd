"""Incidents and their timelines.

Access patterns (never a Scan):
- get one incident of an account: GetItem(account_id, incident_id) — another account's id is
  simply not found, which is the tenant wall
- an account's incidents in time order (lists, recent, stats): Query on the local index
  `by_started` (account_id, started_at); an LSI so a list read right after a write sees it
- a monitor's incidents (per-monitor figures, cascade delete): Query on the index `by_monitor`
  (monitor_id, started_at); manual incidents without a monitor are not in it
- an account's open incidents (`/active`, the open automatic incident of a monitor): Query on
  the sparse index `open` (open_account_id, started_at); `open_account_id` is set only while an
  incident is not resolved, so resolved incidents cost the index nothing
- an incident's timeline, oldest first: Query(incident_id) on the updates table, whose range key
  starts with the zero-padded epoch milliseconds of the entry

Every write is conditional: creates on the key not existing (ids are chosen by the caller, so a
retry cannot duplicate), changes on the incident existing and being in the expected status.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from pynamodb.attributes import (BooleanAttribute, UnicodeAttribute, UnicodeSetAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import get_or_none, table_meta

STATUSES = ("Open", "Acknowledged", "Resolved")
UPDATE_STATUSES = ("Investigating", "Identified", "Monitoring", "Resolved")
# The statuses of an incident that is not resolved, as the public page words them.
OPEN_UPDATE_STATUSES = UPDATE_STATUSES[:-1]
# What `GET /api/incidents?status=` takes: either vocabulary.
FILTER_STATUSES = STATUSES + OPEN_UPDATE_STATUSES


class ByStartedIndex(LocalSecondaryIndex):
    class Meta:
        index_name = "by_started"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    started_at = UTCDateTimeAttribute(range_key=True)


class ByMonitorIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_monitor"
        projection = AllProjection()

    monitor_id = UnicodeAttribute(hash_key=True)
    started_at = UTCDateTimeAttribute(range_key=True)


class OpenIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "open"
        projection = AllProjection()

    open_account_id = UnicodeAttribute(hash_key=True)
    started_at = UTCDateTimeAttribute(range_key=True)


class IncidentItem(Model):
    Meta = table_meta("incidents")

    account_id = UnicodeAttribute(hash_key=True)
    incident_id = UnicodeAttribute(range_key=True)
    monitor_id = UnicodeAttribute(null=True)        # None for a manual incident
    monitor_name = UnicodeAttribute(null=True)
    title = UnicodeAttribute()
    cause = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="Open")
    automatic = BooleanAttribute(default=False)
    severity = UnicodeAttribute(null=True)
    started_at = UTCDateTimeAttribute()
    acknowledged_at = UTCDateTimeAttribute(null=True)
    acknowledged_by = UnicodeAttribute(null=True)    # the API key's name
    resolved_at = UTCDateTimeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)
    open_account_id = UnicodeAttribute(null=True)    # = account_id while not resolved (sparse)
    # The last status an update gave (Investigating, Identified, Monitoring): what the public
    # page shows while the incident is not resolved. None before any.
    public_status = UnicodeAttribute(null=True)
    # Dependent monitors whose Down joined this outage (`chalicelib.status.dependencies`): added with
    # an atomic ADD, so children going down together never lose one another.
    affected_monitor_ids = UnicodeSetAttribute(null=True)

    by_started = ByStartedIndex()
    by_monitor = ByMonitorIndex()
    open = OpenIndex()

    @property
    def is_resolved(self) -> bool:
        return self.status == "Resolved"


class IncidentUpdateItem(Model):
    """One timeline entry: started, region, update, acknowledged, resolved, escalated ..."""
    Meta = table_meta("incident-updates")

    incident_id = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)     # f"{at_epoch_ms:015d}#{entry_id}"
    entry_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    message = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)             # status-page style: Investigating ...
    author = UnicodeAttribute(null=True)
    at = UTCDateTimeAttribute()
    # Whether the message may reach the status page and its subscribers: human updates by
    # default, never automatic notes (they can name hosts and errors). None: written before
    # the flag, when only `update` entries were shown as written.
    public = BooleanAttribute(null=True)

    @property
    def is_public(self) -> bool:
        return self.public if self.public is not None else self.kind == "update"


def entry_key(at: datetime, entry_id: str) -> str:
    return f"{int(at.timestamp() * 1000):015d}#{entry_id}"


def get_incident(account_id: str, incident_id: str) -> IncidentItem | None:
    return get_or_none(IncidentItem, account_id, incident_id)


def get_entry(incident_id: str, key: str) -> IncidentUpdateItem | None:
    return get_or_none(IncidentUpdateItem, incident_id, key)


def query_account(account_id: str, start: datetime | None = None, end: datetime | None = None,
                  newest_first: bool = True, limit: int | None = None) -> list[IncidentItem]:
    """An account's incidents started within [start, end] (either end open), by start time."""
    return list(IncidentItem.by_started.query(
        account_id, _started_between(start, end), scan_index_forward=not newest_first,
        limit=limit, consistent_read=True))


def query_monitor(monitor_id: str, start: datetime | None = None,
                  end: datetime | None = None) -> list[IncidentItem]:
    """A monitor's incidents started within [start, end], oldest first (any account: callers
    filter by account where a tenant is involved)."""
    return list(IncidentItem.by_monitor.query(monitor_id, _started_between(start, end)))


def list_incidents(account_id: str, monitor_id: str | None = None, status: str | None = None,
                   start: datetime | None = None, end: datetime | None = None
                   ) -> list[IncidentItem]:
    """The account's incidents started within [start, end], newest first."""
    if monitor_id is not None:
        items = [i for i in query_monitor(monitor_id, start, end)
                 if i.account_id == account_id]
    else:
        items = query_account(account_id, start, end)
    items = [i for i in items if status is None or status in (i.status, public_status(i))]
    return sorted(items, key=lambda i: (i.started_at, i.incident_id), reverse=True)


def public_status(item: IncidentItem, timeline: Iterable[IncidentUpdateItem] = ()) -> str:
    """The incident's status as the public page shows it: Resolved once resolved, else the last
    status an update gave (read from `timeline` for incidents stored before it was kept on the
    incident), Investigating before any."""
    if item.is_resolved:
        return "Resolved"
    if item.public_status:
        return item.public_status
    given = [e.status for e in timeline if e.status and e.status != "Resolved"]
    return given[-1] if given else "Investigating"


def query_open(account_id: str) -> list[IncidentItem]:
    """An account's incidents that are not resolved, oldest first."""
    return list(IncidentItem.open.query(account_id))


def query_open_automatic(account_id: str, monitor_id: str) -> list[IncidentItem]:
    """The monitor's open automatic incidents (normally at most one)."""
    return list(IncidentItem.open.query(
        account_id, filter_condition=(IncidentItem.monitor_id == monitor_id)
        & (IncidentItem.automatic == True)))  # noqa: E712 (a condition, not a comparison)


def timeline(incident_id: str) -> list[IncidentUpdateItem]:
    """An incident's entries, oldest first."""
    return list(IncidentUpdateItem.query(incident_id, consistent_read=True))


def delete_incidents(incidents: list[IncidentItem]) -> int:
    """Delete incidents and every entry of their timelines (Query + batch deletes); the number
    of items deleted."""
    deleted = 0
    with IncidentUpdateItem.batch_write() as batch:
        for incident in incidents:
            for entry in IncidentUpdateItem.query(incident.incident_id,
                                                  attributes_to_get=["incident_id", "entry_key"]):
                batch.delete(entry)
                deleted += 1
    with IncidentItem.batch_write() as batch:
        for incident in incidents:
            batch.delete(incident)
            deleted += 1
    return deleted


def delete_monitor_incidents(account_id: str, monitor_id: str) -> int:
    """Cascade of a monitor delete: its incidents and their timelines go too."""
    return delete_incidents([i for i in query_monitor(monitor_id) if i.account_id == account_id])


def _started_between(start: datetime | None, end: datetime | None):
    if start is not None and end is not None:
        return IncidentItem.started_at.between(start, end)
    if start is not None:
        return IncidentItem.started_at >= start
    if end is not None:
        return IncidentItem.started_at <= end
    return None
