"""Logs and metrics: JSON log lines carrying the Lambda request id, and CloudWatch Embedded
Metric Format (EMF) metrics — one JSON line on stdout that CloudWatch turns into metrics, with no
API call and no extra dependency.

On Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set) logs are JSON and metrics are EMF lines; elsewhere
(the local stack, tests) the same records print as plain readable lines and metrics are logged at
DEBUG. Dimensions are few and bounded (each distinct value is a billed metric): a monitor or an
account id is never one — `emit_metric` refuses any dimension not in `ALLOWED_DIMENSIONS`.
"""
from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import time
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

NAMESPACE = "Enori"          # + "/<stage>": two stages in one account keep apart
ALLOWED_DIMENSIONS = frozenset({"Region", "Status", "Channel"})
MAX_VALUES_PER_METRIC = 100   # EMF's limit on the values of one metric in one line

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("enori_request_id", default="")
log = logging.getLogger("enori.metrics")


def namespace() -> str:
    from chalicelib.kernel.settings import settings

    return f"{NAMESPACE}/{settings.stage}"


def is_on_lambda(env=os.environ) -> bool:
    return bool(env.get("AWS_LAMBDA_FUNCTION_NAME"))


# ---- logs -----------------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the request id of the invocation being served."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "requestId": _request_id.get() or getattr(record, "aws_request_id", ""),
        }
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


JsonFormatter.converter = time.gmtime
PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def make_formatter(env=os.environ) -> logging.Formatter:
    return JsonFormatter() if is_on_lambda(env) else logging.Formatter(PLAIN_FORMAT)


# Libraries that log too much, or secrets: httpx and httpcore log every request's full URL at
# INFO (chat webhook tokens, credentials in a monitored URL's query string).
THIRD_PARTY_LOGGERS = ("httpx", "httpcore", "botocore", "boto3", "urllib3", "werkzeug", "pynamodb")
MASK = "…"
# A URL, or a path starting a word (a request line), without the punctuation that ends a phrase.
_URL_IN_TEXT = re.compile(
    r"""(?:\b[a-z][a-z0-9+.-]*://|(?<![\w/.:~-])/)(?:[^\s"'<>]*[^\s"'<>.,;:!?)\]])?""", re.I)
_ENORI_ID = re.compile(r"[a-z]{2,6}_[a-z0-9]{16}")       # ids.new_id: not secret, worth keeping
_TOKEN_ROUTES = ("ping", "subscriptions")               # /ping/{token}, /subscriptions/{token}


def _secret_looking(segment: str) -> bool:
    """A random-looking path segment: a chat webhook's token, a key, a GUID, a Telegram
    `bot<id>:<token>`."""
    if len(segment) < 16 or _ENORI_ID.fullmatch(segment) or \
            not re.fullmatch(r"[A-Za-z0-9_%=+:-]+", segment):
        return False
    return len(segment) >= 24 or any(c.isdigit() for c in segment) or \
        segment.lower() != segment != segment.upper()


