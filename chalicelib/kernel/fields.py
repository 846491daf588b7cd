"""Reusable field types for monitor models: enums, lists and the shapes of check targets.

Each type is an `Annotated` alias whose validator raises `ValueError` with a short message;
`validation_details` turns that message into the 400's detail for the field.
"""
from __future__ import annotations

import ipaddress
import re
import zoneinfo
from datetime import datetime, timezone
from typing import Annotated, Any
from urllib.parse import urlsplit

from cronsim import CronSim, CronSimError
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from chalicelib.kernel.clock import to_utc
from chalicelib.kernel.ids import is_id
from chalicelib.kernel.models import case_insensitive_enum
from chalicelib.kernel.settings import REGION_NAMES
from chalicelib.kernel.vocabulary import MonitorType

MONITOR_TYPES = tuple(kind.value for kind in MonitorType)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
DNS_RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "CAA", "SRV")

# The spec's numeric values of the types ("type": 10 is a Website); answers always use the name.
MONITOR_TYPE_NUMBERS = {10: MonitorType.WEBSITE.value, 3: MonitorType.PING.value,
                        2: MonitorType.PORT.value, 4: MonitorType.DNS.value,
                        6: MonitorType.DOMAIN.value, 8: MonitorType.JOB.value}


def canonical_monitor_type(raw: Any) -> str | None:
    """The type's name for a name in any case, or the spec's number (10 or "10"); else None."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return MONITOR_TYPE_NUMBERS.get(raw)
    if not isinstance(raw, str):
        return None
    if raw.strip().isdigit():
        return MONITOR_TYPE_NUMBERS.get(int(raw))
    return next((name for name in MONITOR_TYPES if name.lower() == raw.lower()), None)


def monitor_type(*names: str) -> Any:
    """`case_insensitive_enum(*names)` that also takes the spec's numbers of those types."""
    return Annotated[case_insensitive_enum(*names),
                     BeforeValidator(lambda raw: canonical_monitor_type(raw) or raw)]


AnyMonitorType = monitor_type(*MONITOR_TYPES)   # the `type` field: any of them, any case
HttpMethod = case_insensitive_enum(*HTTP_METHODS)
DnsRecordType = case_insensitive_enum(*DNS_RECORD_TYPES)
RegionName = case_insensitive_enum(*REGION_NAMES)

# An instant in a body, normalised to UTC; years the store cannot hold are refused by name.
Instant = Annotated[datetime, AfterValidator(to_utc)]

# --- host names and addresses -------------------------------------------------------------

_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.IGNORECASE)
# DNS names may hold underscores (`_dmarc.example.com`, `_sip._tcp.example.com`).
_DNS_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return "%" not in value  # zone ids (fe80::1%eth0) mean nothing to a remote checker


def is_host_name(value: str, *, dns_labels: bool = False, min_labels: int = 1) -> bool:
    """RFC 1123 host name (ASCII; IDNs in their xn-- form). A trailing dot is allowed."""
    name = value[:-1] if value.endswith(".") else value
    labels = name.split(".")
    label = _DNS_LABEL if dns_labels else _HOST_LABEL
    if not name or len(name) > 253 or len(labels) < min_labels:
        return False
    if not all(label.fullmatch(part) for part in labels):
        return False
    # An all-digit last label reads as a malformed IPv4 address (999.1.1.1), never a real TLD.
    return not labels[-1].isdigit()


def _check_bare_host(value: str) -> str:
    if "://" in value:
        raise ValueError("must be a host name or IP address, without a scheme")
    if "/" in value:
        raise ValueError("must be a host name or IP address, without a path")
    if is_ip_address(value) or is_host_name(value):
        return value
    if value.startswith("["):
        raise ValueError("must be a host name or IP address, without brackets or a port")
    if ":" in value:
        raise ValueError("must be a host name or IP address, without a port")
    raise ValueError("must be a valid host name or IP address")


def _check_dns_name(value: str) -> str:
    if is_ip_address(value) or not is_host_name(value, dns_labels=True):
        raise ValueError("must be a DNS name such as example.com")
    return value


def _check_domain_name(value: str) -> str:
    if "://" in value or "/" in value:
        raise ValueError("must be a domain name such as example.com, without scheme or path")
    if not is_host_name(value, min_labels=2):
        raise ValueError("must be a registered domain name such as example.com")
    return value


# Whitespace (re's \s on str is str.isspace's set) and control characters: one regex search,
# not a Python test per character of a URL every check parses (`parse_monitor` in the worker).
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def _check_website_url(value: str) -> str:
    if _SPACE_OR_CONTROL.search(value):
        raise ValueError("must not contain spaces or control characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError("is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("must start with http:// or https://")
    if "@" in parts.netloc:
        raise ValueError("must not contain credentials (user:password@)")
    host = parts.hostname or ""
    if not host:
        raise ValueError("must include a host")
    if not (is_ip_address(host) or is_host_name(host)):
        raise ValueError("has an invalid host name")
    if port == 0:
        raise ValueError("has an invalid port")
    return value


def _check_nameserver(value: str) -> str:
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::(\d{1,5}))?", value)
    if bracketed:
        host, port, version = bracketed.group(1), bracketed.group(2), 6
    elif value.count(":") == 1:
        (host, port), version = value.split(":"), 4
    else:
        host, port, version = value, None, None
    if not is_ip_address(host) or (version and ipaddress.ip_address(host).version != version):
        raise ValueError("must be an IP address, optionally with a port (1.1.1.1:53, [::1]:53)")
    if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise ValueError("has an invalid port")
    return value


