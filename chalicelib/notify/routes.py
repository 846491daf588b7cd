"""/api/alerts (alert records with the spec's filters) and test alerts for a channel."""
from __future__ import annotations

from datetime import datetime

from chalice import Blueprint

from chalicelib.notify import delivery
from chalicelib.status import evaluator
from chalicelib.http.contract import FROM, MONITOR_ID, NO_BODY, PAGING, TO, query
from chalicelib.http.endpoint import Call, endpoint, page
from chalicelib.notify.representations import AlertRecord, AlertRecordList
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import NotFoundError, ValidationError
from chalicelib.bus.event_topic import PUBLIC_EVENTS
from chalicelib.storage import alert_records as records
from chalicelib.storage import channels as channel_store

bp = Blueprint(__name__)
STATUSES = ("Pending", "Retrying", "Delivered", "Failed")
# `type` is a record's alert type (an incident event's record has the event as its type) or its
# event: what `delivery.new_record` stores.
ALERT_TYPES = (*evaluator.ALERT_TYPES.values(), delivery.TEST_ALERT_TYPE)
EVENTS = tuple(dict.fromkeys((*evaluator.ALERT_TYPES, *PUBLIC_EVENTS)))


def _epoch_iso(epoch) -> str | None:
    from datetime import timezone

    return iso(datetime.fromtimestamp(float(epoch), timezone.utc)) if epoch is not None else None


def record_json(item) -> dict:
    return {
        "id": item.alert_id, "eventId": item.event_id, "event": item.event_type,
        "type": item.alert_type, "channelId": item.channel_id, "channelType": item.channel_type,
        "monitorId": item.monitor_id, "incidentId": item.incident_id, "status": item.status,
        "attempts": int(item.attempts or 0), "lastError": item.last_error,
        "responseCode": int(item.response_code) if item.response_code is not None else None,
        "permanentFailure": bool(item.permanent_failure), "test": bool(item.test),
        "escalationLevel": item.escalation_level,
        "createdAt": _epoch_iso(item.created_at), "deliveredAt": _epoch_iso(item.delivered_at),
        "nextAttemptAt": _epoch_iso(item.next_attempt_at),
        "history": [{"at": _epoch_iso(h.at), "statusCode": h.status_code, "error": h.error,
                     "ok": h.ok} for h in (item.history or [])],
    }


@endpoint(bp, "/api/alerts", "GET", scope="alerts:read", query=[
    MONITOR_ID,
    query("status", {"type": "string", "enum": list(STATUSES)}, "Filter by delivery status"),
    query("type", {"type": "string"}, "Alert type (Down, Recovered, P95, ...) or event"),
    FROM, TO, *PAGING], returns=AlertRecordList)
def list_alerts(call: Call):
    limit, offset = call.paging()
    status = call.query("status")
    if status is not None:
        status = {s.lower(): s for s in STATUSES}.get(status.lower()) or \
            _bad("status", "must be one of " + ", ".join(STATUSES))
    monitor_id, kind = call.id_query("monitorId", "mon", "monitor"), _type(call.query("type"))
    start, end = call.time("from"), call.time("to")
    if start is not None and end is not None and start > end:
        _bad("from", "must not be after `to`")  # DynamoDB refuses an inverted BETWEEN: a 500
    items = [r for r in records.list_records(call.account_id, _epoch(start), _epoch(end))
             if (status is None or r.status == status)
             and (monitor_id is None or r.monitor_id == monitor_id)
             and (kind is None or kind in (r.alert_type, r.event_type))]
    return page([record_json(r) for r in items], limit, offset)


def _type(raw: str | None) -> str | None:
    """The canonical spelling of a `type` filter (any case), or a 400 listing the choices."""
    if raw is None:
        return None
    canonical = {t.lower(): t for t in (*ALERT_TYPES, *EVENTS)}.get(raw.lower())
    if canonical is None:
        _bad("type", f"must be an alert type ({', '.join(ALERT_TYPES)}) "
                     f"or an event ({', '.join(EVENTS)})")
    return canonical


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _bad(field: str, message: str):
    raise ValidationError.for_field(field, message)


@endpoint(bp, "/api/alert-channels/{channel_id}/test", "POST", scope="alerts:write",
          rate="test_alert", body=NO_BODY, returns=AlertRecord)
def test_channel(call: Call, channel_id: str):
    channel = channel_store.get_channel(call.account_id, channel_id)
    if channel is None:
        raise NotFoundError(f"Alert channel {channel_id} not found.")
    record = delivery.send_test(channel)
    return record_json(record)
