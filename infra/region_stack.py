"""A check region in another AWS region: its checks queue (with a DLQ) and its worker.

The worker runs the same deployment package as the home stack (Chalice's zip) with the handler
Chalice gave it (`chalicelib.checks.remote_worker`): it never touches DynamoDB (E16 point 5), and
sends its results to the home region's results queue (`ENORI_HOME_REGION`), created by the home
stack with the results handler's event source like every other queue of the app.
Nothing references the home stack directly (CloudFormation has no cross-region references): the
home resources are addressed by their names, which the stage fixes.
"""
from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import access, monitoring, permissions, queues
from infra.config import DeployConfig
from infra.home_stack import CHECK_QUEUE_RETENTION, MAX_RECEIVES

# As chalicelib.checks.runner.SLOW_LANE_BATCH_SIZE.
SLOW_LANE_BATCH_SIZE = 2


def worker_function_name(stage: str, region: str) -> str:
    return f"enori-{stage}-check-worker-{region.lower()}"


class CheckRegionStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: DeployConfig, check_region: str,
                 deployment_zip: str, worker: dict, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        from chalicelib.notify import delivery
        from chalicelib.bus import check_results, dispatch, events
        from chalicelib.bus.check_requests import slow_queue_name

        name, slow_name = dispatch.queue_name(check_region), slow_queue_name(check_region)
        self.queue, self.dlq = queues.add_queue(
            self, "ChecksQueue", name, function_timeout_seconds=worker["timeout"],
            max_receive_count=MAX_RECEIVES["checks"], retention=CHECK_QUEUE_RETENTION)
        # The slow lane: failing monitors and cut-off checks, in small batches of their own.
        self.slow_queue, self.slow_dlq = queues.add_queue(
            self, "SlowChecksQueue", slow_name, function_timeout_seconds=worker["timeout"],
            max_receive_count=MAX_RECEIVES["checks"], retention=CHECK_QUEUE_RETENTION)
        self.role = permissions.lambda_role(self, "CheckWorkerRole")
        handler = worker["handler"]
        permissions.grant_needs(
            self.role, self, access.needs_of([access.handler_module(handler)]),
            home_region=config.home_region, topic_name=events.topic_name(),
            # Its own region's queues only: it re-queues to its own slow lane, nowhere else.
            check_queues={queue(check_region): self.region
                          for queue in (dispatch.queue_name, slow_queue_name)},
            retry_queue=delivery.retry_queue_name(), mail_from=config.mail_from,
            results_queue=check_results.queue_name())
        permissions.grant_consume(self.role, self.queue.queue_arn)
        permissions.grant_consume(self.role, self.slow_queue.queue_arn)
        function_name = worker_function_name(config.stage, check_region)
        self.function = lambda_.Function(
            self, "CheckWorker", function_name=function_name,
            runtime=lambda_.Runtime.PYTHON_3_11, handler=handler,
            code=lambda_.Code.from_asset(deployment_zip), role=self.role,
            timeout=Duration.seconds(worker["timeout"]), memory_size=worker["memory"],
            logging_format=lambda_.LoggingFormat.JSON,   # request ids in every line
            log_group=logs.LogGroup(self, "CheckWorkerLogs",
                                    log_group_name=f"/aws/lambda/{function_name}",
                                    retention=logs.RetentionDays.ONE_MONTH),
            environment={
                **config.environment(),
                "ENORI_HOME_REGION": config.home_region,
                "ENORI_EVENTS_TOPIC_ARN": permissions.topic_arn(self, config.home_region,
                                                                events.topic_name()),
                "ENORI_LOG_LEVEL": "INFO",
                **({"ENORI_PUBLIC_BASE_URL": config.public_base_url}
                   if config.public_base_url else {}),
            })
        mapping = queues.add_sqs_mapping(self, "ChecksSqsMapping", self.function.function_name,
                                         self.queue, batch_size=10)
        slow_mapping = queues.add_sqs_mapping(self, "SlowChecksSqsMapping",
                                              self.function.function_name, self.slow_queue,
                                              batch_size=SLOW_LANE_BATCH_SIZE)
        # Lambda checks, when it creates the mapping, that the role may read the queue.
        for made in (mapping, slow_mapping):
            made.node.add_dependency(self.role.node.try_find_child("DefaultPolicy"))

        label = f"check_worker_{check_region.lower()}"
        self.watched_functions = [monitoring.WatchedFunction(label, function_name, self.region)]
        self.watched_dlqs = [monitoring.WatchedQueue(f"checks-{check_region.lower()}{lane}-dlq",
                                                     f"{queue}-dlq", self.region)
                             for lane, queue in (("", name), ("-slow", slow_name))]
        topic = monitoring.alarm_topic(self, config.stage, config.alarm_email)
        self.alarms = monitoring.add_alarms(self, config.stage, topic, self.watched_functions,
                                            self.watched_dlqs)
        self.alarms.append(monitoring.add_idle_queue_alarm(
            self, config.stage, f"checks-{check_region.lower()}", name, topic))