def redact_url(url: str) -> str:
    """A URL (or a path) fit for a log line: credentials, query values, fragment and token-like
    path segments become "…", so `https://hooks.slack.com/services/T0/B0/xyzSECRET?x=1` shows
    as `https://hooks.slack.com/services/T0/B0/…?x=…`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc if "@" not in parts.netloc else MASK + "@" + parts.netloc.rpartition("@")[2]
    segments = parts.path.split("/")
    path = "/".join(MASK if (_secret_looking(seg) or (i and segments[i - 1] in _TOKEN_ROUTES))
                    and seg else seg for i, seg in enumerate(segments))
    query = "&".join(f"{name}={MASK}" if sep else MASK
                     for name, sep, _ in (pair.partition("=") for pair in parts.query.split("&")))
    return urlunsplit((parts.scheme, netloc, path, query if parts.query else "",
                       MASK if parts.fragment else ""))


def redact_urls(text: str) -> str:
    """`text` with every URL and path in it passed through `redact_url`."""
    return _URL_IN_TEXT.sub(lambda match: redact_url(match.group(0)), text)


class RedactUrls(logging.Filter):
    """On a handler: every line it writes (ours and libraries', tracebacks too) shows URLs only
    through `redact_url`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_urls(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_urls(logging.Formatter().formatException(record.exc_info))
        return True


def guard_log_output(*handlers: logging.Handler) -> None:
    """Third-party loggers at WARNING, and `RedactUrls` on each handler (once)."""
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in handlers:
        if not any(isinstance(f, RedactUrls) for f in handler.filters):
            handler.addFilter(RedactUrls())


def configure_logging(logger: logging.Logger, level: str | None = None, env=os.environ) -> None:
    """Give `logger` (Chalice's app logger, "enori") the formatter of this environment and the
    level of `ENORI_LOG_LEVEL` (default INFO). Chalice sets it to ERROR unless in debug mode.
    Its handlers and the root logger's (Lambda's own, or the local stack's) redact URLs."""
    logger.setLevel((level or env.get("ENORI_LOG_LEVEL") or "INFO").upper())
    formatter = make_formatter(env)
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler(sys.stdout))
    for handler in logger.handlers:
        handler.setFormatter(formatter)
    guard_log_output(*logger.handlers, *logging.getLogger().handlers)


def bind_request_id(context: Any) -> None:
    """Remember the Lambda request id of the invocation in progress (for every log line)."""
    _request_id.set(getattr(context, "aws_request_id", "") or "")


def request_id_middleware(event, get_response):
    """Chalice middleware (every handler type): bind the request id, then run the handler."""
    bind_request_id(getattr(event, "lambda_context", None) or getattr(event, "context", None))
    return get_response(event)


# ---- metrics --------------------------------------------------------------------------------

def emf_record(metrics: dict[str, tuple[Any, str]], dimensions: dict[str, str] | None = None,
               now_ms: int | None = None) -> dict:
    """The EMF document for `metrics` ({name: (value or list of values, unit)})."""
    dims = {key: str(value) for key, value in (dimensions or {}).items()}
    refused = set(dims) - ALLOWED_DIMENSIONS
    if refused:
        raise ValueError(f"metric dimensions {sorted(refused)} are not allowed "
                         f"(allowed: {sorted(ALLOWED_DIMENSIONS)})")
    record: dict[str, Any] = {
        "_aws": {
            "Timestamp": now_ms if now_ms is not None else int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": namespace(),
                "Dimensions": [sorted(dims)],
                "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in metrics.items()],
            }],
        },
        **dims,
    }
    for name, (value, _) in metrics.items():
        record[name] = list(value)[:MAX_VALUES_PER_METRIC] if isinstance(value, (list, tuple)) \
            else value
    return record


def emit_metrics(metrics: dict[str, tuple[Any, str]], dimensions: dict[str, str] | None = None,
                 write: Callable[[str], Any] | None = None) -> dict:
    """Emit several metrics sharing dimensions as one EMF line (stdout on Lambda)."""
    record = emf_record(metrics, dimensions)
    if write is not None:
        write(json.dumps(record))
    elif is_on_lambda():
        print(json.dumps(record), flush=True)
    elif log.isEnabledFor(logging.DEBUG):
        shown = " ".join(f"{n}={v}" for n, (v, _) in metrics.items())
        log.debug("metric %s %s", shown, dimensions or {})
    return record


def emit_metric(name: str, value: Any, unit: str = "Count",
                dimensions: dict[str, str] | None = None,
                write: Callable[[str], Any] | None = None) -> dict:
    """Emit one metric: `emit_metric("ChecksRun", 12, "Count", {"Region": "UsEast"})`."""
    return emit_metrics({name: (value, unit)}, dimensions, write)


def emit_values(name: str, values: list[float], unit: str, dimensions: dict[str, str] | None = None,
                write: Callable[[str], Any] | None = None) -> None:
    """Many samples of one metric (latencies, for percentiles), in lines of at most 100."""
    for start in range(0, len(values), MAX_VALUES_PER_METRIC):
        emit_metrics({name: (values[start:start + MAX_VALUES_PER_METRIC], unit)}, dimensions, write)
