"""The one settings object, read from the environment once per process.

Lambda gets these variables from `.chalice/config.json` (and the CDK app); the local stack sets
them before it imports the app. Nothing else in the code reads `os.environ`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

# Check regions: the API's names and the AWS regions they run in.
REGION_NAMES = ("UsEast", "UsWest", "EuWest", "EuCentral", "ApSoutheast", "ApNortheast")
# The base name of the queue that carries alert retries (delivery sends, a DLQ redrive moves back).
ALERT_RETRY_QUEUE = "alert-retries"
AWS_REGION_OF = {
    "UsEast": "us-east-1",
    "UsWest": "us-west-2",
    "EuWest": "eu-west-1",
    "EuCentral": "eu-central-1",
    "ApSoutheast": "ap-southeast-1",
    "ApNortheast": "ap-northeast-1",
}
# The providers' public API roots. ENORI_PROVIDER_URLS points them elsewhere, for tests only (at
# local stand-ins): an alert channel's body never names them (ntfy's `serverUrl` is the user's own
# server, a different thing).
PROVIDER_URLS = {
    "pagerduty": "https://events.pagerduty.com",
    "opsgenie": "https://api.opsgenie.com",
    "opsgenie_eu": "https://api.eu.opsgenie.com",
    "telegram": "https://api.telegram.org",
    "ntfy": "https://ntfy.sh",
}


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    # Prefix of every table, queue and topic name, so two stages share an account safely.
    resource_prefix: str = "enori-dev"
    aws_region: str = "us-east-1"
    # None on AWS; the local stack points these at DynamoDB Local and moto server.
    dynamodb_endpoint: str | None = None
    aws_endpoint: str | None = None
    # Server-side secret for the HMAC of API keys (never stored next to the keys).
    api_key_secret: str = ""
    # "system": the machine's resolver. "hosts": a sandbox whose only network is loopback —
    # names resolve from /etc/hosts, only loopback addresses are reached, nothing leaves the
    # machine (the test suite, offline demos).
    resolver_mode: str = "system"
    # Self-hosted installs may watch private services; the public default refuses them.
    allow_private_targets: bool = False
    public_base_url: str = "http://127.0.0.1:8000"
    # Check regions served by this deployment (each has its own queue and worker).
    check_regions: tuple[str, ...] = field(default=("UsEast",))
    # "auto": ICMP where the kernel allows it; "tcp": a TCP connect probe (AWS Lambda has no ICMP).
    ping_mode: str = "auto"
    smtp_url: str | None = None
    # Spec "Retry Policy": retries 30 s, 5 min and 30 min after a failed delivery. Overridable so
    # system tests can watch the whole schedule in seconds.
    alert_retry_delays: tuple[int, ...] = (30, 300, 1800)
    # An event some consumer has not acknowledged this long after it was stored is published
    # again (the outbox sweeper). Shorter in system tests, which cannot wait minutes.
    event_republish_seconds: int = 60
    # DynamoDB client read timeout: short enough that an unresponsive DynamoDB fails a handler
    # (and its message goes back to the queue) instead of holding it for minutes.
    dynamodb_read_timeout_seconds: int = 10
    # Set by the deployment; locally the topic is looked up (created) by name.
    events_topic_arn: str | None = None
    mail_from: str = "alerts@enori.local"
    # Multiplies every per-key rate limit. 1 in production; the schema-fuzzing test stack raises
    # it so that thousands of generated requests are not all answered 429.
    rate_limit_scale: int = 1
    # Alert providers' API roots: the documented ones (PROVIDER_URLS), pointed elsewhere for tests
    # only, by "ENORI_PROVIDER_URLS=pagerduty=http://127.0.0.1:9001,pushover=...,twilio=...".
    # Never settable through the API.
    provider_urls: dict[str, str] = field(default_factory=lambda: dict(PROVIDER_URLS))
    # Test-only: the SQS endpoint the scheduler sends a check region's jobs through
    # ({"EuWest": "http://127.0.0.1:9"}), so a fault test can make one region unreachable.
    region_sqs_endpoints: dict[str, str] = field(default_factory=dict)
    # The directory whose small files every local process of one data dir maps to share the
    # write clock and the job versions (`kernel.shared_memory`); None: each process its own.
    shared_memory_dir: str | None = None

    def runs_remote(self, check_region: str) -> bool:
        """Whether a check region runs in another AWS region than the home one (its worker
        then sends its results home instead of touching DynamoDB: E16 point 5)."""
        return AWS_REGION_OF.get(check_region, self.aws_region) != self.aws_region

    def table_name(self, name: str) -> str:
        return f"{self.resource_prefix}-{name}"

    def queue_name(self, name: str) -> str:
        return f"{self.resource_prefix}-{name}"


def load_settings(env: dict[str, str] | os._Environ = os.environ) -> Settings:
    stage = env.get("ENORI_STAGE", "dev")
    regions = tuple(
        r.strip() for r in env.get("ENORI_CHECK_REGIONS", "UsEast,EuWest").split(",") if r.strip()
    )
    return Settings(
        stage=stage,
        resource_prefix=env.get("ENORI_RESOURCE_PREFIX", f"enori-{stage}"),
        # A check worker in another region still reads and writes the home region's tables and
        # topic: ENORI_HOME_REGION, when set, wins over the region the function runs in.
        aws_region=env.get("ENORI_HOME_REGION")
        or env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", "us-east-1")),
        dynamodb_endpoint=env.get("ENORI_DYNAMODB_ENDPOINT") or None,
        aws_endpoint=env.get("ENORI_AWS_ENDPOINT") or None,
        api_key_secret=env.get("ENORI_API_KEY_SECRET", ""),
        allow_private_targets=_flag(env.get("ENORI_ALLOW_PRIVATE_TARGETS")),
        resolver_mode=env.get("ENORI_RESOLVER", "system"),
        public_base_url=env.get("ENORI_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        check_regions=regions,
        ping_mode=env.get("ENORI_PING_MODE", "auto"),
        smtp_url=env.get("ENORI_SMTP_URL") or None,
        events_topic_arn=env.get("ENORI_EVENTS_TOPIC_ARN") or None,
        alert_retry_delays=tuple(int(x) for x in env.get("ENORI_ALERT_RETRY_DELAYS",
                                                          "30,300,1800").split(",") if x.strip()),
        event_republish_seconds=int(env.get("ENORI_EVENT_REPUBLISH_SECONDS") or 60),
        dynamodb_read_timeout_seconds=int(env.get("ENORI_DYNAMODB_READ_TIMEOUT") or 10),
        mail_from=env.get("ENORI_MAIL_FROM", "alerts@enori.local"),
        rate_limit_scale=max(1, int(env.get("ENORI_RATE_LIMIT_SCALE") or 1)),
        provider_urls={**PROVIDER_URLS,
                       **{name.lower(): url.rstrip("/")
                          for name, url in _pairs(env.get("ENORI_PROVIDER_URLS") or "").items()}},
        region_sqs_endpoints=_pairs(env.get("ENORI_REGION_SQS_ENDPOINTS", "")),
        shared_memory_dir=env.get("ENORI_SHARED_MEMORY_DIR") or None,
    )


def _pairs(text: str) -> dict[str, str]:
    """"A=x,B=y" as {"A": "x", "B": "y"} (blank entries ignored, names as written)."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {name.strip(): value.strip() for name, value in pairs}


settings = load_settings()