WebsiteUrl = Annotated[str, Field(max_length=2048), AfterValidator(_check_website_url)]
HostOrIp = Annotated[str, Field(max_length=253), AfterValidator(_check_bare_host)]
DnsName = Annotated[str, Field(max_length=254), AfterValidator(_check_dns_name)]
DomainName = Annotated[str, Field(max_length=253), AfterValidator(_check_domain_name)]
Nameserver = Annotated[str, Field(max_length=64), AfterValidator(_check_nameserver)]

# --- common lists -------------------------------------------------------------------------


def _check_tag(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]+", value):
        raise ValueError("must contain only lowercase letters, digits and hyphens")
    return value


def _check_channel_id(value: str) -> str:
    if not is_id("ch", value):
        raise ValueError("must be an alert channel id (ch_...)")
    return value


def without_duplicates(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _check_unique_regions(values: list[str]) -> list[str]:
    repeated = sorted({region for region in values if values.count(region) > 1})
    if repeated:
        raise ValueError(f"lists {', '.join(repeated)} more than once")
    return values


MonitorName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
TagName = Annotated[str, StringConstraints(min_length=1, max_length=50), AfterValidator(_check_tag)]
Tags = Annotated[list[TagName], Field(max_length=20), AfterValidator(without_duplicates)]
ChannelIds = Annotated[
    list[Annotated[str, AfterValidator(_check_channel_id)]],
    Field(max_length=20),
    AfterValidator(without_duplicates),
]
Regions = Annotated[
    list[RegionName], Field(min_length=1, max_length=len(REGION_NAMES)),
    AfterValidator(_check_unique_regions),
]

# --- HTTP request parts -------------------------------------------------------------------

_HEADER_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _check_headers(headers: dict[str, str]) -> dict[str, str]:
    if len(headers) > 50:
        raise ValueError("must have at most 50 headers")
    for name, value in headers.items():
        if not _HEADER_TOKEN.fullmatch(name):
            raise ValueError(f"header name {name!r} is not a valid HTTP token")
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError(f"header {name!r} must not contain CR, LF or NUL")
        if len(value) > 8192:
            raise ValueError(f"header {name!r} must be at most 8192 characters")
    return headers


def _check_header_value(value: str) -> str:
    if any(ch in value for ch in "\r\n\0"):
        raise ValueError("must not contain CR, LF or NUL")
    return value


RequestHeaders = Annotated[dict[str, str], AfterValidator(_check_headers)]
UserAgent = Annotated[str, Field(max_length=512), AfterValidator(_check_header_value)]

# --- schedules ----------------------------------------------------------------------------

_CRON_FROM = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _check_cron(value: str) -> str:
    if len(value.split()) != 5:
        raise ValueError("must have 5 fields: minute hour day-of-month month day-of-week")
    try:
        # Impossible dates (`0 0 31 2 *`) fail on construction or on the first occurrence.
        next(CronSim(value, _CRON_FROM))
    except (CronSimError, ValueError, StopIteration) as exc:
        raise ValueError(f"is not a valid cron expression ({exc})") from None
    return value


def _check_time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as Europe/Paris") from None
    return value


CronExpression = Annotated[str, Field(max_length=200), AfterValidator(_check_cron)]
TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(_check_time_zone)]


# --- shared by several concepts' bodies -------------------------------------------------

MAX_RULE_MONITORS = 100
# A dot-atom address: no quotes, comments, spaces, commas or angle brackets, so an address can
# never smuggle a second recipient or a header into the message.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATOM}(\.{_ATOM})*@{_LABEL}(\.{_LABEL})+")

def _check_address(value: str) -> str:
    address = value.strip().lower()
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        raise ValueError(f"{value!r} is not a valid email address")
    return address


EmailAddress = Annotated[str, AfterValidator(_check_address)]


ObjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _check_monitor_id(value: str) -> str:
    if not is_id("mon", value):
        raise ValueError("must be a monitor id (mon_...)")
    return value


def without_duplicates(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


MonitorId = Annotated[str, AfterValidator(_check_monitor_id)]
MonitorIds = Annotated[
    list[MonitorId],
    Field(min_length=1, max_length=MAX_RULE_MONITORS),
    AfterValidator(without_duplicates),
]


_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,58}[a-z0-9]")


def is_slug(value: str) -> bool:
    return _SLUG.fullmatch(value) is not None
