"""Incidents: opened and resolved for a monitor by the evaluator, or by hand through the API;
acknowledged, resolved and annotated with timeline entries; and their figures over a range.

Each state change is one DynamoDB transaction holding the incident write, its timeline entry
and its event (the outbox, see `chalicelib.storage.events`): the three exist together or not at
all, and the event is published after the commit (the sweeper republishes it if we crash in
between). Incident ids are chosen by the caller and the ids of the `started`, `acknowledged`
and `resolved` entries and of the events derive from the incident's, so a retry writes nothing
twice.

The figures (count, MTTA, MTTR, downtime) are computed by `chalicelib.incidents.stats`.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Callable, Iterable


from chalicelib.incidents import dependencies as dependency_incidents
from chalicelib.bus import events
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import ConflictError, InvalidReferenceError, NotFoundError
from chalicelib.kernel.ids import new_id
from chalicelib.incidents.stats import Span, per_monitor, summarise
from chalicelib.incidents.models import IncidentCreate
from chalicelib.kernel.runtime import runtime
from chalicelib.storage import incidents as store
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage.events import EventItem
from chalicelib.storage.incidents import IncidentItem, IncidentUpdateItem, public_status
from chalicelib.storage.transactions import TransactionFailed, transaction
from chalicelib.kernel.vocabulary import Event

_NEW = IncidentItem.incident_id.does_not_exist()
_NEW_ENTRY = IncidentUpdateItem.entry_key.does_not_exist()
_NEW_EVENT = EventItem.event_id.does_not_exist()


# --- opening and resolving -------------------------------------------------------------------

def open_for_monitor(account_id: str, monitor_id: str, monitor_name: str, incident_id: str,
                     cause: str, started_at: datetime) -> IncidentItem:
    """Open the automatic incident `incident_id` of a monitor, with its `started` entry and its
    `incident.created` event. A retry (the id exists) writes nothing and returns the stored one."""
    item = IncidentItem(account_id, incident_id, monitor_id=monitor_id, monitor_name=monitor_name,
                        title=f"{monitor_name} is down: {cause}", cause=cause, status="Open",
                        automatic=True, started_at=started_at, open_account_id=account_id)
    # The title names the cause (hosts, errors): an internal note, never on the status page.
    entry = _entry(item, "started", item.title, started_at,
                   derived_entry_id(incident_id, "started"), public=False)
    return _insert(item, entry, _monitor_ref(item))


def create_manual(account_id: str, body: IncidentCreate, by: str | None, at: datetime,
                  incident_id: str | None = None) -> IncidentItem:
    """Open an incident by hand, optionally about one of the account's monitors (else 400
    INVALID_REFERENCE); `body.message` and `body.status` make its first timeline entry."""
    monitor = None
    if body.monitor_id is not None:
        monitor = monitor_store.get_monitor(account_id, body.monitor_id)
        if monitor is None:
            raise InvalidReferenceError.for_field("monitorId",
                                                  f"monitor {body.monitor_id} does not exist")
    incident_id = incident_id or new_id("inc")
    item = IncidentItem(account_id, incident_id, title=body.title, status="Open", automatic=False,
                        severity=body.severity, started_at=at, open_account_id=account_id,
                        monitor_id=monitor.monitor_id if monitor else None,
                        monitor_name=monitor.name if monitor else None,
                        public_status=body.status)
    entry = _entry(item, "started", body.message or "Incident opened.", at,
                   derived_entry_id(incident_id, "started"), author=by, status=body.status,
                   public=True)
    return _insert(item, entry, events.monitor_ref(monitor) if monitor else None)


def _insert(item: IncidentItem, entry: IncidentUpdateItem, monitor: dict | None) -> IncidentItem:
    event = _event(item, Event.INCIDENT_CREATED, monitor)
    try:
        with transaction() as tx:
            tx.save(item, condition=_NEW)
            tx.save(entry, condition=_NEW_ENTRY)
            tx.save(event, condition=_NEW_EVENT)
    except TransactionFailed:
        existing = store.get_incident(item.account_id, item.incident_id)
        if existing is None:
            raise
        return existing
    events.publish(event)
    return item


def resolve_for_monitor(account_id: str, monitor_id: str, resolved_at: datetime,
                        message: str) -> IncidentItem | None:
    """Resolve the monitor's open automatic incident, with a `resolved` entry and an
    `incident.resolved` event; None (and nothing written) if none is open."""
    resolved = None
    for item in store.query_open_automatic(account_id, monitor_id):
        try:
            resolved = _resolve(item, None, resolved_at, message, public=False)
        except (ConflictError, NotFoundError):  # resolved or deleted meanwhile: nothing to do
            continue
    return resolved


def acknowledge(account_id: str, incident_id: str, by: str | None, at: datetime) -> IncidentItem:
    """Mark an open incident acknowledged by `by` (an API key's name); 409 if it is already
    acknowledged or resolved."""
    item = require_incident(account_id, incident_id)
    _refuse_unless_open(item)
    item.status, item.acknowledged_at, item.acknowledged_by = "Acknowledged", at, by
    entry = _entry(item, "acknowledged", f"Acknowledged by {by or 'Enori'}.", at,
                   derived_entry_id(incident_id, "acknowledged"), author=by, public=False)
    actions = [IncidentItem.status.set("Acknowledged"), IncidentItem.acknowledged_at.set(at)]
    if by is not None:
        actions.append(IncidentItem.acknowledged_by.set(by))
    # Internal: escalation stops on it; webhooks only carry `events.PUBLIC_EVENTS`.
    _change(item, actions, IncidentItem.status == "Open", _refuse_unless_open, entry,
            Event.INCIDENT_ACKNOWLEDGED)
    return item


def resolve(account_id: str, incident_id: str, by: str | None, at: datetime,
            message: str | None = None, public: bool = True) -> IncidentItem:
    """Resolve an incident (open or acknowledged); 409 if it is already resolved. A `message`
    reaches the status page unless `public` is false; without one, the default text (it names
    the key) stays internal."""
    item = require_incident(account_id, incident_id)
    _refuse_if_resolved(item)
    return _resolve(item, by, at, message or f"Resolved by {by or 'Enori'}.",
                    public=public and message is not None)


def _resolve(item: IncidentItem, by: str | None, at: datetime, message: str,
             public: bool) -> IncidentItem:
    item.status, item.resolved_at, item.resolved_by, item.open_account_id = "Resolved", at, by, None
    entry = _entry(item, "resolved", message, at, derived_entry_id(item.incident_id, "resolved"),
                   author=by, status="Resolved", public=public)
    actions = [IncidentItem.status.set("Resolved"), IncidentItem.resolved_at.set(at),
               IncidentItem.open_account_id.remove()]
    if by is not None:
        actions.append(IncidentItem.resolved_by.set(by))
    _change(item, actions, IncidentItem.status.is_in("Open", "Acknowledged"),
            _refuse_if_resolved, entry, Event.INCIDENT_RESOLVED)
    return item


def _change(item: IncidentItem, actions: list, status_condition,
            refuse: Callable[[IncidentItem], None], entry: IncidentUpdateItem,
            event_type: str) -> None:
    """Update an existing incident on a status precondition, with its entry and event. If the
    transaction is cancelled, `refuse(current)` raises the 409 that explains it."""
    event = _event(item, event_type, _monitor_ref(item))
    try:
        with transaction() as tx:
            tx.save(entry, condition=_NEW_ENTRY)
            tx.save(event, condition=_NEW_EVENT)
            tx.update(item, actions=actions,
                      condition=IncidentItem.incident_id.exists() & status_condition)
    except TransactionFailed:
        current = store.get_incident(item.account_id, item.incident_id)
        if current is None:
            raise NotFoundError(f"Incident {item.incident_id} not found.")
        refuse(current)
        raise
    events.publish(event)


def _refuse_if_resolved(item: IncidentItem) -> None:
    if item.is_resolved:
        raise ConflictError(f"Incident {item.incident_id} is already resolved.")


def _refuse_unless_open(item: IncidentItem) -> None:
    _refuse_if_resolved(item)
    if item.status == "Acknowledged":
        raise ConflictError(f"Incident {item.incident_id} is already acknowledged"
                            f" (by {item.acknowledged_by or 'Enori'}).")


# --- timeline --------------------------------------------------------------------------------

def post_update(account_id: str, incident_id: str, message: str, at: datetime,
                author: str | None, status: str | None = None, public: bool = True) -> dict:
    """A human update (`POST /api/incidents/{id}/updates`): its status moves the incident
    there, and `Resolved` resolves it through `resolve` (one `resolved` entry, one
    `incident.resolved` event, whichever way it is resolved); the entry made."""
    if status != "Resolved":
        return add_timeline(account_id, incident_id, "update", message, at, author=author,
                            status=status, public=public)
    item = resolve(account_id, incident_id, author, at, message, public)
    return entry_json(next(e for e in reversed(timeline_of(item)) if e.kind == "resolved"))


def add_timeline(account_id: str, incident_id: str, kind: str, message: str, at: datetime,
                 author: str | None = None, entry_id: str | None = None,
                 status: str | None = None, public: bool = False) -> dict:
    """Add an entry to an incident's timeline (404 if the account has no such incident); a
    `status` (not Resolved: see `post_update`) becomes the incident's public status, which a
    resolved incident refuses (409). Idempotent for a given `entry_id` and `at`: a retry
    returns the stored entry."""
    entry_id = entry_id or new_id("upd")
    entry = IncidentUpdateItem(incident_id, store.entry_key(at, entry_id), entry_id=entry_id,
                               account_id=account_id, kind=kind, message=message, status=status,
                               author=author, at=at, public=public)
    try:
        with transaction() as tx:
            if status is None:
                tx.condition_check(IncidentItem, account_id, incident_id,
                                   condition=IncidentItem.incident_id.exists())
            else:
                tx.update(IncidentItem(account_id, incident_id),
                          actions=[IncidentItem.public_status.set(status)],
                          condition=IncidentItem.incident_id.exists()
                          & IncidentItem.status.is_in("Open", "Acknowledged"))
            tx.save(entry, condition=_NEW_ENTRY)
    except TransactionFailed:
        current = store.get_incident(account_id, incident_id)
        if current is None:
            raise NotFoundError(f"Incident {incident_id} not found.")
        existing = store.get_entry(incident_id, entry.entry_key)
        if existing is not None:
            return entry_json(existing)
        _refuse_if_resolved(current)
        raise
    if kind == "update":  # internal event: status page subscribers hear of updates
        events.emit(events.event_id_for(incident_id, entry_id), account_id, Event.INCIDENT_UPDATED,
                    {"incident": {"id": incident_id}, "update": entry_json(entry)})
    return entry_json(entry)


def derived_entry_id(incident_id: str, kind: str) -> str:
    """The id of an entry an incident has at most once (started, acknowledged, resolved)."""
    return "upd_" + hashlib.sha256(f"{incident_id}|{kind}".encode()).hexdigest()[:16]


def _entry(item: IncidentItem, kind: str, message: str, at: datetime, entry_id: str,
           author: str | None = None, status: str | None = None,
           public: bool = False) -> IncidentUpdateItem:
    return IncidentUpdateItem(item.incident_id, store.entry_key(at, entry_id), entry_id=entry_id,
                              account_id=item.account_id, kind=kind, message=message,
                              status=status, author=author, at=at, public=public)


def _event(item: IncidentItem, type_: str, monitor: dict | None) -> EventItem:
    event_id = events.event_id_for(item.incident_id, type_.split(".", 1)[1])
    return events.build(event_id, item.account_id, type_,
                        {"incident": incident_json(item), "monitor": monitor})


def _monitor_ref(item: IncidentItem) -> dict | None:
    """The incident's monitor as `monitor.*` events carry it (url and type included, so an
    `incident.*` webhook is as complete); id and name alone if the monitor is gone."""
    if not item.monitor_id:
        return None
    monitor = monitor_store.get_monitor(item.account_id, item.monitor_id)
    if monitor is None:
        return {"id": item.monitor_id, "name": item.monitor_name, "url": None, "type": None}
    return events.monitor_ref(monitor)


# --- reads -----------------------------------------------------------------------------------

def require_incident(account_id: str, incident_id: str) -> IncidentItem:
    item = store.get_incident(account_id, incident_id)
    if item is None:
        raise NotFoundError(f"Incident {incident_id} not found.")
    return item


def timeline_of(item: IncidentItem) -> list[IncidentUpdateItem]:
    """The incident's timeline, oldest first."""
    return store.timeline(item.incident_id)


