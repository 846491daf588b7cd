"""The home-region stack of a stage: the Chalice app (API + every function), its tables, topic,
queues, SES identity, API key secret, per-function IAM roles, dashboard and alarms.

Chalice declares the functions (`chalice.cdk.Chalice` packages the app as a SAM template that is
included here); this stack owns the rest and patches what Chalice cannot express: the role of each
function, SQS event sources with `ReportBatchItemFailures`, the 404 gateway response.
"""
from __future__ import annotations

import json
import os

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from chalice import api as chalice_api
from chalice.app import SNSEventConfig, SQSEventConfig
from chalice.cdk import Chalice
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from infra import access, monitoring, permissions, pings, queues, tables, worker_sizes
from infra.config import DeployConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
API_HANDLER = access.API_HANDLER
NOT_FOUND_TEMPLATE = json.dumps({"error": "Not found",
                                 "message": "No route for $context.httpMethod $context.path",
                                 "code": "NOT_FOUND"})
# How many times a message may fail before it waits in the DLQ.
MAX_RECEIVES = {"checks": 3, "results": 3, "alert-retries": 5}
CHECK_QUEUE_RETENTION = Duration.hours(1)     # a check older than that is no use to anyone
RETRY_QUEUE_RETENTION = Duration.days(4)
# A result is a fact measured: it is kept until recorded (history, uptime), however late, so a
# results handler stopped for more than an hour loses none.
RESULTS_QUEUE_RETENTION = Duration.days(4)
RETENTION = {"checks": CHECK_QUEUE_RETENTION, "results": RESULTS_QUEUE_RETENTION,
             "alert-retries": RETRY_QUEUE_RETENTION}
LOG_RETENTION_DAYS = 30


class StageChalice(Chalice):
    """Chalice's construct names the Chalice stage after its scope; Enori names it explicitly,
    so `.chalice/config.json`'s per-stage function settings (memory, timeouts) apply."""

    def __init__(self, scope: Construct, id: str, *, chalice_stage: str, **kwargs) -> None:
        self.chalice_stage = chalice_stage   # read by _package_app, inside super().__init__
        super().__init__(scope, id, **kwargs)

    def _package_app(self) -> None:
        chalice_api.package_app(project_dir=self.source_dir, output_dir=self._sam_package_dir,
                                stage=self.chalice_stage, chalice_config=self.stage_config)

    @property
    def deployment_zip(self) -> str:
        return os.path.join(self._sam_package_dir, "deployment.zip")

    def sam_events(self, function_cfn_name: str) -> dict:
        with open(os.path.join(self._sam_package_dir, "sam.json")) as f:
            template = json.load(f)
        return template["Resources"][function_cfn_name]["Properties"].get("Events", {})


class HomeStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: DeployConfig, chalice_app,
                 **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        from chalicelib.notify import delivery
        from chalicelib.bus import dispatch, events
        from chalicelib.kernel import observability

        self.config = config
        retain = config.stage == "prod"
        self.tables = {spec.name: tables.add_table(self, spec, retain)
                       for spec in tables.all_table_specs()}
        self.events_topic = sns.Topic(self, "EventsTopic", topic_name=events.topic_name())
        self.api_key_secret = secretsmanager.Secret(
            self, "ApiKeySecret", secret_name=f"{config.resource_prefix}/api-key-secret",
            description="HMAC secret of Enori API keys: losing it invalidates every key.",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=48),
            removal_policy=RemovalPolicy.RETAIN)
        self.mail_identity = ses.EmailIdentity(self, "MailFrom",
                                               identity=ses.Identity.email(config.mail_from))

        sources = list(chalice_app.event_sources)
        names = [API_HANDLER] + [s.name for s in sources]
        self.roles = {name: permissions.lambda_role(self, f"{to_cfn_resource_name(name)}Role")
                      for name in names}
        environment = {
            **config.environment(),
            "ENORI_EVENTS_TOPIC_ARN": self.events_topic.topic_arn,
            "ENORI_LOG_LEVEL": "INFO",
        }
        if config.public_base_url:
            environment["ENORI_PUBLIC_BASE_URL"] = config.public_base_url
        self.chalice = StageChalice(
            self, "Chalice", chalice_stage=config.stage, source_dir=ROOT,
            stage_config={
                "api_gateway_stage": "api",
                "autogen_policy": False,
                "manage_iam_role": False,
                "iam_role_arn": self.roles[API_HANDLER].role_arn,  # each function's: below
                "environment_variables": environment,
            })
        # The API key secret is for the API only (dynamic reference: the value never appears
        # in the template, CloudFormation resolves it at deploy time).
        self.chalice.add_environment_variable(
            "ENORI_API_KEY_SECRET", self.api_key_secret.secret_value.unsafe_unwrap(), API_HANDLER)
        self.chalice.get_resource("RestAPI").add_property_override(
            "DefinitionBody.x-amazon-apigateway-gateway-responses", {
                "MISSING_AUTHENTICATION_TOKEN": {
                    "statusCode": 404,
                    "responseTemplates": {"application/json": NOT_FOUND_TEMPLATE}}})

        from chalicelib.bus.check_requests import slow_queue_name

        check_queue_regions = {name(r): config.aws_region_of(r) for r in config.check_regions
                               for name in (dispatch.queue_name, slow_queue_name)}
        remote_workers = {f"check_worker_{r.lower()}": r for r in config.remote_check_regions}
        # A remote region's slow lane feeds its one worker there (region_stack).
        remote_slow_lanes = {f"check_worker_{r.lower()}_slow" for r in config.remote_check_regions}
        self.remote_worker_settings: dict[str, dict] = {}
        self.queues, self.dlqs, self.function_names = {}, {}, {}
        function_roots = access.function_roots(chalice_app, API_HANDLER)
        for name in names:
            cfn_name = to_cfn_resource_name(name)
            function = self.chalice.get_resource(cfn_name)
            if worker_sizes.is_check_worker(name):
                sizes = worker_sizes.worker_settings()
                function.timeout, function.memory_size = sizes["timeout"], sizes["memory"]
            if name in remote_workers:
                # Its region's stack runs it: drop it (and its SQS event) from the home stack.
                self.remote_worker_settings[remote_workers[name]] = {
                    "timeout": function.timeout, "memory": function.memory_size,
                    "handler": function.handler}
            if name in remote_workers or name in remote_slow_lanes:
                self.chalice.sam_template.node.try_remove_child(cfn_name)
                continue
            self.function_names[name] = function.ref
            # Chalice's own log groups break on the API handler's name: ours, 30 days kept.
            logs.CfnLogGroup(self, f"{cfn_name}Logs", log_group_name=f"/aws/lambda/{function.ref}",
                             retention_in_days=LOG_RETENTION_DAYS)
            function.add_property_override("Role", self.roles[name].role_arn)
            source = next((s for s in sources if s.name == name), None)
            permissions.grant_needs(
                self.roles[name], self, access.needs_of(function_roots[name]),
                home_region=self.region,
                topic_name=events.topic_name(), check_queues=check_queue_regions,
                retry_queue=delivery.retry_queue_name(), mail_from=config.mail_from)
            policy = self.roles[name].node.try_find_child("DefaultPolicy")
            if policy is not None:   # no invocation before the function may do its job
                function.node.add_dependency(policy)
            if isinstance(source, SQSEventConfig):
                self._wire_queue(name, cfn_name, function, source)
            elif isinstance(source, SNSEventConfig):
                for key in self.chalice.sam_events(cfn_name):
                    function.add_property_override(f"Events.{key}.Properties.Topic",
                                                   self.events_topic.topic_arn)

        ping_function = f"enori-{config.stage}-pings"
        pings.add_ping_api(
            self, deployment_zip=self.chalice.deployment_zip,
            function_name=ping_function, environment=environment, grant=dict(
                home_region=self.region, topic_name=events.topic_name(),
                check_queues=check_queue_regions, retry_queue=delivery.retry_queue_name(),
                mail_from=config.mail_from))
        self.function_names["pings"] = ping_function
        topic = monitoring.alarm_topic(self, config.stage, config.alarm_email)
        watched_functions = [monitoring.WatchedFunction(n, ref, self.region)
                             for n, ref in self.function_names.items()]
        watched_dlqs = [monitoring.WatchedQueue(label, q.queue_name, self.region)
                        for label, q in self.dlqs.items()]
        self.alarms = monitoring.add_alarms(self, config.stage, topic, watched_functions,
                                            watched_dlqs)
        self.alarms.append(monitoring.add_silent_scheduler_alarm(
            self, config.stage, observability.NAMESPACE + "/" + config.stage, topic))
        self.alarms += monitoring.add_dispatch_failure_alarms(
            self, config.stage, observability.NAMESPACE + "/" + config.stage,
            list(config.check_regions), topic)
        self.alarms += [monitoring.add_idle_queue_alarm(self, config.stage, f"checks-{r.lower()}",
                                                        dispatch.queue_name(r), topic)
                        for r in config.home_check_regions]
        self.remote_watch = (watched_functions, watched_dlqs)
        CfnOutput(self, "ApiKeySecretName", value=self.api_key_secret.secret_name)
        CfnOutput(self, "EventsTopicArn", value=self.events_topic.topic_arn)

    def _kind(self, queue_name: str) -> str:
        from chalicelib.bus import check_results   # settings are the stage's by now

        if queue_name == check_results.queue_name():
            return "results"
        if queue_name.startswith(f"{self.config.resource_prefix}-checks-"):
            return "checks"
        return "alert-retries"

    def _wire_queue(self, name: str, cfn_name: str, function, source: SQSEventConfig) -> None:
        kind = self._kind(source.queue)
        queue, dlq = queues.add_queue(
            self, f"{cfn_name}Queue", source.queue, function_timeout_seconds=function.timeout,
            max_receive_count=MAX_RECEIVES[kind], retention=RETENTION[kind])
        label = source.queue[len(self.config.resource_prefix) + 1:] + "-dlq"   # checks-useast-dlq
        self.queues[source.queue], self.dlqs[label] = queue, dlq
        for key in self.chalice.sam_events(cfn_name):
            function.add_property_deletion_override(f"Events.{key}")
        permissions.grant_consume(self.roles[name], queue.queue_arn)
        mapping = queues.add_sqs_mapping(self, f"{cfn_name}SqsMapping", function.ref, queue,
                                         source.batch_size,
                                         source.maximum_batching_window_in_seconds)
        # Lambda checks, when it creates the mapping, that the role may read the queue.
        mapping.node.add_dependency(self.roles[name].node.try_find_child("DefaultPolicy"))

    def add_dashboard(self, remote: list[tuple[list, list]]) -> None:
        """The stage's dashboard, once the region stacks are known."""
        from chalicelib.kernel import observability

        functions, dlqs = list(self.remote_watch[0]), list(self.remote_watch[1])
        for fns, qs in remote:
            functions += fns
            dlqs += qs
        monitoring.add_dashboard(
            self, self.config.stage, f"{observability.NAMESPACE}/{self.config.stage}",
            {r: self.config.aws_region_of(r) for r in self.config.check_regions},
            functions, dlqs)


