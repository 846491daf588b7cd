"""Alert delivery: from an event to an alert record per channel, attempts, and retries.

Each (event, channel) pair gets one record (its id derived from both), so duplicates of an event
send nothing new. Every attempt is claimed first (a conditional update on the attempt count),
then sent, then finished. A failed attempt schedules the next on the retry queue (30 s, 5 min,
30 min by default; SQS delays stop at 900 s, so longer waits are chained) and on the record
itself, where the sweeper finds it if the queue lost it (e.g. a restart of the local stack).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass

from chalicelib.rules import routing as alert_routing
from chalicelib.channels import family as alerting
from chalicelib.channels import failures as channel_failures
from chalicelib.bus import event_topic
from chalicelib.accounts import team_targets
from chalicelib.channels.kinds.base import TIMEOUT_SECONDS, DeliveryError, SendContext
from chalicelib.kernel.clock import iso
from chalicelib.kernel.netguard import OutboundGuard, make_http_client
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import ALERT_RETRY_QUEUE, settings
from chalicelib.storage import alert_records as records
from chalicelib.storage import channels as channel_store
from chalicelib.storage import events as event_store
from chalicelib.storage import rules as rule_store
from chalicelib.storage.alert_records import AlertRecordItem
from chalicelib.storage.monitors import get_monitor
from chalicelib.kernel.vocabulary import Event

log = logging.getLogger("enori.delivery")
LEASE_SECONDS = 120
MAX_QUEUE_DELAY = 900
RETENTION_SECONDS = 90 * 86400
TEST_EVENT = "test"               # the event name of `POST /api/alert-channels/{id}/test`
# Each attempt's hard deadline; a module constant so tests can shrink it instead of sleeping.
SEND_TIMEOUT_SECONDS = TIMEOUT_SECONDS
ACKNOWLEDGED = Event.INCIDENT_ACKNOWLEDGED
# Beyond the spec's events: an acknowledgement, for the channels that act on it (PagerDuty,
# Opsgenie), and a channel's permanent failure, for the account's other channels.
DELIVERED_EVENTS = (*event_topic.PUBLIC_EVENTS, ACKNOWLEDGED, channel_failures.CHANNEL_FAILED)
# The events-topic handler that delivers (workers.alerts.deliver_events): a notice delivered here
# acknowledges its part, as that handler would.
DELIVERY_CONSUMER = "deliver_events"


def alert_id_for(event_id: str, channel_id: str) -> str:
    return "alr_" + hashlib.sha256(f"{event_id}|{channel_id}".encode()).hexdigest()[:20]


def retry_delay(attempts_done: int) -> int | None:
    """Seconds until the next attempt after `attempts_done` attempts; None when out of retries."""
    delays = settings.alert_retry_delays
    return delays[attempts_done - 1] if 1 <= attempts_done <= len(delays) else None


def retry_queue_name() -> str:
    return settings.queue_name(ALERT_RETRY_QUEUE)


def route(event: dict) -> list:
    """The enabled channels this event must reach (monitor settings plus alert rules)."""
    account_id = event["accountId"]
    if event["event"] == channel_failures.CHANNEL_FAILED:
        return channel_failures.notice_targets(event)
    monitor_id = (event.get("monitor") or {}).get("id") or (event.get("incident") or {}).get("monitorId")
    monitor = get_monitor(account_id, monitor_id) if monitor_id else None
    if monitor is not None and monitor.paused:
        return []                       # pausing stops alerts too (spec "Pause and Resume")
    rules = [r.as_routing_dict() for r in rule_store.list_rules(account_id)]
    monitor_config = {**monitor.config, "tags": list(monitor.tags or [])} if monitor else None
    if event["event"] == ACKNOWLEDGED:
        wanted = alert_routing.acknowledgement_channels(event, monitor_config, rules)
        return [c for c in channel_store.get_channels(account_id, wanted)
                if c.enabled and c.type in alerting.ACKNOWLEDGING_TYPES]
    wanted = alert_routing.channels_for_event(event, monitor_config, rules)
    return [c for c in channel_store.get_channels(account_id, wanted) if c.enabled]


def new_record(event: dict, channel, now: float, *, test: bool = False,
               escalation_level: int | None = None) -> AlertRecordItem:
    event_id = event["id"] + (f"|esc{escalation_level}" if escalation_level is not None else "")
    alert_id = alert_id_for(event_id, channel.channel_id)
    return AlertRecordItem(
        event["accountId"], alert_id, event_id=event["id"],
        event_type=event["event"], alert_type=(event.get("alert") or {}).get("type") or event["event"],
        channel_id=channel.channel_id, channel_type=channel.type,
        monitor_id=(event.get("monitor") or {}).get("id"),
        incident_id=(event.get("incident") or {}).get("id") or event.get("incidentId"),
        status="Pending", attempts=0,
        created_at=now, event_json=json.dumps(event, separators=(",", ":")), test=test,
        escalation_level=escalation_level, history=[],
        # Due from birth: if the first claim fails (throttled, crashed), a redelivered event
        # finds the record and sends nothing, so only the sweeper can still deliver it.
        due_shard=records.due_shard_of(alert_id), due_at=now,
        expires_at=_epoch_dt(now + RETENTION_SECONDS))


def _epoch_dt(epoch: float):
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, timezone.utc)


def deliver_event(event: dict) -> list[AlertRecordItem]:
    """Create the records for a new event and make their first attempt; returns the new ones.

    An event delivered again (SNS, a redrive, the outbox sweeper) also attempts the records it
    finds never attempted: the first delivery may have died between creating and claiming them.
    The claim decides: an attempt in flight, finished or not yet due is left alone."""
    if event.get("event") not in DELIVERED_EVENTS:
        return []
    now = runtime.clock.time()
    fresh, unattempted = [], []
    for record in (new_record(event, c, now) for c in route(event)):
        if records.create_record(record):
            fresh.append(record)
        else:
            existing = records.get_record(record.account_id, record.alert_id)
            if existing is not None and existing.status in records.UNFINISHED \
                    and not existing.attempts:
                unattempted.append(existing)
    if fresh or unattempted:
        asyncio.run(attempt_all([(r, _channel(r)) for r in fresh + unattempted]))
    return fresh


def _channel(record: AlertRecordItem):
    """The record's target: a stored channel, or a team ("team:<team_id>", an escalation's
    email to a team) as an Email channel; None when it is gone."""
    prefix, colon, _ = record.channel_id.partition(":")
    if colon and prefix == team_targets.TEAM_PREFIX:
        return team_targets.load_team_target(record.account_id, record.channel_id)
    return channel_store.get_channel(record.account_id, record.channel_id)


async def attempt_all(pairs: list[tuple[AlertRecordItem, object]]) -> None:
    guard = OutboundGuard(allow_private=settings.allow_private_targets)
    async with make_http_client(guard, max_connections=max(1, len(pairs))) as client:
        await asyncio.gather(*(attempt(r, c, client, guard) for r, c in pairs))


async def attempt(record: AlertRecordItem, channel, client, guard) -> str:
    """Claim, send and finish one attempt; returns the record's new status."""
    now = runtime.clock.time()
    if not records.claim_attempt(record, now, LEASE_SECONDS):
        return "Skipped"                 # another worker has it, or it is already finished
    if channel is None:
        return _finish(record, now, None, DeliveryError("the alert channel was deleted",
                                                         permanent=True))
    context = SendContext(http_client=client, guard=guard, clock=runtime.clock,
                          attempt=int(record.attempts), delivery_id=record.alert_id,
                          test=bool(record.test), timeout=SEND_TIMEOUT_SECONDS)
    try:
        outcome = await alerting.SENDERS[channel.type](channel.config, record.event, context)
    except DeliveryError as error:
        status = _finish(record, runtime.clock.time(), None, error)
        if error.permanent and not record.test:
            await _mark_and_notify(record, channel, error, client, guard)
        return status
    except Exception as exc:  # a sender bug is a transient failure, retried, and logged
        log.exception("sender %s crashed", channel.type)
        return _finish(record, runtime.clock.time(), None,
                       DeliveryError(f"internal error: {exc}", permanent=False))
    status = _finish(record, runtime.clock.time(), outcome, None)
    _forget_failure(channel)
    return status