def recent(account_id: str, limit: int) -> list[IncidentItem]:
    return store.query_account(account_id, newest_first=True, limit=limit)


def active(account_id: str) -> list[IncidentItem]:
    """The account's incidents that are not resolved, newest first."""
    return sorted(store.query_open(account_id), key=lambda i: (i.started_at, i.incident_id),
                  reverse=True)


def incident_json(item: IncidentItem, timeline: Iterable[IncidentUpdateItem] | None = None,
                  now: datetime | None = None) -> dict:
    """The wire shape; `durationSeconds` runs to `now` (the runtime clock's) while not resolved."""
    end = item.resolved_at or now or runtime.clock.now()
    body = {
        "id": item.incident_id,
        "monitorId": item.monitor_id,
        "monitorName": item.monitor_name,
        "title": item.title,
        "cause": item.cause,
        "status": item.status,
        "publicStatus": public_status(item),
        "automatic": bool(item.automatic),
        "severity": item.severity,
        "startedAt": iso(item.started_at),
        "acknowledgedAt": iso(item.acknowledged_at),
        "acknowledgedBy": item.acknowledged_by,
        "resolvedAt": iso(item.resolved_at),
        "resolvedBy": item.resolved_by,
        "durationSeconds": max(0, int((end - item.started_at).total_seconds())),
        "alsoAffected": dependency_incidents.also_affected(item),
    }
    if timeline is not None:
        body["timeline"] = [entry_json(e) for e in timeline]
    return body


