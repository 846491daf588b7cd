"""The event pump: what AWS wires around the Lambdas, emulated against moto.

- EventBridge schedules: each `@app.schedule` handler gets a scheduled event at every boundary.
- SQS event source mappings: long-poll, invoke with a batch, delete what succeeded, leave
  `batchItemFailures` (or the whole batch, if the handler raised) for redelivery; the queue's
  redrive policy moves a message to its DLQ after N receives, as on AWS. Each queue is consumed
  by several workers at once (`queue_workers`, default ENORI_PUMP_QUEUE_WORKERS or 4), as
  Lambda scales a busy queue out to several concurrent invocations; SQS's visibility timeout
  gives each message to one of them. One worker at a time listens (long-polls) on a queue and
  lets the next one listen as soon as it has a batch, so a busy queue still has every worker
  invoking while an idle one costs one poll a second, not one per worker: moto answers each
  request by listing its ~150 service packages, and 4 workers on each of a dozen queues kept an
  idle stack at 13 % of a core (4 % so). A listener waits up to `POLL_WAIT_SECONDS` for a
  message (moto wakes it as soon as one arrives): one poll a second on each of ten queues was
  still most of an idle stack's CPU (6.8 % of a core; 2.4 % with 10 s polls), and the system tests
  keep five stacks up at once beside the in-process suites. Stopping waits for the handlers in
  flight, not for idle listeners, which exit when their poll ends and start no handler.
- SNS subscriptions: SNS delivers to a `<topic>-to-<handler>` queue per handler; each notification becomes one
  SNS event, retried on failure and dropped to `<topic>-dlq` after three attempts.

All wiring comes from `app.event_sources`; handlers run in-process through `app.handler_map`.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from chalice.app import ScheduledEventConfig, SNSEventConfig, SQSEventConfig

from chalicelib.kernel.clock import SystemClock
from local.aws_local import queue_arn, queue_name_of, sns_pump_queue_name, subscribe_pump_queue
from local.lambda_events import lambda_context, scheduled_event, sns_record, sqs_record
from local.schedules import expression_text, next_fire_time

log = logging.getLogger("local.pump")

SQS_MAX_BATCH = 10
# Longer than any local handler should run, so a slow batch is not redelivered mid-flight.
RECEIVE_VISIBILITY_SECONDS = 300
# Concurrent invocations per queue: enough to overlap checks that wait on slow targets and on
# DynamoDB's disk writes, bounded so a flood of messages cannot start unbounded threads.
DEFAULT_QUEUE_WORKERS = 4
# How long an idle listener's receive waits for a message (SQS allows up to 20 s).
POLL_WAIT_SECONDS = 10


def queue_workers_setting() -> int:
    return max(1, int(os.environ.get("ENORI_PUMP_QUEUE_WORKERS") or DEFAULT_QUEUE_WORKERS))


class EventPump:
    def __init__(self, app: Any, sqs_client: Any, sns_client: Any, clock: Any = None,
                 region: str = "us-east-1", poll_wait_seconds: int = POLL_WAIT_SECONDS,
                 retry_delay_seconds: int = 1, rate_seconds: int | None = None,
                 queue_workers: int | dict[str, int] | None = None) -> None:
        self.app = app
        self.sqs = sqs_client
        self.sns = sns_client
        self.clock = clock or SystemClock()
        self.region = region
        self.poll_wait_seconds = poll_wait_seconds
        # How long a failed message stays invisible before its next attempt.
        self.retry_delay_seconds = retry_delay_seconds
        self.schedules = [s for s in app.event_sources if isinstance(s, ScheduledEventConfig)]
        self.queue_sources = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
        self.topic_sources = [s for s in app.event_sources if isinstance(s, SNSEventConfig)]
        now = self.clock.now()
        self.rate_seconds = rate_seconds
        # How many workers consume each queue: one number for all, or per handler name.
        self.queue_workers = queue_workers_setting() if queue_workers is None else queue_workers
        self._next_fire = {s.name: self._next(s, now) for s in self.schedules}
        self._queue_urls: dict[str, str] = {}
        self._queue_arns: dict[str, str] = {}
        self._subscription_arns: dict[str, str] = {}
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        # Handlers in flight (what `stop` waits for), counted under this condition together with
        # the stopping flag, so no handler starts once `stop` has looked.
        self._handlers = threading.Condition()
        self._in_flight = 0
        # Per queue, held by the one worker receiving from it (see the module's docstring).
        self._listening = {source.name: threading.Lock() for source in self.queue_sources}

    # --- schedules -------------------------------------------------------------------------

    def _next(self, source: ScheduledEventConfig, after):
        return next_fire_time(expression_text(source.schedule_expression), after,
                              self.rate_seconds)

    def run_due_schedules(self) -> list[str]:
        """Invoke every schedule whose boundary has passed, once; return their names.

        After a long pause (a laptop asleep) a schedule fires once, not once per missed period.
        """
        now = self.clock.now()
        fired = []
        for source in self.schedules:
            due_at = self._next_fire[source.name]
            if now < due_at:
                continue
            self._next_fire[source.name] = self._next(source, now)
            self._invoke(source, scheduled_event(source.name, due_at, self.region))
            fired.append(source.name)
        return fired

    # --- SQS event source mappings -----------------------------------------------------------

    def process_queue_once(self, source: SQSEventConfig, wait_seconds: int = 0) -> int:
        """One receive + invoke + delete cycle; returns how many messages were received."""
        url = self._queue_url(queue_name_of(source))
        with self._listening[source.name]:
            if self._stopping.is_set() and wait_seconds:
                return 0        # a worker that queued to listen while the pump was stopping
            messages = self._receive(url, min(source.batch_size, SQS_MAX_BATCH), wait_seconds)
        if not messages:
            return 0
        with self._handling() as started:
            if not started:                     # received while stopping: visible again at
                self._release(url, messages)    # once, for the next start, not in 300 s
                return 0
            arn = self._queue_arn(url)
            event = {"Records": [sqs_record(m, arn, self.region) for m in messages]}
            failed_ids = self._invoke_batch(source, event)
            self._settle(url, messages, failed_ids)
        return len(messages)

    def _invoke_batch(self, source: SQSEventConfig, event: dict[str, Any]) -> set[str]:
        """The messageIds to redeliver: the reported failures, or all of them if the handler raised."""
        all_ids = {record["messageId"] for record in event["Records"]}
        try:
            result = self._call_handler(source, event)
        except Exception:
            log.exception("handler %s failed; the whole batch of %d will be retried", source.name, len(all_ids))
            return all_ids
        failures = (result or {}).get("batchItemFailures", []) if isinstance(result, dict) else []
        failed_ids = {failure.get("itemIdentifier") for failure in failures}
        if not failed_ids <= all_ids:
            # Lambda treats an unknown or empty itemIdentifier as a failure of the whole batch.
            log.error("handler %s reported unknown batchItemFailures %s", source.name, failed_ids - all_ids)
            return all_ids
        if failed_ids:
            log.warning("handler %s: %d of %d records failed", source.name, len(failed_ids), len(all_ids))
        return failed_ids

    def _settle(self, url: str, messages: list[dict[str, Any]], failed_ids: set[str]) -> None:
        succeeded = [m for m in messages if m["MessageId"] not in failed_ids]
        if succeeded:
            self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(succeeded)])
        for message in messages:
            if message["MessageId"] in failed_ids:
                self._retry_later(url, message)

    # --- SNS subscriptions -------------------------------------------------------------------

    def process_topic_once(self, source: SNSEventConfig, wait_seconds: int = 0) -> int:
        """Deliver each waiting notification of `source.topic` as its own SNS event."""
        url = self._queue_url(sns_pump_queue_name(source))
        messages = self._receive(url, SQS_MAX_BATCH, wait_seconds)
        for message in messages:
            with self._handling() as started:
                if not started:
                    # Stopping: finish the invocation in flight, start no other (its side
                    # effects, an alert sent, must be recorded before DynamoDB Local stops).
                    break
                event = {"Records": [sns_record(json.loads(message["Body"]),
                                                self._subscription_arn(source))]}
                if self._invoke(source, event):
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                else:
                    self._retry_later(url, message)
        return len(messages)

    def _subscription_arn(self, source: SNSEventConfig) -> str:
        if source.name not in self._subscription_arns:
            self._subscription_arns[source.name] = subscribe_pump_queue(self.sqs, self.sns, source)
        return self._subscription_arns[source.name]

    # --- shared plumbing ---------------------------------------------------------------------

    def _invoke(self, source: Any, event: dict[str, Any]) -> bool:
        """Invoke a handler; a failure is logged with its traceback and reported, never raised."""
        try:
            self._call_handler(source, event)
            return True
        except Exception:
            log.exception("handler %s failed", source.name)
            return False

    def _call_handler(self, source: Any, event: dict[str, Any]) -> Any:
        return self.app.handler_map[source.name](event, lambda_context(source.name))

    def _receive(self, url: str, count: int, wait_seconds: int) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=count, WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=RECEIVE_VISIBILITY_SECONDS,
            MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"],
        )
        return response.get("Messages", [])

    def _retry_later(self, url: str, message: dict[str, Any]) -> None:
        self.sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=self.retry_delay_seconds)

    def _release(self, url: str, messages: list[dict[str, Any]]) -> None:
        try:
            self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(messages)])
        except Exception:  # noqa: BLE001 - best effort: else they return after their timeout
            log.warning("could not release %d messages received while stopping", len(messages))

    def _queue_url(self, name: str) -> str:
        if name not in self._queue_urls:
            self._queue_urls[name] = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return self._queue_urls[name]

    def _queue_arn(self, url: str) -> str:
        if url not in self._queue_arns:
            self._queue_arns[url] = queue_arn(self.sqs, url)
        return self._queue_arns[url]

    # --- threads -----------------------------------------------------------------------------

    def workers_for(self, source: SQSEventConfig) -> int:
        if isinstance(self.queue_workers, dict):
            return max(1, self.queue_workers.get(source.name, DEFAULT_QUEUE_WORKERS))
        return max(1, self.queue_workers)

    def start(self) -> None:
        """One thread for the schedules, `workers_for(queue)` per queue and one per topic."""
        for thread in self._threads:    # a restart: the last run's listeners end their polls
            thread.join()
        self._threads = []
        self._stopping.clear()
        self._spawn("schedules", self._tick_schedules)
        for source in self.queue_sources:
            for n in range(self.workers_for(source)):
                self._spawn(f"{source.name}-{n}",
                            lambda s=source: self.process_queue_once(s, self.poll_wait_seconds))
        for source in self.topic_sources:
            self._spawn(source.name, lambda s=source: self.process_topic_once(s, self.poll_wait_seconds))
        log.info("pump started: %d schedules, %d queues, %d topics",
                 len(self.schedules), len(self.queue_sources), len(self.topic_sources))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop polling; wait for handlers in flight at most `timeout` seconds in all (threads are
        daemons: a check still waiting on a slow target must not hold up a Ctrl-C). Idle
        listeners are not waited for: their poll may last `poll_wait_seconds`, and what it
        receives is not handled."""
        with self._handlers:
            self._stopping.set()
            self._handlers.wait_for(lambda: self._in_flight == 0, timeout)

    @contextmanager
    def _handling(self) -> Iterator[bool]:
        """A handler in flight for the block (what `stop` waits for), unless the pump is
        stopping: then the block is told False and must start none."""
        with self._handlers:
            started = not self._stopping.is_set()
            self._in_flight += started
        try:
            yield started
        finally:
            if started:
                with self._handlers:
                    self._in_flight -= 1
                    self._handlers.notify_all()

    def _tick_schedules(self) -> None:
        with self._handling() as started:
            if started:
                self.run_due_schedules()
        self._stopping.wait(0.5)

    def _spawn(self, name: str, step: Callable[[], Any]) -> None:
        thread = threading.Thread(target=self._loop, args=(step,), name=f"pump-{name}", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _loop(self, step: Callable[[], Any]) -> None:
        while not self._stopping.is_set():
            try:
                step()
            except Exception:
                if self._stopping.is_set():
                    return      # a poll that outlived the stack's moto server
                # moto unreachable, queue deleted...: keep the thread alive, do not spin.
                log.exception("pump step failed")
                self._stopping.wait(1.0)