async def _mark_and_notify(record: AlertRecordItem, channel, error: DeliveryError, client,
                           guard) -> None:
    """A channel that failed for good is marked; the first failure of a spell is told to the
    account's other channels at once (`channel_failures`). Never fails the delivery."""
    if not isinstance(channel, channel_store.AlertChannelItem):
        return                              # a team's email: no channel to mark
    try:
        failure = channel_failures.failure_json(error.message, error.status_code,
                                                record.alert_id, iso(runtime.clock.now()))
        notice = channel_failures.mark_failed(channel, failure, runtime.clock.now())
        if notice is None:
            return
        now = runtime.clock.time()
        fresh = [(r, c) for r, c in ((new_record(notice, c, now), c) for c in route(notice))
                 if records.create_record(r)]
        await asyncio.gather(*(attempt(r, c, client, guard) for r, c in fresh))
        event_store.acknowledge(notice["id"], DELIVERY_CONSUMER)
    except Exception:  # the outbox still has the notice: the republisher delivers it
        log.exception("could not mark channel %s as failing or tell the others",
                      channel.channel_id)


def _forget_failure(channel) -> None:
    try:
        channel_failures.clear(channel)
    except Exception:  # the mark stays until the next success: harmless
        log.exception("could not clear the failure mark of %s",
                      getattr(channel, "channel_id", channel))


