"""The stage's CloudWatch dashboard and alarms.

Custom metrics come from the functions as Embedded Metric Format lines (chalicelib.kernel.observability),
namespace `Enori/<stage>`, dimensions Region or Status only — never a monitor id.
"""
from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

DELIVERY_STATUSES = ("Delivered", "Retrying", "Failed", "Skipped")
MINUTE = Duration.minutes(1)
FIVE_MINUTES = Duration.minutes(5)


@dataclass(frozen=True)
class WatchedFunction:
    label: str          # e.g. run_scheduler
    function_name: str  # the deployed name (a token)
    region: str | None


@dataclass(frozen=True)
class WatchedQueue:
    label: str
    queue_name: str
    region: str | None


def custom(namespace: str, name: str, statistic: str, dims: dict | None = None,
           region: str | None = None, label: str | None = None) -> cw.Metric:
    return cw.Metric(namespace=namespace, metric_name=name, statistic=statistic,
                     dimensions_map=dims, period=MINUTE, region=region, label=label)


def lambda_metric(fn: WatchedFunction, name: str, statistic: str, graph: bool = True
                  ) -> cw.Metric:
    """`graph`: labelled and region-pinned for a dashboard; plain for an alarm (which reads its
    own region's metrics, and CloudFormation's simple alarm form takes no label)."""
    return cw.Metric(namespace="AWS/Lambda", metric_name=name, statistic=statistic,
                     dimensions_map={"FunctionName": fn.function_name}, period=FIVE_MINUTES,
                     region=fn.region if graph else None, label=fn.label if graph else None)


def dlq_depth(q: WatchedQueue, graph: bool = True) -> cw.Metric:
    return cw.Metric(namespace="AWS/SQS", metric_name="ApproximateNumberOfMessagesVisible",
                     statistic="Maximum", dimensions_map={"QueueName": q.queue_name},
                     period=FIVE_MINUTES, region=q.region if graph else None,
                     label=q.label if graph else None)


def alarm_topic(scope: Construct, stage: str, alarm_email: str) -> sns.Topic:
    """Where alarms go: `enori-<stage>-alarms`, emailed to ALARM_EMAIL when set."""
    topic = sns.Topic(scope, "AlarmTopic", topic_name=f"enori-{stage}-alarms")
    if alarm_email:
        topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
    return topic


def add_alarms(scope: Construct, stage: str, topic: sns.Topic, functions: list[WatchedFunction],
               dlqs: list[WatchedQueue]) -> list[cw.Alarm]:
    """A DLQ that holds anything, and a function failing (an alarm sees its own region only)."""
    action = cw_actions.SnsAction(topic)
    alarms = []
    for q in dlqs:
        alarms.append(cw.Alarm(
            scope, f"Dlq{_title(q.label)}", alarm_name=f"enori-{stage}-dlq-{q.label}",
            alarm_description=f"Messages waiting in the dead-letter queue {q.queue_name}.",
            metric=dlq_depth(q, graph=False), threshold=1, evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING))
    for fn in functions:
        alarms.append(cw.Alarm(
            scope, f"Errors{_title(fn.label)}", alarm_name=f"enori-{stage}-errors-{fn.label}",
            alarm_description=f"{fn.label}: failed invocations.",
            metric=lambda_metric(fn, "Errors", "Sum", graph=False), threshold=3, evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING))
    for made in alarms:
        made.add_alarm_action(action)
    return alarms


def add_silent_scheduler_alarm(scope: Construct, stage: str, namespace: str,
                               topic: sns.Topic) -> cw.Alarm:
    """The scheduler emits ChecksDispatched on every tick (zero included); five minutes without
    one means nothing is being checked."""
    made = cw.Alarm(
        scope, "SilentScheduler", alarm_name=f"enori-{stage}-scheduler-silent",
        alarm_description="No scheduler tick reported checks dispatched for 5 minutes.",
        metric=cw.Metric(namespace=namespace, metric_name="ChecksDispatched",
                         statistic="SampleCount", period=FIVE_MINUTES),
        threshold=1, evaluation_periods=1,
        comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        treat_missing_data=cw.TreatMissingData.BREACHING)
    made.add_alarm_action(cw_actions.SnsAction(topic))
    return made


