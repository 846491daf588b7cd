"""Monitor configuration as clients send it: one model per type, chosen by `type` (any case).

Only what a body can say on its own is checked here. Plan limits (a 30 s interval needs the
add-on), channel existence and SSRF checks of resolved addresses belong to the service layer.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Union

import pydantic
from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.kernel.models import ApiModel
from chalicelib.kernel.vocabulary import MonitorType
from chalicelib.kernel.fields import (
    MONITOR_TYPES,
    ChannelIds,
    CronExpression,
    DnsName,
    DnsRecordType,
    DomainName,
    HostOrIp,
    HttpMethod,
    MonitorName,
    AnyMonitorType,
    Nameserver,
    Regions,
    RequestHeaders,
    Tags,
    TimeZoneName,
    UserAgent,
    WebsiteUrl,
    canonical_monitor_type,
    monitor_type,
)

MAX_REQUEST_BODY_BYTES = 64 * 1024
ONE_YEAR_SECONDS = 365 * 24 * 3600
DEFAULT_TIMEOUT_SECONDS = 30
# The public service's ranges: 30 s (with the add-on) up to 360 days, in steps of 30 s.
MAX_INTERVAL_SECONDS = 31_104_000
MAX_TIMEOUT_SECONDS = 300


def _in_steps_of_30(value: int) -> int:
    if value % 30:
        raise ValueError("must be a multiple of 30 (30, 60, 90, ...)")
    return value


def _empty_as_none(value: Any) -> Any:
    """`""` clears an optional text (clients send back an empty field to unset it)."""
    return None if value == "" else value


class MonitorBase(ApiModel):
    # Job monitors are scheduled by cron or period, so the interval rule does not apply to them.
    checks_timeout_below_interval: ClassVar[bool] = True

    name: MonitorName
    type: AnyMonitorType
    url: str
    interval_seconds: Annotated[int, AfterValidator(_in_steps_of_30)] = Field(
        60, ge=30, le=MAX_INTERVAL_SECONDS)
    # Omitted: 30 s, or half the interval for shorter intervals (so a 30 s monitor just works).
    timeout_seconds: int | None = Field(None, ge=1, le=MAX_TIMEOUT_SECONDS, validate_default=True)
    # 0 is accepted (the public service's range) and behaves as 1: down at the first failure.
    failure_threshold: int = Field(2, ge=0, le=10)
    recovery_threshold: int = Field(1, ge=1, le=10)
    alert_on_down: bool = True
    alert_on_recovered: bool = True
    alert_channel_ids: ChannelIds = Field(default_factory=list)
    regions: Regions = Field(default_factory=lambda: ["UsEast"])
    # None means a majority of the regions must fail before the monitor is down.
    region_quorum: int | None = Field(None, ge=1)
    tags: Tags = Field(default_factory=list)
    group_name: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=1000)
    # One of the account's escalation policies (checked by `monitors.check_rules`).
    escalation_policy_id: str | None = Field(None, min_length=1, max_length=100)
    # Parent monitors of the account (checked, with cycles, by `dependencies.check_parents`).
    depends_on: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=20)

    @field_validator("timeout_seconds")
    @classmethod
    def _timeout_below_interval(cls, value: int | None, info: ValidationInfo) -> int:
        interval = info.data.get("interval_seconds")
        if value is None:
            return min(DEFAULT_TIMEOUT_SECONDS, (interval or 60) // 2) \
                if cls.checks_timeout_below_interval else DEFAULT_TIMEOUT_SECONDS
        if cls.checks_timeout_below_interval and interval is not None and value > interval:
            raise ValueError(f"must be at most intervalSeconds ({interval})")
        return value

    @field_validator("region_quorum")
    @classmethod
    def _quorum_within_regions(cls, value: int | None, info: ValidationInfo) -> int | None:
        regions = info.data.get("regions")
        if value is not None and regions is not None and value > len(regions):
            raise ValueError(f"must be at most the number of regions ({len(regions)})")
        return value


class WebsiteMonitorIn(MonitorBase):
    type: monitor_type(MonitorType.WEBSITE.value)
    url: WebsiteUrl
    http_method: HttpMethod = "GET"
    expected_status_code: int = Field(200, ge=100, le=599)
    expected_keyword: Annotated[str | None, BeforeValidator(_empty_as_none)] = Field(
        None, min_length=1, max_length=1000)
    keyword_must_be_absent: bool = False
    request_headers: RequestHeaders | None = None
    request_body: str | None = None
    custom_user_agent: UserAgent | None = None
    follow_redirects: bool = True
    ssl_expiry_warning_days: int = Field(30, ge=0, le=365)
    response_time_threshold_ms: int | None = Field(None, ge=1, le=120000)

    @field_validator("keyword_must_be_absent")
    @classmethod
    def _absent_needs_keyword(cls, value: bool, info: ValidationInfo) -> bool:
        if value and "expected_keyword" in info.data and not info.data["expected_keyword"]:
            raise ValueError("needs expectedKeyword")
        return value

    @field_validator("request_body")
    @classmethod
    def _body_fits_method(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if info.data.get("http_method") in ("GET", "HEAD"):
            raise ValueError(f"is not allowed with httpMethod {info.data['http_method']}")
        if len(value.encode("utf-8")) > MAX_REQUEST_BODY_BYTES:
            raise ValueError(f"must be at most {MAX_REQUEST_BODY_BYTES} bytes")
        return value


class PingMonitorIn(MonitorBase):
    type: monitor_type(MonitorType.PING.value)
    url: HostOrIp


class PortMonitorIn(MonitorBase):
    type: monitor_type(MonitorType.PORT.value)
    url: HostOrIp
    port: int = Field(ge=1, le=65535)


class DnsMonitorIn(MonitorBase):
    type: monitor_type(MonitorType.DNS.value)
    url: DnsName
    record_type: DnsRecordType = "A"
    expected_values: list[Annotated[str, Field(min_length=1, max_length=1024)]] | None = Field(
        None, max_length=20
    )
    nameserver: Nameserver | None = None


class DomainMonitorIn(MonitorBase):
    type: monitor_type(MonitorType.DOMAIN.value)
    url: DomainName
    expiry_warning_days: int = Field(30, ge=1, le=365)


class JobMonitorIn(MonitorBase):
    checks_timeout_below_interval = False

    type: monitor_type(MonitorType.JOB.value)
    # Jobs ping Enori; there is nothing to check. Kept (always null) so every type dumps `url`.
    url: None = None
    period_seconds: int | None = Field(None, ge=60, le=ONE_YEAR_SECONDS)
    cron_expression: CronExpression | None = Field(None, validate_default=True)
    timezone: TimeZoneName = "UTC"
    grace_period_seconds: int = Field(60, ge=0, le=ONE_YEAR_SECONDS)
    min_runtime_seconds: int | None = Field(None, ge=1, le=ONE_YEAR_SECONDS)
    max_runtime_seconds: int | None = Field(None, ge=1, le=ONE_YEAR_SECONDS)
    # "Ran too often": a success sooner than this after the previous success fails the run.
    min_interval_seconds: int | None = Field(None, ge=1, le=ONE_YEAR_SECONDS)

    @field_validator("url", mode="before")
    @classmethod
    def _no_url(cls, value: Any) -> None:
        if value is not None:
            raise ValueError("is not allowed for Job monitors (they receive pings)")
        return value

    @field_validator("cron_expression")
    @classmethod
    def _one_schedule(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "period_seconds" not in info.data:  # periodSeconds is already reported as invalid
            return value
        has_period = info.data["period_seconds"] is not None
        if value is not None and has_period:
            raise ValueError("cronExpression and periodSeconds cannot both be set; choose one")
        if value is None and not has_period:
            raise ValueError("either cronExpression or periodSeconds is required")
        return value

    @field_validator("max_runtime_seconds")
    @classmethod
    def _max_not_below_min(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("min_runtime_seconds")
        if value is not None and low is not None and value < low:
            raise ValueError(f"must be at least minRuntimeSeconds ({low})")
        return value


MonitorInType = Union[
    WebsiteMonitorIn, PingMonitorIn, PortMonitorIn, DnsMonitorIn, DomainMonitorIn, JobMonitorIn
]
_MODEL_BY_TYPE: dict[str, type[MonitorBase]] = {
    MonitorType.WEBSITE: WebsiteMonitorIn,
    MonitorType.PING: PingMonitorIn,
    MonitorType.PORT: PortMonitorIn,
    MonitorType.DNS: DnsMonitorIn,
    MonitorType.DOMAIN: DomainMonitorIn,
    MonitorType.JOB: JobMonitorIn,
}
_ALLOWED_TYPES = ", ".join(MONITOR_TYPES)


def monitor_type_of(data: Any) -> str | None:
    """The canonical type named by a body or model ("website" or 10 -> "Website"), or None."""
    raw = data.get("type") if isinstance(data, dict) else getattr(data, "type", None)
    return canonical_monitor_type(raw)


# For OpenAPI and for embedding in other models. Errors through this union carry the type as
# the first location part (`Website.url`), so request bodies go through `parse_monitor` instead.
MonitorIn = Annotated[
    Union[
        Annotated[WebsiteMonitorIn, Tag(MonitorType.WEBSITE.value)],
        Annotated[PingMonitorIn, Tag(MonitorType.PING.value)],
        Annotated[PortMonitorIn, Tag(MonitorType.PORT.value)],
        Annotated[DnsMonitorIn, Tag(MonitorType.DNS.value)],
        Annotated[DomainMonitorIn, Tag(MonitorType.DOMAIN.value)],
        Annotated[JobMonitorIn, Tag(MonitorType.JOB.value)],
    ],
    Discriminator(
        monitor_type_of,
        custom_error_type="invalid_monitor_type",
        custom_error_message=f"type must be one of {_ALLOWED_TYPES}",
    ),
]


def parse_monitor(data: Any) -> MonitorInType:
    """Validate a monitor create/replace body; raises `pydantic.ValidationError`.

    The model is picked from `type` first, so error locations are plain field paths
    (`url`, `tags.3`) ready for `validation_details`.
    """
    if not isinstance(data, dict):
        raise _validation_error((), "must be a JSON object", data)
    model = _MODEL_BY_TYPE.get(monitor_type_of(data) or "")
    if model is None:
        problem = "is required:" if data.get("type") is None else "must be"
        raise _validation_error(("type",), f"{problem} one of {_ALLOWED_TYPES}", data.get("type"))
    return model.model_validate(data)


def monitor_defaults_dump(monitor: MonitorBase) -> dict[str, Any]:
    """Every config field, defaults included, snake_case and JSON-safe: what storage keeps."""
    return monitor.model_dump(mode="json")


def _validation_error(loc: tuple[str, ...], message: str, value: Any) -> pydantic.ValidationError:
    error = PydanticCustomError("invalid_monitor_type", message)
    return pydantic.ValidationError.from_exception_data(
        "Monitor", [{"type": error, "loc": loc, "input": value}]
    )