def _finish(record: AlertRecordItem, now: float, outcome, error: DeliveryError | None) -> str:
    if error is None:
        _record_outcome(record, status="Delivered", now=now, status_code=outcome.status_code,
                        error=None)
        return "Delivered"
    delay = None if error.permanent or record.test else retry_delay(int(record.attempts))
    words = ("permanent failure: " if error.permanent else "") + error.message
    if delay is None:
        _record_outcome(record, status="Failed", now=now, status_code=error.status_code,
                        error=words, permanent=error.permanent)
        return "Failed"
    _record_outcome(record, status="Retrying", now=now, status_code=error.status_code,
                    error=words, next_attempt_at=now + delay)
    schedule_retry(record, now + delay, now)
    return "Retrying"


# Between two tries to record an attempt's outcome while DynamoDB does not answer.
OUTCOME_RETRY_SECONDS = 1.0


def _record_outcome(record: AlertRecordItem, **outcome) -> None:
    """Record the outcome of an attempt that was made, trying until the claim's lease runs
    out: given up sooner, the sweeper would make the attempt again, and a delivered alert
    would reach its channel twice. (Recording twice is harmless: `finish_attempt` is
    idempotent per attempt.)"""
    give_up_at = float(record.due_at or 0) - records.DUE_TOLERANCE_SECONDS
    while True:
        try:
            records.finish_attempt(record, **outcome)
            return
        except Exception:
            if runtime.clock.time() + OUTCOME_RETRY_SECONDS >= give_up_at:
                raise
            log.warning("could not record attempt %s of %s yet; trying again",
                        record.attempts, record.alert_id, exc_info=True)
            runtime.clock.sleep(OUTCOME_RETRY_SECONDS)


@dataclass(frozen=True)
class RetryMessage:
    account_id: str
    alert_id: str
    not_before: float


def schedule_retry(record: AlertRecordItem, not_before: float, now: float) -> None:
    message = RetryMessage(record.account_id, record.alert_id, not_before)
    try:
        send_retry_message(message, now)
    except Exception:  # the record is on the due index; the sweeper will send it
        log.exception("could not queue the retry of %s; the sweeper will pick it up",
                      record.alert_id)


def send_retry_message(message: RetryMessage, now: float) -> None:
    from chalicelib.bus.queues import queue_url

    delay = max(0, min(MAX_QUEUE_DELAY, int(message.not_before - now + 0.999)))
    runtime.client("sqs").send_message(
        QueueUrl=queue_url(retry_queue_name()), DelaySeconds=delay,
        MessageBody=json.dumps(message.__dict__))


def handle_retry_message(body: str) -> None:
    """A retry message came due: chain it if it is early (waits over 900 s), else attempt."""
    message = RetryMessage(**json.loads(body))
    now = runtime.clock.time()
    if message.not_before - now > records.DUE_TOLERANCE_SECONDS:
        send_retry_message(message, now)
        return
    retry_now(message.account_id, message.alert_id)


def retry_now(account_id: str, alert_id: str) -> str:
    record = records.get_record(account_id, alert_id)
    if record is None or record.status not in records.UNFINISHED:
        return "Skipped"
    return asyncio.run(attempt_all_one(record))


async def attempt_all_one(record: AlertRecordItem) -> str:
    guard = OutboundGuard(allow_private=settings.allow_private_targets)
    async with make_http_client(guard, max_connections=1) as client:
        return await attempt(record, _channel(record), client, guard)


def sweep_due(now: float) -> int:
    """Attempt deliveries whose retry or lease is overdue (the queue lost them, or a crash)."""
    overdue = records.due_before(now - 60)
    for account_id, alert_id in overdue:
        retry_now(account_id, alert_id)
    return len(overdue)


TEST_ALERT_TYPE = "Test"


def test_event(channel, now_iso: str, nonce: str) -> dict:
    """A test event: its own event name (`test`), so a receiver tells it from a real outage
    without reading `alert.type`, in the envelope of a `monitor.*` one."""
    return {
        "id": f"evt_test_{nonce}", "event": TEST_EVENT, "accountId": channel.account_id,
        "test": True,
        "monitor": {"id": "mon_test", "name": "Enori test monitor", "url": "https://example.com",
                    "type": "Website"},
        "alert": {"type": TEST_ALERT_TYPE, "message": "This is a test alert from Enori",
                  "timestamp": now_iso, "responseTimeMs": None},
    }


def send_test(channel) -> AlertRecordItem:
    """Send a test message through the real path (one attempt, no retries); the record says how
    it went."""
    import secrets

    from chalicelib.kernel.clock import iso

    now = runtime.clock.time()
    event = test_event(channel, iso(runtime.clock.now()), secrets.token_hex(6))
    record = new_record(event, channel, now, test=True)
    records.create_record(record)
    asyncio.run(attempt_all([(record, channel)]))
    return records.get_record(record.account_id, record.alert_id)
