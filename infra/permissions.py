"""Least-privilege IAM for one function: every grant names its resources, derived from the code
the function runs (`infra.access`). No function may Scan; no data action is granted on `*`."""
from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam

from infra.access import Needs

TABLE_ACTIONS = [
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query",
    "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
]
SEND_ACTIONS = ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"]
CONSUME_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                   "sqs:ChangeMessageVisibility"]


def lambda_role(stack: Stack, id: str) -> iam.Role:
    return iam.Role(
        stack, id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
            "service-role/AWSLambdaBasicExecutionRole")])


def table_arns(stack: Stack, region: str, tables) -> list[str]:
    arns = []
    for name in sorted(tables):
        arn = stack.format_arn(service="dynamodb", region=region, resource="table",
                               resource_name=name)
        arns += [arn, f"{arn}/index/*"]
    return arns


def queue_arn(stack: Stack, region: str, name: str) -> str:
    return stack.format_arn(service="sqs", region=region, resource=name)


def topic_arn(stack: Stack, region: str, name: str) -> str:
    return stack.format_arn(service="sns", region=region, resource=name)


def grant_needs(role: iam.Role, stack: Stack, needs: Needs, *, home_region: str,
                topic_name: str, check_queues: dict[str, str], retry_queue: str,
                mail_from: str, results_queue: str | None = None) -> None:
    """`check_queues`: queue name -> its AWS region (the slow lanes included);
    `results_queue`: the home results queue's name, for a remote region's worker."""
    if needs.tables:
        role.add_to_policy(iam.PolicyStatement(
            sid="Tables", actions=TABLE_ACTIONS,
            resources=table_arns(stack, home_region, needs.tables)))
    if needs.publishes_events:
        role.add_to_policy(iam.PolicyStatement(
            sid="PublishEvents", actions=["sns:Publish"],
            resources=[topic_arn(stack, home_region, topic_name)]))
    if needs.sends_check_jobs and check_queues:
        role.add_to_policy(iam.PolicyStatement(
            sid="SendCheckJobs", actions=SEND_ACTIONS,
            resources=[queue_arn(stack, region, name) for name, region in
                       sorted(check_queues.items())]))
    slow_lanes = {name: region for name, region in check_queues.items() if name.endswith("-slow")}
    if needs.requeues_checks and slow_lanes and not needs.sends_check_jobs:
        role.add_to_policy(iam.PolicyStatement(
            sid="RequeueToSlowLanes", actions=SEND_ACTIONS,
            resources=[queue_arn(stack, region, name) for name, region in
                       sorted(slow_lanes.items())]))
    if needs.sends_results and results_queue:
        role.add_to_policy(iam.PolicyStatement(
            sid="SendResultsHome", actions=SEND_ACTIONS,
            resources=[queue_arn(stack, home_region, results_queue)]))
    if needs.sends_retries:
        role.add_to_policy(iam.PolicyStatement(
            sid="SendAlertRetries", actions=SEND_ACTIONS,
            resources=[queue_arn(stack, home_region, retry_queue)]))
    if needs.redrives_dead_letters:   # the alert retries' DLQ back into the retry queue
        from chalicelib.bus.dead_letters import dlq_name_of

        role.add_to_policy(iam.PolicyStatement(
            sid="RedriveDeadLetters", actions=CONSUME_ACTIONS + ["sqs:GetQueueUrl"],
            resources=[queue_arn(stack, home_region, dlq_name_of(retry_queue))]))
        role.add_to_policy(iam.PolicyStatement(
            sid="RedriveToQueue", actions=SEND_ACTIONS,
            resources=[queue_arn(stack, home_region, retry_queue)]))
    if needs.sends_email:
        domain = mail_from.rsplit("@", 1)[-1]
        role.add_to_policy(iam.PolicyStatement(
            sid="SendEmail", actions=["ses:SendRawEmail", "ses:SendEmail"],
            resources=[stack.format_arn(service="ses", region=home_region, resource="identity",
                                        resource_name=identity)
                       for identity in (mail_from, domain)]))


def grant_consume(role: iam.Role, queue_arn_value: str) -> None:
    role.add_to_policy(iam.PolicyStatement(sid="ConsumeQueue", actions=CONSUME_ACTIONS,
                                           resources=[queue_arn_value]))