def add_dispatch_failure_alarms(scope: Construct, stage: str, namespace: str,
                                check_regions: list[str], topic: sns.Topic) -> list[cw.Alarm]:
    """One per check region: the scheduler could not send that region its checks on 2 ticks of
    5 minutes (`DispatchFailures`, emitted per region on every tick; the other regions go on)."""
    alarms = []
    for region in check_regions:
        made = cw.Alarm(
            scope, f"DispatchFailures{region}", alarm_name=f"enori-{stage}-dispatch-{region.lower()}",
            alarm_description=f"The scheduler could not reach the {region} check queue.",
            metric=cw.Metric(namespace=namespace, metric_name="DispatchFailures", statistic="Sum",
                             dimensions_map={"Region": region}, period=FIVE_MINUTES),
            threshold=2, evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING)
        made.add_alarm_action(cw_actions.SnsAction(topic))
        alarms.append(made)
    return alarms


def add_idle_queue_alarm(scope: Construct, stage: str, label: str, queue_name: str,
                         topic: sns.Topic) -> cw.Alarm:
    """A dead-man's switch in the queue's own region: the check queue received nothing for 5
    minutes (missing data breaches), so a home region that stopped scheduling is noticed from
    outside it."""
    made = cw.Alarm(
        scope, f"Idle{_title(label)}", alarm_name=f"enori-{stage}-idle-{label}",
        alarm_description=f"No check request reached {queue_name} for 5 minutes.",
        metric=cw.Metric(namespace="AWS/SQS", metric_name="NumberOfMessagesSent",
                         statistic="Sum", dimensions_map={"QueueName": queue_name},
                         period=FIVE_MINUTES),
        threshold=1, evaluation_periods=1,
        comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        treat_missing_data=cw.TreatMissingData.BREACHING)
    made.add_alarm_action(cw_actions.SnsAction(topic))
    return made


def add_dashboard(scope: Construct, stage: str, namespace: str, check_regions: dict[str, str],
                  functions: list[WatchedFunction], dlqs: list[WatchedQueue]) -> cw.Dashboard:
    """`enori-<stage>`: every region on one page (each check region's metrics live in the AWS
    region its worker runs in). `check_regions`: name -> AWS region."""
    dashboard = cw.Dashboard(scope, "Dashboard", dashboard_name=f"enori-{stage}")
    regions = sorted(check_regions)

    def per_region(name: str, statistic: str) -> list[cw.Metric]:
        return [custom(namespace, name, statistic, {"Region": r}, check_regions[r], r)
                for r in regions]

    dashboard.add_widgets(
        cw.GraphWidget(title="Checks per minute by region", width=12,
                       left=per_region("ChecksRun", "Sum")),
        cw.GraphWidget(title="Failed checks by region", width=12,
                       left=per_region("ChecksFailed", "Sum")))
    dashboard.add_widgets(
        cw.GraphWidget(title="P95 check latency (ms) by region", width=8,
                       left=per_region("CheckLatency", "p95")),
        cw.GraphWidget(title="Alert deliveries by status", width=8, left=[
            custom(namespace, "AlertDeliveries", "Sum", {"Status": s}, label=s)
            for s in DELIVERY_STATUSES]),
        cw.GraphWidget(title="Checks dispatched by the scheduler", width=8, left=[
            custom(namespace, "ChecksDispatched", "Sum", label="checks dispatched")]))
    dashboard.add_widgets(
        cw.GraphWidget(title="Lambda errors", width=8,
                       left=[lambda_metric(f, "Errors", "Sum") for f in functions]),
        cw.GraphWidget(title="Lambda throttles", width=8,
                       left=[lambda_metric(f, "Throttles", "Sum") for f in functions]),
        cw.GraphWidget(title="Lambda duration p95 (ms)", width=8,
                       left=[lambda_metric(f, "Duration", "p95") for f in functions]))
    dashboard.add_widgets(cw.GraphWidget(title="Dead-letter queue depth", width=24,
                                         left=[dlq_depth(q) for q in dlqs]))
    return dashboard


def _title(label: str) -> str:
    return "".join(part.capitalize() for part in label.replace("-", "_").split("_"))
