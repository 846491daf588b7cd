"""`/ping/*` on a function of its own behind a Lambda Function URL (E16 point 7, E20 point 2).

Pings are the product's hottest public path: every Job monitor sends one per run, often every
minute. On the REST API they shared the API function's concurrency and cold starts and paid REST
API prices. Here they get:
- a function of their own (the same deployment package: the exact route code, the ping's
  one-write path and its token cache per container), with a role granting what the ping routes
  reach and nothing else (no API key secret);
- a Function URL (AuthType NONE: a ping token is the credential, checked by the app), which
  costs nothing per request: an HTTP API's $1 per million was $0.043 a month for a job pinged
  every minute, more than its write. A Function URL routes nothing and sends payload 2.0
  events, so the handler is `app.ping_url_handler` (`heartbeats.function_url`): it matches the
  app's `/ping/...` routes and hands the app the REST event it reads.
The REST API keeps its `/ping` routes too: ping URLs already handed out keep working.
"""
from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from infra import access, permissions

PING_MODULES = ["chalicelib.heartbeats.routes", "chalicelib.heartbeats.function_url"]
PING_MEMORY_MB = 512            # CPU scales with memory: a ping is CPU-bound between its call
PING_TIMEOUT_SECONDS = 10       # one write, a few retries at worst
PING_HANDLER = "app.ping_url_handler"


def add_ping_api(stack: Stack, *, deployment_zip: str, function_name: str, environment: dict,
                 grant: dict) -> lambda_.Function:
    """The ping function and its Function URL; `grant` is `permissions.grant_needs`' keywords.
    The routes are matched at run time from the app (`heartbeats.function_url`)."""
    role = permissions.lambda_role(stack, "PingFunctionRole")
    permissions.grant_needs(role, stack, access.needs_of(PING_MODULES), **grant)
    function = lambda_.Function(
        stack, "PingFunction", function_name=function_name,
        runtime=lambda_.Runtime.PYTHON_3_11, handler=PING_HANDLER,
        code=lambda_.Code.from_asset(deployment_zip), role=role,
        timeout=Duration.seconds(PING_TIMEOUT_SECONDS), memory_size=PING_MEMORY_MB,
        logging_format=lambda_.LoggingFormat.JSON,
        log_group=logs.LogGroup(stack, "PingFunctionLogs",
                                log_group_name=f"/aws/lambda/{function_name}",
                                retention=logs.RetentionDays.ONE_MONTH),
        environment=environment)
    url = function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
    CfnOutput(stack, "PingUrl", value=url.url)
    return function
