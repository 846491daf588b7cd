"""`/ping/*` on a function and an HTTP API of their own (E16 point 7).

Pings are the product's hottest public path: every Job monitor sends one per run, often every
minute. On the REST API they shared the API function's concurrency and cold starts and paid REST
API prices. Here they get:
- a function of their own (the same deployment package, the Chalice app as handler: the exact
  route code, the ping's one-write path and its 60 s token cache per container), with a role
  granting what the ping routes reach and nothing else (no API key secret);
- an HTTP API (cheaper per request than REST, lower overhead) whose routes are exactly the
  app's `/ping/...` routes, integrated with payload format 1.0, the REST proxy event shape
  Chalice reads, so the app routes them as it does on the REST API.
The REST API keeps its `/ping` routes too: ping URLs already handed out keep working.
"""
from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_iam import ServicePrincipal

from infra import access, permissions

PING_ROUTE_PREFIX = "/ping/"
PING_MODULES = ["chalicelib.heartbeats.routes"]
PING_MEMORY_MB = 512            # CPU scales with memory: a ping is CPU-bound between its call
PING_TIMEOUT_SECONDS = 10       # one transaction, a few retries at worst


def ping_routes(chalice_app) -> list[tuple[str, str]]:
    """(method, path) of every ping route the app declares."""
    return sorted((method, path) for path, methods in chalice_app.routes.items()
                  if path.startswith(PING_ROUTE_PREFIX) for method in methods)


def add_ping_api(stack: Stack, *, chalice_app, deployment_zip: str, function_name: str,
                 environment: dict, grant: dict) -> lambda_.Function:
    """The ping function and its HTTP API; `grant` is `permissions.grant_needs`' keywords."""
    role = permissions.lambda_role(stack, "PingFunctionRole")
    permissions.grant_needs(role, stack, access.needs_of(PING_MODULES), **grant)
    function = lambda_.Function(
        stack, "PingFunction", function_name=function_name,
        runtime=lambda_.Runtime.PYTHON_3_11, handler="app.app",
        code=lambda_.Code.from_asset(deployment_zip), role=role,
        timeout=Duration.seconds(PING_TIMEOUT_SECONDS), memory_size=PING_MEMORY_MB,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=logs.LogGroup(stack, "PingFunctionLogs",
                                log_group_name=f"/aws/lambda/{function_name}",
                                retention=logs.RetentionDays.ONE_MONTH),
        environment=environment)
    api = apigw.CfnApi(stack, "PingHttpApi", name=function_name, protocol_type="HTTP")
    integration = apigw.CfnIntegration(
        stack, "PingIntegration", api_id=api.ref, integration_type="AWS_PROXY",
        integration_uri=function.function_arn, payload_format_version="1.0",
        timeout_in_millis=PING_TIMEOUT_SECONDS * 1000)
    for n, (method, path) in enumerate(ping_routes(chalice_app)):
        apigw.CfnRoute(stack, f"PingRoute{n}", api_id=api.ref, route_key=f"{method} {path}",
                       target=f"integrations/{integration.ref}")
    apigw.CfnStage(stack, "PingStage", api_id=api.ref, stage_name="$default", auto_deploy=True)
    function.add_permission(
        "PingHttpApiInvoke", principal=ServicePrincipal("apigateway.amazonaws.com"),
        source_arn=stack.format_arn(service="execute-api", resource=api.ref,
                                    resource_name="*/*/ping/*"))
    CfnOutput(stack, "PingApiUrl", value=api.attr_api_endpoint)
    return function