def entry_json(entry: IncidentUpdateItem) -> dict:
    return {"id": entry.entry_id, "kind": entry.kind, "message": entry.message,
            "status": entry.status, "author": entry.author, "at": iso(entry.at),
            "public": entry.is_public}


# --- figures ---------------------------------------------------------------------------------

def stats(account_id: str, start: datetime, end: datetime, now: datetime) -> dict:
    """Counts, MTTA, MTTR and downtime of the account's incidents overlapping [start, end]."""
    return summarise(_spans(store.query_account(account_id, end=end)), start, end, now)


def by_monitor(account_id: str, start: datetime, end: datetime, now: datetime) -> list[dict]:
    return per_monitor(_spans(store.query_account(account_id, end=end)), start, end, now)


def downtime_for_monitor(account_id: str, monitor_id: str, start: datetime, end: datetime,
                         now: datetime) -> tuple[int, int]:
    """(downtime seconds within [start, end], incidents overlapping it) of one monitor."""
    return _monitor_totals(monitor_id, start, end, now, account_id)


def _monitor_totals(monitor_id: str, start: datetime, end: datetime, now: datetime,
                    account_id: str | None = None) -> tuple[int, int]:
    items = [i for i in store.query_monitor(monitor_id, end=end)
             if account_id is None or i.account_id == account_id]
    figures = summarise(_spans(items), start, end, now)
    return figures["downtimeSeconds"], figures["count"]


def incident_totals(monitor_id: str, start: datetime, end: datetime) -> tuple[int, int]:
    # For `GET /api/monitors/{id}/stats` (`results.stats_for`), which has checked the monitor's
    # account.
    return _monitor_totals(monitor_id, start, end, runtime.clock.now())


def _spans(items: Iterable[IncidentItem]) -> list[Span]:
    return [Span(i.started_at, i.acknowledged_at, i.resolved_at, i.monitor_id, i.monitor_name)
            for i in items]
